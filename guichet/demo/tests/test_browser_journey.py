"""The subscriber's first journey in a real browser: log in, home, « Mes services », log out."""

import pytest

from guichet.demo.loader import DEMO_PASSWORD, load_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_home_services_logout(live_server, page, axe_check):
    load_demo()
    page.goto(f"{live_server.url}/connexion/")
    assert page.title().startswith("Connexion")
    axe_check(page)

    # A wrong password first: the same generic message as for an unknown reference.
    page.get_by_label("Référence client").fill("01776108")
    page.get_by_label("Mot de passe").fill("mauvais-mot-de-passe")
    page.get_by_role("button", name="Se connecter").click()
    assert page.get_by_role("alert").inner_text() == "Référence client ou mot de passe incorrect."
    axe_check(page)

    page.get_by_label("Référence client").fill(" V01776108 ")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_label("Mot de passe").press("Enter")
    page.wait_for_url("**/accueil/")
    main = page.locator("main")
    assert "Bienvenue" in main.inner_text()
    for text in (
        "01776108",
        "Mme Claire MULLER",
        "68000 COLMAR",
        "Offre Confort",
        "TV EMOTION",
        "Pour accès aux chaînes CANAL+",
        "EXTREME",
    ):
        assert text in main.inner_text(), text
    axe_check(page)

    # The menu opens with the keyboard.
    page.get_by_text("Mes services", exact=True).first.focus()
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Mon offre Internet").click()
    page.wait_for_url("**/mes-services/internet/")
    assert "Débit descendant jusqu'à 1 Gbit/s" in page.locator("main").inner_text()
    axe_check(page)

    page.goto(f"{live_server.url}/mes-services/")
    text = page.locator("main").inner_text()
    for title in (
        "Mon offre TV",
        "Mes options",
        "Mon offre Internet",
        "Mon offre téléphonie fixe",
        "Mes forfaits",
        "Mon offre mobile",
    ):
        assert title in text
    assert "03 53 20 01 01" in text
    assert "06 12 34 56 01" in text  # the mobile line
    assert "Vous n'avez pas de forfait de téléphonie fixe." in text
    axe_check(page)
    # Nothing is wider than the screen on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    page.goto(f"{live_server.url}/donnees-personnelles/")
    axe_check(page)

    page.locator("details.user-menu summary").click()
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/connexion/")
    assert "Vous êtes déconnecté(e)" in page.locator("main").inner_text()
    page.goto(f"{live_server.url}/accueil/")
    assert "/connexion/" in page.url
