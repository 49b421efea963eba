"""The strict Content-Security-Policy in a real browser: the back office (login, change forms
with their date pickers and look-up pop-ups) and the anti-robot widget work under it. The
`page` fixture fails any test during which Chromium reports a violation."""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from guichet.accounts.services import staff_backup_codes_create
from guichet.catalog.tests.factories import SubscriptionFactory
from guichet.customers.tests.factories import CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF_PASSWORD = "Chef#Guichet-2026"
BACKUP_CODE = "code1234"


def test_the_collector_catches_a_violation(live_server, chromium):
    """The check the other browser tests rely on: an inline style on one of our pages is
    reported by Chromium and seen through Playwright's console."""
    context = chromium.new_context()
    page = context.new_page()
    seen = []
    context.on("console", lambda message: seen.append(message.text))
    page.goto(f"{live_server.url}/connexion/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')")
    page.wait_for_timeout(200)
    context.close()
    assert any("Content Security Policy" in text for text in seen), seen


def test_back_office_login_and_change_forms_report_no_violation(
    live_server, page, django_user_model
):
    staff = django_user_model.objects.create_superuser("chef", "chef@example.fr", STAFF_PASSWORD)
    staff_backup_codes_create(user=staff, name="codes", count=1, codes=[BACKUP_CODE])
    TOTPDevice.objects.create(user=staff, name="app", confirmed=True)  # enrolled (issue 11)
    customer = CustomerFactory(reference="01776130")
    subscription = SubscriptionFactory(customer=customer)

    response = page.goto(f"{live_server.url}/back-office/login/")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.locator("#id_username").fill("chef")
    page.locator("#id_password").fill(STAFF_PASSWORD)
    page.locator("#id_otp_token").fill(BACKUP_CODE)
    page.locator("#login-form [type=submit]").click()
    page.wait_for_url(f"{live_server.url}/back-office/")

    page.goto(f"{live_server.url}/back-office/customers/customer/?q=01776130")
    page.get_by_role("link", name=re.compile("01776130")).first.click()
    page.wait_for_url(f"**/customers/customer/{customer.pk}/change/**")
    # The inline's date picker: a calendar built by the admin's script, then « Aujourd'hui ».
    page.locator(".dynamic-subscriptions .vDateField").first.wait_for()
    page.locator("a[id^=calendarlink]").first.click()
    expect(page.locator(".calendarbox").first).to_be_visible()
    page.keyboard.press("Escape")
    # A new inline row (the admin's inlines script clones a hidden template row).
    page.locator(".add-row a").last.click()
    # Its product field searches the catalogue as one types (the admin's select2 widget).
    page.locator(".dynamic-subscriptions:not(.empty-form) .select2-selection").last.click()
    page.locator(".select2-search__field").fill("a")
    expect(page.locator(".select2-results__option").first).to_be_visible()
    page.keyboard.press("Escape")

    # The related-object look-up opens a pop-up; choosing a row fills the field and closes it.
    page.goto(f"{live_server.url}/back-office/catalog/subscription/{subscription.pk}/change/")
    with page.expect_popup() as popup_info:
        page.locator("#lookup_id_customer").click()
    popup = popup_info.value
    popup.wait_for_load_state()
    assert "_popup=1" in popup.url
    chosen = popup.get_by_role("link", name=re.compile("01776130")).first
    try:
        chosen.click(no_wait_after=True)
    except PlaywrightError as error:
        # The pop-up closes itself as the click lands: Playwright may see it closed before
        # it has finished clicking. Anything else is a failure.
        if not popup.is_closed():
            raise AssertionError(f"click failed, the pop-up still open: {error}") from error
    expect(page.locator("#id_customer")).to_have_value(str(customer.pk))
    if not popup.is_closed():
        popup.wait_for_event("close")
    page.get_by_role("button", name=re.compile("Enregistrer$")).first.click()
    expect(page.locator(".messagelist")).to_be_visible()


def test_the_anti_robot_widget_solves_under_the_policy(live_server, page, settings):
    settings.ALTCHA_TEST_MODE = False  # the real proof of work, in the widget's workers
    response = page.goto(f"{live_server.url}/mot-de-passe-oublie/")
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy and "style-src 'self'" in policy

    page.locator("altcha-widget input[type=checkbox]").click(force=True)
    expect(page.locator("input[name=captcha]")).to_have_value(re.compile(".{21}"), timeout=60_000)
    # Styled by our static copy of its stylesheet, not by a <style> it injected.
    assert page.evaluate("document.getElementById('altcha-css').tagName") == "LINK"
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    assert page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--altcha-border-radius')"
    ).strip()
