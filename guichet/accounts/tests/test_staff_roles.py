"""Staff roles (issue 11): each group reaches what it needs in the back office, nothing more."""

import pytest
from django.contrib.auth.models import Group

from guichet.accounts.roles import ROLE_GROUPS
from guichet.accounts.services import staff_member_create

PASSWORD = "Un-Agent-Bien-Protege-2026"
OK, DENIED, ABSENT = 200, 403, 404
# URL -> (support, billing, administration)
EXPECTED = {
    "/back-office/": (OK, OK, OK),
    "/back-office/customers/customer/": (OK, OK, OK),
    "/back-office/catalog/subscription/": (OK, OK, OK),
    "/back-office/billing/invoice/": (OK, OK, OK),
    "/back-office/accounts/securityevent/": (OK, DENIED, OK),
    "/back-office/support/contactrequest/": (OK, DENIED, OK),
    "/back-office/catalog/terminationrequest/": (OK, DENIED, OK),
    "/back-office/accounts/user/": (OK, DENIED, OK),
    "/back-office/payments/payment/": (OK, OK, OK),
    "/back-office/payments/mandate/": (OK, OK, OK),
    "/back-office/payments/debitbatch/exporter/": (DENIED, OK, OK),
    "/back-office/payments/debit/": (DENIED, OK, OK),
    "/back-office/accounts/user/add/": (DENIED, DENIED, OK),
    "/back-office/auth/group/": (DENIED, DENIED, OK),
    # django-otp's own pages are not in the back office, for anyone (test_staff_otp.py).
    "/back-office/otp_totp/totpdevice/": (ABSENT, ABSENT, ABSENT),
    "/back-office/otp_static/staticdevice/add/": (ABSENT, ABSENT, ABSENT),
    "/back-office/core/staffaccess/": (DENIED, DENIED, OK),
    "/back-office/core/sitepage/": (DENIED, DENIED, OK),
}
ROLES = ["support", "billing", "administration"]


def member(role):
    user, _code = staff_member_create(
        username=f"agent-{role}", email=f"{role}@example.fr", password=PASSWORD, role=role
    )
    return user


def test_the_migration_creates_the_three_groups(db):
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLE_GROUPS.values())


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_what_it_should(client, db, staff_login, role):
    staff_login(client, member(role))
    column = ROLES.index(role)
    got = {url: client.get(url).status_code for url in EXPECTED}
    assert got == {url: codes[column] for url, codes in EXPECTED.items()}


def test_support_answers_requests_but_changes_no_mandate_staff_or_security(db):
    user = member("support")
    assert user.has_perm("support.change_contactrequest")
    assert user.has_perm("accounts.view_user")  # to send a first-access link
    for perm in [
        "payments.add_debitbatch",
        "payments.change_mandate",
        "accounts.change_user",
        "accounts.add_user",
        "auth.change_group",
        "otp_totp.add_totpdevice",
        "otp_static.change_staticdevice",
        "core.change_sitepage",
    ]:
        assert not user.has_perm(perm), perm
    assert not user.is_superuser


def test_billing_exports_debits_but_touches_no_staff_or_device(db):
    user = member("billing")
    assert user.has_perm("payments.add_debitbatch")
    assert user.has_perm("payments.view_mandate")
    for perm in [
        "accounts.view_user",
        "accounts.change_user",
        "auth.view_group",
        "otp_totp.view_totpdevice",
        "otp_static.add_staticdevice",
        "payments.change_mandate",
    ]:
        assert not user.has_perm(perm), perm
    assert not user.is_superuser


def test_administration_is_superuser_in_its_group(db):
    user = member("administration")
    assert user.is_superuser and user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == ["Administration"]
    assert (
        Group.objects.get(name="Administration")
        .permissions.filter(codename="add_debitbatch")
        .exists()
    )
