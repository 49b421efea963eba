"""Demo accounts: one per demo customer and the back-office operator with backup codes.

Their password is published (README, `make demo`): the demo app loads them only in demo mode.
"""

from collections.abc import Iterable

from django.utils.crypto import salted_hmac
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from guichet.customers.models import Customer

from .models import User
from .services import (
    backup_code_digest,
    customer_user_create,
    staff_backup_codes_create,
    staff_create,
)

DEMO_PASSWORD = "Demo-Guichet-2026!"
DEMO_STAFF_USERNAME = "operateur"
DEMO_STAFF_CODES = 10


def demo_users(*, customers: Iterable[Customer]) -> int:
    """An account for each customer that has none, and the demo operator; returns how many."""
    created = 0
    for customer in customers:
        if not User.objects.filter(customer=customer).exists():
            customer_user_create(customer=customer, password=DEMO_PASSWORD)
            created += 1
    if not User.objects.filter(username=DEMO_STAFF_USERNAME).exists():
        staff = staff_create(
            username=DEMO_STAFF_USERNAME,
            email="operateur@example.fr",
            password=DEMO_PASSWORD,
            superuser=True,
        )
        # The back office asks for a second factor (J2): the demo gives backup codes.
        staff_backup_codes_create(
            user=staff,
            name="Codes de secours (démo)",
            count=DEMO_STAFF_CODES,
            codes=_demo_codes(),
        )
        # Enrolled already, so that every visitor logs in with the codes shown, not with an
        # app on the phone of the first one (enrolment is forced on staff without one).
        TOTPDevice.objects.create(user=staff, name="Application (démo)", confirmed=True)
        created += 1
    return created


def _demo_codes() -> list[str]:
    """The demo operator's codes, made again from the secret key when they are shown: the
    database only keeps their hashes, like everyone's."""
    return [
        salted_hmac("guichet.demo_staff_code", str(n)).hexdigest()[:8]
        for n in range(DEMO_STAFF_CODES)
    ]


def demo_staff_codes() -> list[str]:
    """The demo operator's unused backup codes (each works once)."""
    unused = set(
        StaticToken.objects.filter(device__user__username=DEMO_STAFF_USERNAME).values_list(
            "token", flat=True
        )
    )
    return [code for code in _demo_codes() if backup_code_digest(code) in unused]
