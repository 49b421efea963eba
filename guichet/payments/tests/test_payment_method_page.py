"""« Mon dossier » › « Mode de paiement » (F1–F5): the page, its three forms, their refusals."""

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from guichet.accounts.models import SecurityEvent
from guichet.core.models import OutboxEmail
from guichet.payments.iban import iban_decrypt
from guichet.payments.models import Mandate, MandateAmendment
from guichet.payments.services.mandates import BankDetails, mandate_create

pytestmark = pytest.mark.django_db

URL = "/mon-dossier/mode-de-paiement/"
FRENCH = "FR7630006000011234567890189"
GERMAN = "DE89370400440532013000"


def _mandate_post(password, **changes):
    data = {
        "action": "mandate",
        "iban": "FR76 3000 6000 0112 3456 7890 189",
        "bic": "",
        "account_holder": "Claire Muller",
        "debit_day": "5",
        "accept_mandate": "on",
        "password": password,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _sign(customer_user):
    return mandate_create(
        user=customer_user,
        details=BankDetails(iban=FRENCH, bic="", account_holder="Claire Muller", debit_day=5),
    )


def test_it_needs_a_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/connexion/" in response["Location"]


def test_a_card_payer_sees_card_payment_the_form_and_the_billing_address(customer_client, customer):
    response = customer_client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Paiement par carte bancaire" in html
    assert "Choix de la date de prélèvement" in html and "le 5 du mois" in html
    assert "J&#x27;ai lu et j&#x27;accepte le mandat" in html
    assert "FR72ZZZ123456" in html  # the creditor identifier in the mandate text
    assert customer.billing_street in html and "Adresse de facturation" in html
    assert "Mode de paiement" in html and 'href="/mon-dossier/mode-de-paiement/"' in html
    assert "no-store" in response["Cache-Control"]


def test_signing_the_mandate_switches_to_direct_debit(customer_client, customer, password):
    response = customer_client.post(URL, _mandate_post(password))
    assert response.status_code == 302 and response["Location"] == URL
    mandate = Mandate.objects.get(customer=customer)
    assert iban_decrypt(mandate.iban_encrypted) == FRENCH and mandate.bic == "AGRIFRPPXXX"
    assert set(OutboxEmail.objects.values_list("template", flat=True)) == {
        "mandate_signed",
        "security_notice",
    }
    html = customer_client.get(URL).content.decode()
    assert "Paiement par prélèvement bancaire" in html
    assert "FR76 •••• •••• 0189" in html and mandate.rum in html
    # Only the help text's example shows a whole IBAN (the documented test one, spaced).
    assert FRENCH not in html and html.count("3000 6000 0112") == 1


def test_a_wrong_iban_keeps_what_was_typed_with_a_french_message(
    customer_client, customer, password
):
    typed = "FR76 3000 6000 0112 3456 7890 188"
    response = customer_client.post(URL, _mandate_post(password, iban=typed))
    html = response.content.decode()
    assert response.status_code == 200
    assert "sa clé de contrôle ne correspond pas" in html
    assert f'value="{typed}"' in html
    assert not Mandate.objects.exists()
    # The password was not even checked: nothing counted against the customer.
    assert not SecurityEvent.objects.exists()


def test_the_mandate_text_must_be_accepted(customer_client, password):
    response = customer_client.post(URL, _mandate_post(password, accept_mandate=None))
    assert "Cochez « J&#x27;ai lu et j&#x27;accepte le mandat »" in response.content.decode()
    assert not Mandate.objects.exists()


def test_a_wrong_password_is_refused_then_throttled(customer_client, customer, password):
    for _ in range(django_settings.GUICHET_LOGIN_FREE_FAILURES):
        response = customer_client.post(URL, _mandate_post("pas-le-bon"))
        assert "L&#x27;ancien mot de passe n&#x27;est pas le bon." in response.content.decode()
    assert not Mandate.objects.exists()
    # Now even the right password waits: the throttle speaks before any check.
    response = customer_client.post(URL, _mandate_post(password))
    html = response.content.decode()
    assert "pas le bon" not in html and "réessayer" in html
    assert not Mandate.objects.exists()
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.CURRENT_PASSWORD_WRONG).count() == (
        django_settings.GUICHET_LOGIN_FREE_FAILURES
    )


