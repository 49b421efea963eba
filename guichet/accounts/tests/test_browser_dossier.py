"""« Mon dossier » › « Mes données personnelles » in a real browser, desktop and 360 px: the
menu opened with the keyboard, the mobile number changed, axe-core on each page, no CSP
violation (the page fixture fails on one)."""

import pytest

from guichet.customers.models import Customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_changes_the_mobile_number(
    live_server, page, axe_check, customer_user, password
):
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Référence client").fill(customer_user.customer.reference)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/accueil/")

    # The menu works from the keyboard: focus « Mon dossier », open it, follow the link.
    menu = page.locator("nav.main-nav summary", has_text="Mon dossier")
    menu.focus()
    page.keyboard.press("Enter")
    link = page.get_by_role("link", name="Mes données personnelles")
    assert link.is_visible()
    axe_check(page)
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/mon-dossier/mes-donnees-personnelles/")
    axe_check(page)

    # A slip is explained and what was typed stays.
    page.get_by_label("Mobile").fill("06 12")
    page.get_by_label("Domicile").fill("03 89 00 00 00")
    page.get_by_role("button", name="Valider").click()
    assert "Ce numéro de téléphone" in page.locator("main").inner_text()
    assert page.get_by_label("Mobile").input_value() == "06 12"
    assert page.get_by_label("Domicile").input_value() == "03 89 00 00 00"
    axe_check(page)

    page.get_by_label("Mobile").fill("06 12 34 56 78")
    page.get_by_role("button", name="Valider").click()
    page.wait_for_url("**/mon-dossier/mes-donnees-personnelles/")
    assert "Vos numéros de téléphone sont enregistrés." in page.locator("main").inner_text()
    assert page.get_by_label("Mobile").input_value() == "06 12 34 56 78"
    axe_check(page)
    customer = Customer.objects.get(pk=customer_user.customer_id)
    assert customer.phone_mobile == "+33612345678"
    assert customer.phone_home == "+33389000000"
    # Nothing overflows a 360 px phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
