"""The « Fiche client » in a real browser (issue 11): a staff member finds the customer,
opens their page (accessible, no CSP violation, on a desktop and a phone) and sends the
first-access link to a customer who has no login yet."""

import re

import pytest
from django.contrib.auth.models import Permission
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from guichet.accounts.models import User
from guichet.accounts.services import staff_backup_codes_create
from guichet.billing.tests.factories import InvoiceFactory
from guichet.catalog.tests.factories import SubscriptionFactory
from guichet.core.models import OutboxEmail
from guichet.customers.tests.factories import CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF_PASSWORD = "Un-Agent-Bien-Protege-2026"
BACKUP_CODE = "code1234"


def test_support_opens_the_page_and_sends_the_first_access_link(live_server, page, axe_check):
    # Transactional tests empty the database, groups included: the support role's own
    # permissions for what this journey uses, given directly.
    staff = User.objects.create_user("agent-support", "s@example.fr", STAFF_PASSWORD, is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(
            codename__in=[
                "view_customer",
                "view_subscription",
                "view_invoice",
                "send_first_access_link",
            ]
        )
    )
    staff_backup_codes_create(user=staff, name="codes", count=1, codes=[BACKUP_CODE])
    TOTPDevice.objects.create(user=staff, name="app", confirmed=True)  # enrolled (issue 11)
    customer = CustomerFactory(reference="01776140", contact_email="nouveau@example.fr")
    SubscriptionFactory(customer=customer)
    InvoiceFactory(customer=customer)

    page.goto(f"{live_server.url}/back-office/login/")
    page.locator("#id_username").fill("agent-support")
    page.locator("#id_password").fill(STAFF_PASSWORD)
    page.locator("#id_otp_token").fill(BACKUP_CODE)
    page.locator("#login-form [type=submit]").click()
    page.wait_for_url(f"{live_server.url}/back-office/")

    page.goto(f"{live_server.url}/back-office/customers/customer/?q=01776140")
    page.get_by_role("link", name="Fiche client").first.click()
    page.wait_for_url(f"**/customers/customer/{customer.pk}/fiche/")
    expect(page.get_by_role("heading", name=re.compile("Fiche client 01776140"))).to_be_visible()
    expect(page.get_by_role("heading", name="Factures")).to_be_visible()
    axe_check(page)

    page.get_by_role("button", name="Envoyer le lien de premier accès").click()
    page.wait_for_url(f"**/customers/customer/{customer.pk}/fiche/")
    expect(page.locator(".messagelist")).to_contain_text(
        "Le lien de premier accès est envoyé à nouveau@example.fr"
    )
    axe_check(page)
    assert User.objects.filter(customer=customer).exists()
    assert OutboxEmail.objects.filter(template="password_reset", to="nouveau@example.fr").exists()