def test_changing_bank_details_keeps_the_rum(customer_client, customer_user, password):
    mandate = _sign(customer_user)
    response = customer_client.post(
        URL, _mandate_post(password, iban="de89 3704 0044 0532 0130 00", account_holder="C. M.")
    )
    assert response.status_code == 302
    mandate.refresh_from_db()
    assert iban_decrypt(mandate.iban_encrypted) == GERMAN
    assert MandateAmendment.objects.get(mandate=mandate).original_iban_last4 == "0189"
    html = customer_client.get(URL).content.decode()
    assert "DE89 •••• •••• 3000" in html and mandate.rum in html


def test_revoking_needs_the_password_and_returns_to_card(customer_client, customer_user, password):
    mandate = _sign(customer_user)
    response = customer_client.post(URL, {"action": "revoke", "password": ""})
    assert "Saisissez votre mot de passe pour confirmer." in response.content.decode()
    response = customer_client.post(URL, {"action": "revoke", "password": password})
    assert response.status_code == 302
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.REVOKED
    assert "Paiement par carte bancaire" in customer_client.get(URL).content.decode()


def test_another_customers_mandate_is_neither_shown_nor_revoked(
    customer_client, other_customer, password
):
    theirs = mandate_create(
        user=other_customer.user,
        details=BankDetails(iban=GERMAN, bic="", account_holder="Bruno Autre", debit_day=5),
    )
    html = customer_client.get(URL).content.decode()
    assert theirs.rum not in html and "DE89" not in html and "Bruno" not in html
    assert "Paiement par carte bancaire" in html
    customer_client.post(URL, {"action": "revoke", "password": password})
    theirs.refresh_from_db()
    assert theirs.status == Mandate.Status.ACTIVE


def test_invoice_notifications_need_an_address(customer_client, customer):
    response = customer_client.post(
        URL, {"action": "notifications", "opt_in": "on", "invoice_email": ""}
    )
    assert "Indiquez l&#x27;adresse e-mail" in response.content.decode()
    response = customer_client.post(
        URL, {"action": "notifications", "opt_in": "on", "invoice_email": "pas une adresse"}
    )
    html = response.content.decode()
    assert (
        "Cette adresse e-mail n&#x27;est pas valable" in html and 'value="pas une adresse"' in html
    )
    response = customer_client.post(
        URL, {"action": "notifications", "opt_in": "on", "invoice_email": "factures@example.fr"}
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.invoice_email_opt_in, customer.invoice_email) == (
        True,
        "factures@example.fr",
    )
    customer_client.post(URL, {"action": "notifications", "invoice_email": "factures@example.fr"})
    customer.refresh_from_db()
    assert customer.invoice_email_opt_in is False


@pytest.mark.parametrize(
    "iban",
    [
        "\x00",
        "FR76\x003000",
        "x" * 5000,
        "💳" * 10,
        "FR٧٦30006000011234567890189",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
    ],
)
def test_malformed_input_gets_a_french_message_never_a_500(customer_client, password, iban):
    response = customer_client.post(URL, _mandate_post(password, iban=iban, debit_day="99"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="field-error"' in html
    assert "<script>alert(1)</script>" not in html
    assert not Mandate.objects.exists()


def test_every_form_needs_the_csrf_token(customer_user, password):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer_user, backend="guichet.accounts.backends.CustomerBackend")
    assert client.post(URL, _mandate_post(password)).status_code == 403
    assert not Mandate.objects.exists()


def test_the_page_has_a_query_budget(customer_client, customer_user):
    _sign(customer_user)
    customer_client.get(URL)
    with CaptureQueriesContext(connection) as queries:
        assert customer_client.get(URL).status_code == 200
    assert len(queries) <= 8, [q["sql"] for q in queries]
