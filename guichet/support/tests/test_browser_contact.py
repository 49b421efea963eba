"""« Contactez-nous » in a real browser, desktop and phone: a « Mise à jour données client »
request refused while too short (the text kept), then sent, and found in « Mes demandes »;
axe-core on every step (the `page` fixture also fails on any CSP violation)."""

import importlib

import pytest
from django.apps import apps
from playwright.sync_api import expect

from guichet.core.models import OutboxEmail
from guichet.support.demo import demo_partner_points
from guichet.support.models import ContactRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MESSAGE = "Bonjour, je me suis mariée : merci de mettre mon dossier au nom de Claire Schmitt."


@pytest.fixture(autouse=True)
def _request_types():
    """The data migration's types: a transactional test's flush removes them after each run."""
    importlib.import_module("guichet.support.migrations.0002_request_types").seed(apps, None)


def _login(page, live_server, password):
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Référence client").fill("01776108")
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/accueil/")


def test_contact_request_journey(live_server, page, axe_check, customer, password):
    demo_partner_points()
    _login(page, live_server, password)
    page.goto(f"{live_server.url}/contactez-nous/")
    main = page.locator("main")
    expect(main.get_by_role("heading", name="Contactez-nous")).to_be_visible()
    expect(main).to_contain_text("Vous cherchez un point d'accueil partenaire ?")
    expect(main.locator(".partner-point").first).to_contain_text("Boutique Connect Colmar")
    axe_check(page)

    page.get_by_label("Votre demande").select_option(label="Mise à jour données client")
    page.get_by_label("Merci de saisir votre message").fill("Mariée")
    page.get_by_role("button", name="Valider").click()
    expect(main).to_contain_text("Votre message est trop court")
    expect(page.get_by_label("Merci de saisir votre message")).to_have_value("Mariée")
    assert not ContactRequest.objects.exists()
    axe_check(page)

    page.get_by_label("Merci de saisir votre message").fill(MESSAGE)
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("status")).to_contain_text("est envoyée")
    reference = ContactRequest.objects.get().reference
    expect(main).to_contain_text(reference)
    expect(main).to_contain_text(MESSAGE)
    axe_check(page)

    page.get_by_role("link", name="Toutes mes demandes").click()
    page.wait_for_url("**/contactez-nous/mes-demandes/")
    expect(main).to_contain_text("Mise à jour données client")
    expect(main).to_contain_text(reference)
    expect(main).to_contain_text("Nouvelle")
    axe_check(page)
    assert OutboxEmail.objects.filter(template="support_request_department").count() == 1
