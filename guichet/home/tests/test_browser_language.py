"""Switching the language from the footer with the keyboard only, in a real browser."""

import pytest
from django.conf import settings as django_settings

from guichet.accounts.tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def language_cookie(page) -> str | None:
    for cookie in page.context.cookies():
        if cookie["name"] == django_settings.LANGUAGE_COOKIE_NAME:
            return cookie["value"]
    return None


def test_the_footer_switches_the_language_with_the_keyboard(live_server, page, axe_check, customer):
    page.goto(f"{live_server.url}/connexion/")
    assert page.locator("html").get_attribute("lang") == "fr"
    axe_check(page)

    page.get_by_label("Référence client ou identifiant").fill("01776108")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_label("Mot de passe").press("Enter")
    page.wait_for_url("**/accueil/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert language_cookie(page) is None

    # Keyboard only: focus the list, pick the next language, Tab to the button, Enter.
    select = page.locator("footer select")
    select.focus()
    page.keyboard.press("ArrowDown")
    assert select.input_value() == "en"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.form === document.querySelector('footer form')")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.url == f"{live_server.url}/accueil/"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("footer select").input_value() == "en"
    assert language_cookie(page) == "en"
    customer.refresh_from_db()
    assert customer.language == "en"
    assert page.get_by_role("heading", name="Welcome").is_visible()
    assert page.get_by_role("link", name="My invoices").is_visible()
    axe_check(page)

    # Logged out and back in: the account's choice is still the page's language.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/connexion/")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.locator("#id_login").fill("01776108")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url("**/accueil/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert language_cookie(page) == "en"
    assert page.get_by_role("heading", name="Welcome").is_visible()
