"""invoice_issue writes one InvoiceDraft, checked by the draft's own validation."""

import dataclasses
import datetime

import pytest
from django.core.exceptions import ValidationError

from guichet.billing.models import Invoice, InvoiceCounter
from guichet.billing.services import InvoiceDraft, invoice_issue
from guichet.billing.tests.factories import line_draft

pytestmark = pytest.mark.django_db

NOVEMBER = datetime.date(2026, 11, 1)


def draft(customer, **changes) -> InvoiceDraft:
    valid = InvoiceDraft(
        customer=customer,
        period=NOVEMBER,
        issue_date=datetime.date(2026, 11, 25),
        payment_method=Invoice.PaymentMethod.ON_RECEIPT,
        due_date=datetime.date(2026, 12, 10),
        lines=[line_draft(period=NOVEMBER)],
        source=Invoice.Source.BILLING_RUN,
    )
    return dataclasses.replace(valid, **changes)


def test_a_sound_draft_is_issued(customer):
    invoice = invoice_issue(draft=draft(customer), notify=False, render_pdf=False)

    assert invoice.number == "T0000001"
    assert invoice.lines.get().amount_incl_vat_cents == 2990


def test_the_draft_reports_every_problem_and_nothing_is_written(customer):
    good = line_draft(period=NOVEMBER)
    unbalanced = dataclasses.replace(good, vat_cents=good.vat_cents + 5)
    nameless = dataclasses.replace(good, label=" ", quantity=0)
    bad = draft(
        customer,
        period=datetime.date(2026, 11, 2),
        due_date=datetime.date(2026, 11, 1),
        status=Invoice.Status.PAID,
        lines=[good, unbalanced, nameless],
    )

    with pytest.raises(ValidationError) as raised:
        invoice_issue(draft=bad, notify=False, render_pdf=False)

    assert raised.value.messages == [
        "la période est un mois : son premier jour",
        "l'échéance (due_date) précède la date de facture (issue_date)",
        "une facture payée a une date de paiement (paid_date), et seulement elle",
        f"ligne 2 : HT {good.amount_excl_vat_cents} + TVA {good.vat_cents + 5} ≠ TTC "
        f"{good.amount_incl_vat_cents} (centimes)",
        "ligne 3 : désignation (label) vide",
        "ligne 3 : quantité inférieure à 1",
    ]
    assert not Invoice.objects.exists()
    assert not InvoiceCounter.objects.filter(last_number__gt=0).exists()


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("F 1", "numéro : 1 à 30 lettres"),
        ("T0000042", "a la forme des numéros de la facturation mensuelle"),
    ],
)
def test_a_given_number_never_looks_like_the_sequences(customer, number, problem):
    with pytest.raises(ValidationError, match=problem):
        draft(customer, number=number, source=Invoice.Source.IMPORT).validate()


def test_a_negative_total_is_not_an_invoice(customer):
    refund = line_draft(period=NOVEMBER, price_incl_vat_cents=-500)

    assert draft(customer, lines=[refund]).problems() == [
        (None, "total négatif : un avoir ne s'émet pas comme une facture")
    ]


def test_the_import_reports_the_drafts_problems_at_their_file_line(tmp_path, customer):
    from guichet.billing.services import import_invoices, iter_problems, read_records

    path = tmp_path / "factures.csv"
    path.write_text(
        "number;customer_reference;issue_date;period;due_date;label;vat_rate;"
        "amount_incl_vat_cents;quantity\n"
        f"F-1;{customer.reference};2026-10-05;2026-10;2026-10-20;Internet;20;2990;1\n"
        f"F-1;{customer.reference};2026-10-05;2026-10;2026-10-20;;20;500;0\n",
        encoding="utf-8",
    )

    report = import_invoices(records=read_records(path)[0])

    assert list(iter_problems(report)) == [
        "ligne 3, facture F-1 : désignation (label) vide",
        "ligne 3, facture F-1 : quantité inférieure à 1",
    ]
    assert not Invoice.objects.exists()
