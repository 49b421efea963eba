"""« Résilier » in a real browser: the demo's mobile line, from « Mes services » to the
acknowledgement read in the demo mailbox, on a desktop and a 360 px phone."""

import pytest
from django.utils import timezone

from guichet.catalog.models import TerminationRequest
from guichet.catalog.termination import termination_earliest_date
from guichet.demo.loader import DEMO_PASSWORD, load_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_mobile_line_is_terminated_from_my_services(live_server, page, axe_check, settings):
    settings.GUICHET_DEMO = True
    load_demo()
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Référence client").fill("01776109")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_label("Mot de passe").press("Enter")
    page.wait_for_url("**/accueil/")
    # The footer's entry point is on every page.
    assert page.locator("footer").get_by_role("link", name="Résilier").is_visible()

    page.goto(f"{live_server.url}/mes-services/mobile/")
    axe_check(page)
    # Reached by the keyboard, as any link.
    page.get_by_role("link", name="Résilier Mobile 10 Go").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/mes-services/resilier/?service=*")
    assert "Étape 1 sur 3" in page.locator("main").inner_text()
    assert page.get_by_label("Mobile 10 Go · 06 12 34 56 02").is_checked()
    axe_check(page)
    page.get_by_role("button", name="Continuer").click()

    assert "Étape 2 sur 3" in page.locator("main").inner_text()
    earliest = termination_earliest_date(today=timezone.localdate())
    assert page.get_by_label("Date d'effet de la résiliation").input_value() == (
        earliest.isoformat()
    )
    axe_check(page)
    page.get_by_role("button", name="Continuer").click()

    shown = earliest.strftime("%d/%m/%Y")
    assert "Étape 3 sur 3" in page.locator("main").inner_text()
    assert shown in page.locator("main").inner_text()
    axe_check(page)
    page.get_by_role("button", name="Confirmer la résiliation").click()
    page.wait_for_url("**/mes-services/resilier/RES-*/")
    assert "Résiliation demandée" in page.locator("h1").inner_text()
    axe_check(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    termination = TerminationRequest.objects.get()
    assert termination.effective_date == earliest
    assert termination.subscription.line_number == "+33612345602"

    page.goto(f"{live_server.url}/mes-services/")
    assert f"Résiliation demandée (effet le {shown})" in page.locator("main").inner_text()
    axe_check(page)

    page.goto(f"{live_server.url}/boite-de-demonstration/")
    page.get_by_role("link", name="Accusé de réception de votre demande de résiliation").click()
    text = page.locator("main").inner_text()
    assert f"Date d'effet : {shown}" in text and termination.reference in text
