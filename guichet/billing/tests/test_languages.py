"""Invoices in the customer's language: PDF, « facture disponible » e-mail, « Mes factures ».

English is served once the catalogue built from locale/en/pending/ exists; until then these
tests compile billing's pending translations into a catalogue of their own, so a string left
unmarked, or marked and not translated, shows up here as French.
"""

import datetime
import json
from html import unescape

import pytest
from django.utils import translation

from guichet.billing.models import Invoice, LineGroup
from guichet.billing.services import invoice_pdf_bytes
from guichet.billing.tests.factories import InvoiceFactory, line_draft
from guichet.billing.tests.test_pdf import pdf_text
from guichet.core.formatting import format_phone
from guichet.core.models import OutboxEmail
from guichet.core.tests.english_catalogue import install_english

pytestmark = pytest.mark.django_db

NOVEMBER = datetime.date(2026, 11, 1)
# What billing writes in words on its documents (customer data such as offer names aside).
FRENCH_PDF = [
    "Facture",
    "Date de facture",
    "Référence client",
    "Période",
    "Date de prélèvement",
    "Détail de votre facture",
    "Désignation",
    "Qté",
    "Montant HT",
    "Montant TTC",
    "Abonnements",
    "Communications",
    "Sous-total",
    "jours sur",
    "Récapitulatif",
    "Base HT",
    "Total HT",
    "Total TVA",
    "Total TTC",
    "prélevé le",
    "mandat de prélèvement",
    "intracommunautaire",
    "novembre",
    "décembre",
    ",90",
]
FRENCH_EMAIL = [
    "Votre facture",
    "Bonjour",
    "N° facture",
    "Référence client",
    "Montant total",
    "prélevé",
    "Consultez-la",
    "Voir mes factures",
    "notifié",
    ",90",
]


@pytest.fixture
def english(settings, tmp_path):
    """English offered, with billing's pending translations as its catalogue."""
    settings.LANGUAGES = [("fr", "Français"), ("en", "English")]
    install_english(settings)


def issue(customer, **kwargs):
    return InvoiceFactory(
        customer=customer,
        period=NOVEMBER,
        issue_date=datetime.date(2026, 11, 25),
        payment_method=Invoice.PaymentMethod.DIRECT_DEBIT,
        due_date=datetime.date(2026, 12, 10),
        lines=[
            line_draft(label="Offre Confort", price_incl_vat_cents=5990),
            line_draft(label="Mobile 10 Go", price_incl_vat_cents=990, prorata=(16, 30)),
            line_draft(label="Option", price_incl_vat_cents=550, vat_rate_bp=550),
            line_draft(label="Appels", price_incl_vat_cents=1200, group=LineGroup.COMMUNICATIONS),
        ],
        **kwargs,
    )


def test_an_english_speaking_customer_gets_an_english_pdf(english, customer):
    customer.language = "en"
    customer.save(update_fields=["language"])

    text = pdf_text(invoice_pdf_bytes(issue(customer)))

    for expected in (
        "Invoice",
        "No. T0000001",
        "Invoice date 25 Nov 2026",
        "Customer reference",
        "Period November 2026",
        "Direct debit date 10 Dec 2026",
        "Your invoice in detail",
        "Subscriptions, plans and options",
        "from 1 Nov 2026 to 30 Nov 2026 (16 days out of 30)",
        "Subtotal: calls and usage",
        "VAT summary",
        "5.5%",
        "Total incl. VAT €82.68",
        "Amount of €82.68 debited on 10 Dec 2026",
        "SEPA direct debit mandate",
    ):
        assert expected in text
    assert [word for word in FRENCH_PDF if word in text] == []


def test_a_french_customer_gets_a_french_pdf_whatever_language_is_active(english, customer):
    invoice = issue(customer)
    with translation.override("fr"):
        french = invoice_pdf_bytes(invoice)

    with translation.override("en"):
        text = pdf_text(invoice_pdf_bytes(invoice))

    assert invoice_pdf_bytes(invoice) == french
    for expected in (
        "Facture",
        "Date de facture 25/11/2026",
        "Période Novembre 2026",
        "(16 jours sur 30)",
        "5,5 %",
        "Total TTC 82,68 €",
        "Montant de 82,68 € prélevé le 10/12/2026",
    ):
        assert expected in text
    assert "Invoice" not in text


