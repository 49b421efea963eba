"""« Mes factures » (E1, E2, E4): 12 rolling months, each PDF inline or downloaded."""

import datetime
import hashlib
import logging
from html import unescape

import pytest
import time_machine
from django.core.files.storage import default_storage

from guichet.billing.models import Invoice
from guichet.billing.services import invoice_mark_paid, invoice_render_pdf
from guichet.billing.tests.factories import InvoiceFactory, line_draft

D = datetime.date
TODAY = D(2026, 11, 26)
URL = "/mes-factures/"


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(datetime.datetime(2026, 11, 26, 9, tzinfo=datetime.UTC), tick=False):
        yield


def issue(customer, issue_date, price=4290, period=None, **kwargs):
    period = period or issue_date.replace(day=1)
    return InvoiceFactory(
        customer=customer,
        period=period,
        issue_date=issue_date,
        lines=[line_draft(period=period, price_incl_vat_cents=price)],
        **kwargs,
    )


def page_text(response) -> str:
    return " ".join(unescape(response.content.decode()).replace("\u00a0", " ").split())


def test_it_lists_the_invoices_newest_first_in_french(customer_client, customer):
    older = issue(customer, D(2026, 9, 25), price=4290)
    newer = issue(customer, D(2026, 10, 27), price=123456)
    invoice_mark_paid(invoice_id=older.pk)

    response = customer_client.get(URL)

    assert response.status_code == 200
    text = page_text(response)
    assert "Retrouvez vos factures sur 12 mois glissants." in text
    assert text.index("Facture du 27/10/2026") < text.index("Facture du 25/09/2026")
    for label in ("Date facture", "N° facture", "Montant total de la facture"):
        assert label in text
    assert older.number in text and newer.number in text
    assert "42,90 €" in text
    assert "1 234,56 €" in text
    assert "Payée" in text
    assert "À payer avant le 11/11/2026" in text
    html = response.content.decode()
    assert f'href="/mes-factures/{newer.number}.pdf"' in html
    assert f'href="/mes-factures/telecharger/{newer.number}.pdf"' in html
    assert "<caption" in html and 'scope="col"' in html and 'scope="row"' in html
    assert 'aria-current="page">Mes factures</a>' in html
    assert "Fil d'Ariane" in html and '<span aria-current="page">Mes factures</span>' in html


def test_a_planned_debit_says_its_date(customer_client, customer):
    issue(
        customer,
        D(2026, 11, 25),
        payment_method=Invoice.PaymentMethod.DIRECT_DEBIT,
        due_date=D(2026, 12, 10),
    )
    assert "Prélèvement prévu le 10/12/2026" in page_text(customer_client.get(URL))


def test_the_twelve_month_boundary_on_both_sides(customer_client, customer):
    too_old = issue(customer, D(2025, 11, 26), period=D(2025, 10, 1))  # 12 months ago: gone
    oldest_listed = issue(customer, D(2025, 11, 27))  # the day after: listed

    text = page_text(customer_client.get(URL))

    assert oldest_listed.number in text
    assert too_old.number not in text
    assert customer_client.get(f"/mes-factures/{oldest_listed.number}.pdf").status_code == 200
    assert customer_client.get(f"/mes-factures/{too_old.number}.pdf").status_code == 404
    assert customer_client.get(f"/mes-factures/telecharger/{too_old.number}.pdf").status_code == 404


def test_another_customers_invoice_is_a_404(customer_client, other_customer):
    theirs = issue(other_customer, D(2026, 11, 25))

    assert theirs.number not in page_text(customer_client.get(URL))
    assert customer_client.get(f"/mes-factures/{theirs.number}.pdf").status_code == 404
    assert customer_client.get(f"/mes-factures/telecharger/{theirs.number}.pdf").status_code == 404
    assert customer_client.get("/mes-factures/T9999999.pdf").status_code == 404


def test_the_pdf_opens_in_the_browser_and_downloads_under_its_number(customer_client, customer):
    invoice = issue(customer, D(2026, 11, 25))

    inline = customer_client.get(f"/mes-factures/{invoice.number}.pdf")
    download = customer_client.get(f"/mes-factures/telecharger/{invoice.number}.pdf")

    invoice.refresh_from_db()  # rendered on first request, as it had not been yet
    for response in (inline, download):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert "no-store" in response["Cache-Control"]
        assert hashlib.sha256(response.content).hexdigest() == invoice.pdf_sha256
    assert inline["Content-Disposition"] == f'inline; filename="{invoice.number}.pdf"'
    assert download["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'


def test_an_altered_pdf_shows_a_page_instead_of_an_error(customer_client, customer, caplog):
    invoice = invoice_render_pdf(invoice_id=issue(customer, D(2026, 11, 25)).pk)
    default_storage.delete(invoice.pdf.name)
    default_storage.save(invoice.pdf.name, __import__("io").BytesIO(b"%PDF- not the one"))

    with caplog.at_level(logging.ERROR):
        response = customer_client.get(f"/mes-factures/{invoice.number}.pdf")

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "temporairement indisponible" in page_text(response)
    assert invoice.number in caplog.text


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith("/connexion/")
    assert client.get("/mes-factures/T0000001.pdf").status_code == 302


def test_no_invoice_yet_says_so(customer_client):
    assert "Vous n'avez pas de facture sur les 12 derniers mois." in page_text(
        customer_client.get(URL)
    )


def test_the_query_budget_does_not_grow_with_the_invoices(
    customer_client, customer, django_assert_max_num_queries, django_assert_num_queries
):
    issue(customer, D(2026, 11, 25))
    customer_client.get(URL)  # the session is cached from now on, as for a browsing customer
    with django_assert_max_num_queries(10) as few:
        customer_client.get(URL)

    for month in range(1, 11):
        issue(customer, D(2026, month, 25))
    with django_assert_num_queries(len(few.captured_queries)):
        response = customer_client.get(URL)
    assert page_text(response).count("Facture du") == 11
