"""First access in a real browser: ask for the link, read it, set a password, log in; then
choose a personal identifier and log in with it."""

import re

import pytest
from playwright.sync_api import expect

from guichet.customers.tests.factories import CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Girafe#Nuage7Lac"


def test_first_access_journey(live_server, page, axe_check, settings):
    settings.GUICHET_DEMO = True
    settings.ALTCHA_TEST_MODE = False  # the browser solves the real proof of work
    settings.GUICHET_SITE_URL = live_server.url
    CustomerFactory(
        reference="01776120",
        contract_postal_code="68000",
        contact_email="nouveau.client@example.fr",
    )

    page.goto(f"{live_server.url}/connexion/")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    page.wait_for_url("**/mot-de-passe-oublie/")
    axe_check(page)
    page.get_by_label("Référence client").fill("V01776120")
    page.get_by_label("Code postal de la ville de votre contrat").fill("68000")
    page.locator("altcha-widget input[type=checkbox]").click(force=True)
    # Not wait_for_function: it evaluates a string, which the CSP (rightly) forbids.
    expect(page.locator("input[name=captcha]")).to_have_value(re.compile(".{21}"), timeout=60_000)
    page.get_by_role("button", name="Valider").click()
    text = page.locator("main").inner_text()
    assert "n" + "*" * 13 + "@….fr" in text and "pensez à consulter vos spams" in text
    axe_check(page)

    page.get_by_role("link", name="boîte de démonstration").click()
    axe_check(page)
    page.get_by_role("link", name=re.compile("Votre accès")).first.click()
    axe_check(page)
    link = re.search(r"https?://\S+/mot-de-passe/\S+/", page.locator("main").inner_text())
    page.goto(link.group(0))
    page.wait_for_url("**/nouveau/")
    page.locator("#id_new_password1").fill("azerty")
    page.locator("#criteres li.unmet").first.wait_for()
    page.locator("#id_new_password1").fill(PASSWORD)
    page.locator("#criteres li.met >> nth=2").wait_for()
    axe_check(page)
    page.locator("#id_new_password2").fill(PASSWORD)
    page.get_by_role("button", name="Valider").click()
    assert "Vous pouvez vous authentifier" in page.locator("main").inner_text()
    axe_check(page)

    page.get_by_role("link", name="Se connecter").click()
    page.get_by_label("Référence client ou identifiant").fill("01776120")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/accueil/")

    page.goto(f"{live_server.url}/mes-donnees/mon-profil/")
    axe_check(page)
    page.get_by_label("Nouvel identifiant personnalisé").fill("nouveau.client")
    page.get_by_role("button", name="Créer").click()
    assert "Votre identifiant personnalisé est enregistré." in page.locator("main").inner_text()
    page.locator("details.user-menu summary").click()
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/connexion/")
    page.get_by_label("Référence client ou identifiant").fill("Nouveau.Client")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/accueil/")
    assert "01776120" in page.locator("main").inner_text()


def test_dead_link_and_password_upgrade_pages(live_server, page, axe_check):
    from guichet.accounts.tests.factories import CustomerUserFactory

    page.goto(f"{live_server.url}/mot-de-passe/MQ/abc-0123456789abcdef/")
    assert "Ce lien n'est plus valable" in page.locator("main").inner_text()
    axe_check(page)
    page.get_by_role("link", name="Recevoir un nouveau lien").click()
    page.wait_for_url("**/mot-de-passe-oublie/")

    user = CustomerUserFactory(password="azerty123456")
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Référence client ou identifiant").fill(user.customer.reference)
    page.locator("#id_password").fill("azerty123456")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/nouveau-mot-de-passe/")
    axe_check(page)
    page.goto(f"{live_server.url}/mes-services/")
    assert page.url.endswith("/nouveau-mot-de-passe/")
    page.locator("#id_new_password1").fill(PASSWORD)
    page.locator("#id_new_password2").fill(PASSWORD)
    page.get_by_role("button", name="Valider").click()
    page.wait_for_url("**/accueil/")
    assert "Votre nouveau mot de passe est enregistré" in page.locator("main").inner_text()
