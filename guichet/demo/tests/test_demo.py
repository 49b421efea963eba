"""The demo data behind `make demo`."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_static.models import StaticDevice

from guichet.accounts.models import User
from guichet.catalog.models import ProductKind, Subscription
from guichet.customers.models import Customer, Holder
from guichet.demo.loader import DEMO_PASSWORD, DEMO_STAFF_USERNAME, demo_staff_codes, load_demo

pytestmark = pytest.mark.django_db


def _counts():
    return (
        Customer.objects.count(),
        Holder.objects.count(),
        Subscription.objects.count(),
        User.objects.count(),
    )


def test_loading_twice_changes_nothing(settings):
    settings.GUICHET_DEMO = True
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = _counts()
    hashes = list(User.objects.order_by("pk").values_list("password", flat=True))
    assert load_demo() == {
        "products": 0,
        "customers": 0,
        "subscriptions": 0,
        "users": 0,
        "mandates": 0,
        "invoices": 0,
        "payments": 0,
        "partner_points": 0,
    }
    assert _counts() == first
    assert list(User.objects.order_by("pk").values_list("password", flat=True)) == hashes


def test_the_guides_subscriber_can_log_in_and_has_the_offer():
    load_demo()
    user = authenticate(login="V01776108", password=DEMO_PASSWORD)
    assert user is not None
    customer = user.customer
    assert customer.installation_city == "Colmar" and customer.contract_postal_code == "68000"
    names = set(customer.subscriptions.active().values_list("product__name", flat=True))
    assert {
        "Offre Confort",
        "TV EMOTION",
        "Pour accès aux chaînes CANAL+",
        "EXTREME",
        "Téléphonie fixe",
    } <= names


def test_the_demo_covers_every_kind_of_customer():
    load_demo()
    customers = Customer.objects.prefetch_related("holders", "subscriptions__product")
    assert customers.count() >= 7
    kinds = [
        {s.product.kind for s in c.subscriptions.all() if s.end_date is None} for c in customers
    ]
    assert any(len(c.holders.all()) >= 2 for c in customers)
    assert any(ProductKind.MOBILE in k for k in kinds)
    assert any(ProductKind.TV not in k for k in kinds)
    assert any(k == {ProductKind.INTERNET} for k in kinds)
    assert Subscription.objects.filter(end_date__isnull=False).exists()
    assert len({c.installation_city for c in customers}) >= 3


def test_the_command_refuses_outside_demo_mode(settings):
    # Production (DEBUG off) and plain development alike: the published password must not
    # become a real superuser's.
    settings.GUICHET_DEMO = False
    with pytest.raises(CommandError, match="mode démonstration"):
        call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not User.objects.exists()
    assert not Customer.objects.exists()


def test_the_demo_operator_has_backup_codes(db):
    load_demo()
    codes = demo_staff_codes()
    assert len(codes) == 10
    load_demo()
    assert demo_staff_codes() == codes
    assert StaticDevice.objects.get(user__username=DEMO_STAFF_USERNAME)


def test_a_demo_code_opens_the_back_office_and_is_shown_no_more(client, db):
    # Stored hashed like everyone's; the demo makes its codes again to show them, and its
    # operator is enrolled already (no visitor's phone holds the back office's app).
    load_demo()
    code = demo_staff_codes()[0]
    data = {"username": DEMO_STAFF_USERNAME, "password": DEMO_PASSWORD, "otp_token": code}
    assert client.post("/back-office/login/", data).status_code == 302
    assert client.get("/back-office/").status_code == 200
    assert code not in demo_staff_codes() and len(demo_staff_codes()) == 9