def test_the_invoice_email_is_in_the_customers_language(english, customer, other_customer):
    for who, language in ((customer, "en"), (other_customer, "")):
        who.language = language
        who.invoice_email = f"{who.reference}@example.fr"
        who.invoice_email_opt_in = True
        who.save(update_fields=["language", "invoice_email", "invoice_email_opt_in"])

    with translation.override("fr"):  # whatever the language of whoever issues them
        issue(customer, notify=True)
    with translation.override("en"):
        issue(other_customer, notify=True)

    english_mail = OutboxEmail.objects.get(to__startswith=customer.reference)
    assert english_mail.subject == "Your invoice T0000001 is available"
    for body in (english_mail.body_text, unescape(english_mail.body_html)):
        for expected in ("Hello,", "Invoice no.", "Invoice total", "€82.68", "10 Dec 2026"):
            assert expected in body
        assert [word for word in FRENCH_EMAIL if word in body] == []
    french_mail = OutboxEmail.objects.get(to__startswith=other_customer.reference)
    assert french_mail.subject == "Votre facture T0000002 est disponible"
    assert "Ce montant sera prélevé sur votre compte le 10/12/2026." in french_mail.body_text
    assert "82,68\u00a0€" in french_mail.body_text


def test_the_billing_run_writes_line_labels_in_the_customers_language(english, customer):
    from guichet.billing.services import subscription_lines
    from guichet.catalog.tests.factories import ProductFactory, SubscriptionFactory

    subscription = SubscriptionFactory(
        customer=customer,
        product=ProductFactory(name="Mobile 10 Go", kind="mobile"),
        line_number="+33612345678",
        start_date=datetime.date(2026, 1, 1),
    )
    with translation.override("en"):
        (line,) = subscription_lines([subscription], NOVEMBER)
        assert line.label == f"Mobile 10 Go · line {format_phone('+33612345678')}"


def test_my_invoices_in_english(english, customer, customer_client):
    issue(customer)
    InvoiceFactory(
        customer=customer,
        period=datetime.date(2026, 10, 1),
        issue_date=datetime.date(2026, 10, 25),
        due_date=datetime.date(2026, 11, 9),
    )

    html = unescape(customer_client.get("/mes-factures/", HTTP_ACCEPT_LANGUAGE="en").text)

    for expected in (
        "My invoices",
        "Invoice of 25 Nov 2026",
        "Invoice no.",
        "€82.68",
        "Direct debit on 10 Dec 2026",
        "To pay by 9 Nov 2026",
        "Download",
    ):
        assert expected in html
    for french in ("Mes factures", "Facture du", "N° facture", "Prélèvement prévu", "À payer"):
        assert french not in html


def test_import_problems_are_in_the_operators_language(english, tmp_path, customer):
    from guichet.billing.services import import_invoices, iter_problems, read_records

    path = tmp_path / "invoices.json"
    invoice = {
        "number": "F-1",
        "customer_reference": customer.reference,
        "issue_date": "2026-10-05",
        "period": "2026-10",
        "due_date": "2026-10-01",
        "lines": [{"label": "Internet", "vat_rate": 20, "amount_incl_vat_cents": 2990}],
    }
    path.write_text(json.dumps([invoice]), encoding="utf-8")

    with translation.override("en"):
        problems = list(iter_problems(import_invoices(records=read_records(path)[0])))

    assert problems == [
        "line 1, invoice F-1: the due date (due_date) is before the invoice date (issue_date)"
    ]


def test_a_lost_pdf_is_restored_after_the_customer_changed_language(english, customer):
    from django.core.files.storage import default_storage

    from guichet.billing.services import invoice_pdf_content, invoice_render_pdf

    invoice = invoice_render_pdf(invoice_id=issue(customer).pk)
    issued = invoice_pdf_content(invoice=invoice)
    default_storage.delete(invoice.pdf.name)
    customer.language = "en"
    customer.save(update_fields=["language"])
    invoice = Invoice.objects.get(pk=invoice.pk)

    assert invoice_pdf_bytes(invoice) != issued  # in English now
    assert invoice_pdf_content(invoice=invoice) == issued  # but the French one was issued
