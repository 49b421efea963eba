"""The card journey in a real browser: « Payer en ligne », the sandbox's test page, our return
page; axe-core on each, no CSP violation (the page fixture fails on one)."""

from datetime import date as D

import pytest

from guichet.billing.tests.factories import InvoiceFactory, line_draft
from guichet.payments.models import Payment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_pays_part_of_what_is_due_by_card(
    live_server, page, axe_check, customer_user, password
):
    period = D(2026, 11, 1)
    InvoiceFactory(
        customer=customer_user.customer,
        period=period,
        lines=[line_draft(period=period, price_incl_vat_cents=6290)],
    )
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Référence client").fill(customer_user.customer.reference)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/accueil/")

    page.get_by_role("link", name="Payer en ligne").first.click()
    page.wait_for_url("**/payer-en-ligne/")
    main = page.locator("main")
    assert "Seul le paiement par carte bancaire est accepté" in main.inner_text()
    amount = page.get_by_label("Montant à payer (format : 0,00)")
    assert amount.input_value() == "62,90"
    axe_check(page)

    # A slip is explained, and what was typed stays.
    amount.fill("12,345")
    page.get_by_role("button", name="Effectuer un paiement").click()
    assert "deux chiffres après la virgule" in page.locator("main").inner_text()
    assert page.get_by_label("Montant à payer (format : 0,00)").input_value() == "12,345"
    axe_check(page)

    page.get_by_label("Montant à payer (format : 0,00)").fill("40")
    page.get_by_role("button", name="Effectuer un paiement").click()
    page.wait_for_url("**/bac-a-sable-paiement/**")
    assert "Environnement de test : aucun paiement réel" in page.inner_text("body")
    axe_check(page)
    page.get_by_label("Numéro de carte de test").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Payer").click()

    page.wait_for_url("**/payer-en-ligne/retour/**")
    text = page.locator("main").inner_text()
    assert "Votre paiement est confirmé" in text
    assert "Reste à régler : 22,90" in text
    axe_check(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert Payment.objects.get().status == "confirmed"
