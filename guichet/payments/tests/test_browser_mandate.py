"""The bank-details journey in a real browser: « Mon dossier » › « Mode de paiement », a typo
explained, a German IBAN signed, shown masked, then changed under the same RUM; axe-core on
every step, desktop and phone (the `page` fixture also fails on any CSP violation)."""

import re

import pytest
from playwright.sync_api import expect

from guichet.payments.models import Mandate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, password):
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Référence client").fill("01776108")
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/accueil/")


def test_bank_details_journey(live_server, page, axe_check, customer, password):
    _login(page, live_server, password)
    # The menu: « Mon dossier » › « Mode de paiement ».
    page.locator("summary", has_text="Mon dossier").click()
    page.get_by_role("link", name="Mode de paiement").click()
    page.wait_for_url("**/mon-dossier/mode-de-paiement/")
    main = page.locator("main")
    expect(main).to_contain_text("Paiement par carte bancaire")
    axe_check(page)

    # A typo in the IBAN: explained in French, what was typed kept, nothing signed.
    page.locator("#id_iban").fill("de89 3704 0044 0532 0130 01")
    page.locator("#id_account_holder").fill("Claire Muller")
    page.get_by_label("le 5 du mois").check()
    page.get_by_label("J'ai lu et j'accepte le mandat").check()
    page.locator(".mandate-form #id_password").fill(password)
    page.get_by_role("button", name="Signer le mandat").click()
    expect(main).to_contain_text("sa clé de contrôle ne correspond pas")
    expect(page.locator("#id_iban")).to_have_value("de89 3704 0044 0532 0130 01")
    assert not Mandate.objects.exists()
    axe_check(page)

    page.locator("#id_iban").fill("de89 3704 0044 0532 0130 00")
    page.get_by_label("J'ai lu et j'accepte le mandat").check()
    page.locator(".mandate-form #id_password").fill(password)
    page.get_by_role("button", name="Signer le mandat").click()
    expect(page.get_by_role("status")).to_contain_text("Votre mandat de prélèvement est signé")
    expect(main).to_contain_text("Paiement par prélèvement bancaire")
    expect(main).to_contain_text("DE89 •••• •••• 3000")
    expect(main).to_contain_text("COBADEFFXXX")
    rum = Mandate.objects.get().rum
    expect(main).to_contain_text(rum)
    assert "0532 0130" not in main.inner_text()
    axe_check(page)

    # A change of bank details: the same RUM, the new account masked.
    page.locator("#id_iban").fill("IT60 X054 2811 1010 0000 0123 456")
    page.get_by_label("J'ai lu et j'accepte le mandat").check()
    page.locator(".mandate-form #id_password").fill(password)
    page.get_by_role("button", name=re.compile("Enregistrer mes nouvelles coordonnées")).click()
    expect(page.get_by_role("status")).to_contain_text("Vos coordonnées bancaires sont modifiées")
    expect(main).to_contain_text("IT60 •••• •••• 3456")
    expect(main).to_contain_text(rum)
    assert Mandate.objects.get().amendments.count() == 1
    axe_check(page)
