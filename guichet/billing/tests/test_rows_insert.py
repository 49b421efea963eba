"""rows_insert, the billing run's bulk INSERT (COPY on PostgreSQL): the rows bulk_create would
write, and the errors it would raise."""

import copy
import datetime

import pytest
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict

from guichet.billing.models import Invoice, InvoiceLine
from guichet.billing.services.issue import invoice_build, invoice_snapshot
from guichet.billing.services.rows import rows_insert
from guichet.billing.tests.test_issue import draft

pytestmark = pytest.mark.django_db

CREATED = datetime.datetime(2026, 11, 26, 8, 30, 15, 123456, tzinfo=datetime.UTC)


def invoice_and_lines(customer, number: str, **changes) -> tuple[Invoice, list[InvoiceLine]]:
    invoice, lines = invoice_build(draft=draft(customer, **changes), snapshot=invoice_snapshot())
    invoice.number, invoice.created_at = number, CREATED
    return invoice, lines


def written(number: str) -> dict:
    """The invoice and its lines as read back, but what tells two invoices apart."""
    saved = Invoice.objects.get(number=number)
    lines = [
        {**model_to_dict(line), "id": None, "invoice": None}
        for line in saved.lines.order_by("position")
    ]
    return {
        **model_to_dict(saved),
        "id": None,
        "number": None,
        "period": None,
        "created_at": None,
        "lines": lines,
    }


def test_it_writes_what_bulk_create_writes(customer):
    by_django, django_lines = invoice_and_lines(customer, "D1")
    [by_django] = Invoice.objects.bulk_create([by_django])
    for line in django_lines:
        line.invoice = by_django
    InvoiceLine.objects.bulk_create(django_lines)
    # The same invoice for the month before (one per customer and month).
    ours, our_lines = invoice_and_lines(customer, "R1", period=datetime.date(2026, 10, 1))

    rows_insert(Invoice, [ours])
    ours.pk = Invoice.objects.get(number="R1").pk
    for line in our_lines:
        line.invoice = ours
    rows_insert(InvoiceLine, our_lines)

    assert written("R1") == written("D1")
    assert written("R1")["lines"]  # something compared
    saved = Invoice.objects.get(number="R1")
    assert (saved.period, saved.created_at) == (datetime.date(2026, 10, 1), CREATED)
    assert saved.seller["name"] and saved.snapshot["logo"].startswith("data:")


def test_a_second_invoice_for_the_month_is_djangos_integrity_error(customer):
    first, _lines = invoice_and_lines(customer, "R1")
    rows_insert(Invoice, [first])
    again = copy.copy(first)
    again.number = "R2"

    with pytest.raises(IntegrityError), transaction.atomic():
        rows_insert(Invoice, [again])

    assert list(Invoice.objects.values_list("number", flat=True)) == ["R1"]


def test_only_djangos_own_field_classes_are_taken_as_they_are():
    from django.db import models

    from guichet.billing.services.rows import _converter

    class Shouting(models.CharField):
        """A field converting its values (as an encrypting one would)."""

        def get_db_prep_save(self, value, connection):
            return value.upper()

    assert _converter(models.CharField(max_length=5)) is None
    assert _converter(Shouting(max_length=5))("secret") == "SECRET"
    to_json = _converter(models.JSONField(null=True))
    assert to_json(None) is None and to_json({"a": 1}) == '{"a": 1}'


def test_a_model_with_an_auto_now_field_is_refused():
    from guichet.core.models import SitePage

    with pytest.raises(ValueError, match="auto_now"):
        rows_insert(SitePage, [SitePage(slug="accessibilite", title="t", body="b")])
    assert not SitePage.objects.filter(title="t").exists()
