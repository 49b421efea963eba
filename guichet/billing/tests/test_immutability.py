"""An issued invoice never changes: the model refuses, the admin shows it read only (J1)."""

import contextlib
import copy
import datetime

import pytest
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction
from django.db.models import F, ProtectedError, QuerySet
from django.urls import reverse

from guichet.billing.models import BillingRun, Invoice, InvoiceImmutableError, InvoiceLine
from guichet.billing.services import invoice_mark_paid
from guichet.billing.tests.factories import InvoiceFactory
from guichet.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_an_issued_invoice_refuses_changes():
    invoice = InvoiceFactory()
    number, total = invoice.number, invoice.total_incl_vat_cents

    invoice.total_incl_vat_cents = 1
    with pytest.raises(InvoiceImmutableError):
        invoice.save()
    with pytest.raises(InvoiceImmutableError):
        invoice.save(update_fields=["total_incl_vat_cents"])
    with pytest.raises(InvoiceImmutableError):
        Invoice.objects.filter(pk=invoice.pk).update(number="T9999999")
    with pytest.raises(InvoiceImmutableError):
        Invoice.objects.filter(pk=invoice.pk).update(issue_date=datetime.date(2020, 1, 1))
    with pytest.raises(InvoiceImmutableError):
        invoice.delete()
    with pytest.raises(InvoiceImmutableError):
        Invoice.objects.all().delete()

    stored = Invoice.objects.get()
    assert (stored.number, stored.total_incl_vat_cents) == (number, total)


def test_its_lines_refuse_changes_too():
    invoice = InvoiceFactory()
    line = invoice.lines.get()

    line.amount_incl_vat_cents = 0
    with pytest.raises(InvoiceImmutableError):
        line.save()
    with pytest.raises(InvoiceImmutableError):
        InvoiceLine.objects.filter(pk=line.pk).update(label="Autre chose")
    with pytest.raises(InvoiceImmutableError):
        line.delete()
    with pytest.raises(InvoiceImmutableError):
        InvoiceLine.objects.all().delete()
    with pytest.raises(InvoiceImmutableError):
        InvoiceLine(invoice=invoice, position=2, label="Ajout").save()
    assert invoice.lines.count() == 1


def test_the_customer_and_its_invoiced_services_cannot_be_deleted():
    invoice = InvoiceFactory()
    with pytest.raises(ProtectedError):
        invoice.customer.delete()
    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_only_the_settlement_is_recorded_later():
    invoice = InvoiceFactory()
    paid_at = datetime.datetime(2026, 12, 5, 10, tzinfo=datetime.UTC)

    assert invoice_mark_paid(invoice_id=invoice.pk, paid_at=paid_at) is True
    assert invoice_mark_paid(invoice_id=invoice.pk) is False  # settled once

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.paid_at == paid_at
    assert invoice.status_label == "Payée"


def test_the_admin_shows_an_invoice_read_only(admin_client):
    client = admin_client
    invoice = InvoiceFactory()
    change_url = reverse("admin:billing_invoice_change", args=[invoice.pk])

    page = client.get(change_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert invoice.number in html
    assert 'name="total_incl_vat_cents"' not in html  # no input: read only
    assert "Enregistrer" not in html
    assert client.get(reverse("admin:billing_invoice_add")).status_code == 403
    assert client.get(reverse("admin:billing_invoice_delete", args=[invoice.pk])).status_code == 403
    client.post(change_url, {"number": "T9999999", "total_incl_vat_cents": 1})
    assert Invoice.objects.get().number == invoice.number
    listing = client.get(reverse("admin:billing_invoice_changelist"), {"q": invoice.number})
    assert listing.status_code == 200
    pdf = client.get(reverse("admin:billing_invoice_pdf", args=[invoice.pk]))
    assert pdf["Content-Type"] == "application/pdf"


def test_staff_without_the_view_permission_get_no_pdf(client, staff, staff_login):
    staff_login(client, staff)
    invoice = InvoiceFactory()
    response = client.get(reverse("admin:billing_invoice_pdf", args=[invoice.pk]))
    assert response.status_code == 404


def test_the_pdf_checksum_is_set_once():
    invoice = InvoiceFactory()
    with pytest.raises(InvoiceImmutableError):
        Invoice.objects.filter(pk=invoice.pk).update(pdf_sha256="0" * 64)
    assert Invoice.objects.pdf_claim(invoice_id=invoice.pk, name="a.pdf", sha256="a" * 64)
    assert not Invoice.objects.pdf_claim(invoice_id=invoice.pk, name="b.pdf", sha256="b" * 64)
    invoice.refresh_from_db()
    assert invoice.pdf_sha256 == "a" * 64
    invoice.pdf_sha256 = "c" * 64
    with pytest.raises(InvoiceImmutableError):
        invoice.save(update_fields=["pdf_sha256"])


def test_no_line_is_added_to_an_issued_invoice():
    invoice = InvoiceFactory()
    extra = InvoiceLine(
        invoice=invoice,
        position=99,
        group="subscriptions",
        label="Ajout",
        vat_rate_bp=2000,
        period_start=invoice.period,
        period_end=invoice.period,
        unit_price_excl_vat_cents=1000,
        amount_excl_vat_cents=1000,
        vat_cents=200,
        amount_incl_vat_cents=1200,
    )
    with pytest.raises(InvoiceImmutableError):
        InvoiceLine.objects.bulk_create([extra])
    assert sum(invoice.lines.values_list("amount_incl_vat_cents", flat=True)) == (
        invoice.total_incl_vat_cents
    )


# The five ORM paths an audit found around the model's guards. Each is refused twice: by
# Python with a clear InvoiceImmutableError, and, when Python is skipped (the plain QuerySet
# class, raw SQL), by the database's triggers (migration 0002). Both vendors report a trigger
# refusal as django.db.IntegrityError: SQLSTATE 23001 on PostgreSQL, RAISE(ABORT) on SQLite.
# Each refusal is matched on the trigger's own message, so that a constraint failing for
# another reason cannot pass for it.
INVOICE_FROZEN = "Facture émise : seuls son état"
INVOICE_KEPT = "Facture émise : elle est conservée"
LINE_FROZEN = "Ligne de facture émise"
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite cannot tell which transaction wrote the invoice (see migration 0002)",
)


@contextlib.contextmanager
def refused_by_python():
    # A savepoint: add() and bulk_update() raise inside their own atomic block, which marks
    # the test's transaction for rollback as any error there would.
    with pytest.raises(InvoiceImmutableError), transaction.atomic():
        yield


@contextlib.contextmanager
def refused_by_the_database(message: str):
    # A savepoint: on PostgreSQL the error aborts the transaction it happens in.
    with pytest.raises(IntegrityError, match=message), transaction.atomic():
        yield


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def extra_line(invoice: Invoice, position: int = 2) -> InvoiceLine:
    return InvoiceLine(
        invoice=invoice,
        position=position,
        group="subscriptions",
        label="Ajout",
        vat_rate_bp=2000,
        period_start=invoice.period,
        period_end=invoice.period,
        unit_price_excl_vat_cents=1000,
        amount_excl_vat_cents=1000,
        vat_cents=200,
        amount_incl_vat_cents=1200,
    )


def replacement(invoice: Invoice, **changes) -> Invoice:
    """An unsaved invoice with the same number: what an upsert would write over it."""
    clone = copy.copy(invoice)
    clone.pk = None
    clone._state.adding = True
    for name, value in changes.items():
        setattr(clone, name, value)
    return clone


def snapshot(invoice: Invoice) -> tuple:
    stored = Invoice.objects.get(pk=invoice.pk)
    lines = list(InvoiceLine.objects.filter(invoice=invoice).values_list("pk", "label"))
    return stored.customer_id, stored.customer_name, stored.total_incl_vat_cents, lines


def test_an_upsert_over_an_issued_invoice_is_refused():
    invoice = InvoiceFactory()
    before = snapshot(invoice)
    upsert = {"update_conflicts": True, "unique_fields": ["number"]}

    with refused_by_python():
        Invoice.objects.bulk_create(
            [replacement(invoice, customer_name="Autre nom")],
            update_fields=["customer_name"],
            **upsert,
        )
    with refused_by_python():
        Invoice._base_manager.bulk_create(
            [replacement(invoice, customer_name="Autre nom")],
            update_fields=["customer_name"],
            **upsert,
        )
    with refused_by_the_database(INVOICE_FROZEN):
        QuerySet(model=Invoice).bulk_create(
            [replacement(invoice, customer_name="Autre nom")],
            update_fields=["customer_name"],
            **upsert,
        )
    line = invoice.lines.get()
    with refused_by_python():
        InvoiceLine.objects.bulk_create(
            [extra_line(invoice, position=1)],
            update_conflicts=True,
            unique_fields=["invoice", "position"],
            update_fields=["label"],
        )
    with refused_by_the_database(LINE_FROZEN):
        QuerySet(model=InvoiceLine).bulk_create(
            [extra_line(invoice, position=line.position)],
            update_conflicts=True,
            unique_fields=["invoice", "position"],
            update_fields=["label"],
        )
    assert snapshot(invoice) == before


def test_the_base_manager_is_the_guarded_one():
    invoice = InvoiceFactory()
    before = snapshot(invoice)

    with refused_by_python():
        Invoice._base_manager.update(customer_name="Autre nom")
    with refused_by_python():
        Invoice._base_manager.filter(pk=invoice.pk).update(
            total_excl_vat_cents=F("total_excl_vat_cents") + 1,
            total_incl_vat_cents=F("total_incl_vat_cents") + 1,
        )
    with refused_by_python():
        Invoice._base_manager.bulk_update([invoice], ["customer_name"])
    with refused_by_the_database(INVOICE_FROZEN):
        QuerySet(model=Invoice).filter(pk=invoice.pk).update(
            total_excl_vat_cents=F("total_excl_vat_cents") + 1,
            total_incl_vat_cents=F("total_incl_vat_cents") + 1,
        )
    with refused_by_the_database(INVOICE_FROZEN):
        raw(
            "UPDATE billing_invoice SET total_excl_vat_cents = total_excl_vat_cents + 1,"
            " total_incl_vat_cents = total_incl_vat_cents + 1 WHERE id = %s",
            [invoice.pk],
        )
    assert snapshot(invoice) == before


def test_an_issued_invoice_is_not_moved_to_another_customer():
    invoice = InvoiceFactory()
    other = CustomerFactory()
    before = snapshot(invoice)

    with refused_by_python():
        other.invoices.add(invoice)
    with refused_by_python():
        other.invoices.add(invoice, bulk=False)
    # What add() runs, without the guarded queryset.
    with refused_by_the_database(INVOICE_FROZEN):
        QuerySet(model=Invoice).filter(pk=invoice.pk).update(customer=other)
    with refused_by_the_database(INVOICE_FROZEN):
        raw("UPDATE billing_invoice SET customer_id = %s WHERE id = %s", [other.pk, invoice.pk])
    assert snapshot(invoice) == before
    assert not other.invoices.exists()


def test_a_line_is_not_moved_to_another_invoice():
    invoice = InvoiceFactory()
    other = InvoiceFactory(customer=invoice.customer)
    line = invoice.lines.get()
    before = snapshot(invoice), snapshot(other)

    with refused_by_python():
        other.lines.add(line)
    with refused_by_python():
        other.lines.add(line, bulk=False)
    with refused_by_the_database(LINE_FROZEN):
        QuerySet(model=InvoiceLine).filter(pk=line.pk).update(invoice=other)
    with refused_by_the_database(LINE_FROZEN):
        raw("UPDATE billing_invoiceline SET label = 'Autre chose' WHERE id = %s", [line.pk])
    assert (snapshot(invoice), snapshot(other)) == before


def test_lines_and_invoices_are_not_deleted_past_the_model():
    invoice = InvoiceFactory()
    line = invoice.lines.get()
    before = snapshot(invoice)

    with refused_by_python():
        InvoiceLine._base_manager.filter(pk=line.pk).delete()
    with refused_by_python():
        InvoiceLine._base_manager.all().delete()
    with refused_by_python():
        Invoice._base_manager.all().delete()
    with refused_by_the_database(LINE_FROZEN):
        QuerySet(model=InvoiceLine).filter(pk=line.pk).delete()
    with refused_by_the_database(LINE_FROZEN):
        raw("DELETE FROM billing_invoiceline")
    with refused_by_the_database(INVOICE_KEPT):
        raw("DELETE FROM billing_invoice WHERE id = %s", [invoice.pk])
    assert snapshot(invoice) == before


def test_the_database_compares_every_column_but_the_settlement_and_the_pdf():
    invoice = InvoiceFactory()
    other = CustomerFactory()
    day = datetime.timedelta(days=1)
    changes = {
        "id": invoice.pk + 1000,
        "number": "T9999999",
        "customer": other,
        "customer_reference": "09999999",
        "customer_name": "Autre nom",
        "billing_address": "Ailleurs",
        "seller": {"name": "Autre opérateur"},
        "period": datetime.date(2020, 1, 1),
        "issue_date": invoice.issue_date - day,
        "payment_method": Invoice.PaymentMethod.DIRECT_DEBIT,
        "due_date": invoice.due_date + day,
        "total_excl_vat_cents": invoice.total_excl_vat_cents + 1,
        "total_vat_cents": invoice.total_vat_cents + 1,
        "total_incl_vat_cents": invoice.total_incl_vat_cents + 1,
        "source": Invoice.Source.IMPORT,
        "created_at": invoice.created_at - day,
        "snapshot": {"brand": {"name": "Autre marque"}},
        "run": BillingRun.objects.create(period=invoice.period, issue_date=invoice.issue_date),
    }
    # A column added to Invoice must be placed here or in MUTABLE_FIELDS (and the trigger).
    columns = {field.name for field in Invoice._meta.concrete_fields}
    assert set(changes) == columns - Invoice.MUTABLE_FIELDS - {"pdf_sha256"}

    for name, value in changes.items():
        with refused_by_the_database(INVOICE_FROZEN):
            QuerySet(model=Invoice).filter(pk=invoice.pk).update(**{name: value})
    assert snapshot(invoice) == snapshot(Invoice.objects.get())


def test_the_database_lets_the_settlement_and_the_pdf_change():
    invoice = InvoiceFactory()
    paid_at = datetime.datetime(2026, 12, 5, 10, tzinfo=datetime.UTC)

    QuerySet(model=Invoice).filter(pk=invoice.pk).update(status="paid", paid_at=paid_at)
    QuerySet(model=Invoice).filter(pk=invoice.pk).update(pdf="factures/a.pdf")
    raw("UPDATE billing_invoice SET pdf_sha256 = %s WHERE id = %s", ["a" * 64, invoice.pk])
    QuerySet(model=Invoice).filter(pk=invoice.pk).update(pdf="factures/b.pdf")  # file moved

    # The checksum is set once, from nothing: neither replaced nor cleared.
    for value in ("b" * 64, ""):
        with refused_by_the_database(INVOICE_FROZEN):
            raw("UPDATE billing_invoice SET pdf_sha256 = %s WHERE id = %s", [value, invoice.pk])
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_at) == ("paid", paid_at)
    assert (invoice.pdf.name, invoice.pdf_sha256) == ("factures/b.pdf", "a" * 64)


def test_lines_are_written_with_their_invoice_only():
    first = InvoiceFactory()
    second = InvoiceFactory(customer=first.customer)  # the one this transaction wrote last

    with refused_by_python():
        InvoiceLine.objects.bulk_create([extra_line(second)])
    if connection.vendor == "postgresql":
        with refused_by_the_database("ne reçoit plus de lignes"):
            QuerySet(model=InvoiceLine).bulk_create([extra_line(first)])
    # The database accepts a line for the invoice its transaction has just inserted.
    QuerySet(model=InvoiceLine).bulk_create([extra_line(second)])
    assert second.lines.count() == 2


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_postgresql_refuses_a_line_for_an_invoice_of_an_earlier_transaction():
    invoice = InvoiceFactory()  # committed

    with refused_by_the_database("ne reçoit plus de lignes"):
        QuerySet(model=InvoiceLine).bulk_create([extra_line(invoice)])
    with refused_by_the_database("ne reçoit plus de lignes"):
        raw(
            'INSERT INTO billing_invoiceline (invoice_id, position, "group", label,'
            " period_start, period_end, quantity, unit_price_excl_vat_cents, vat_rate_bp,"
            " amount_excl_vat_cents, vat_cents, amount_incl_vat_cents)"
            " VALUES (%s, 2, 'subscriptions', 'Ajout', %s, %s, 1, 1000, 2000, 1000, 200, 1200)",
            [invoice.pk, invoice.period, invoice.period],
        )
    assert invoice.lines.count() == 1


@pytest.mark.django_db(transaction=True)
def test_only_flush_empties_the_invoice_tables():
    """The test suite flushes after each transactional test: the one way past the triggers."""
    InvoiceFactory()
    if connection.vendor == "sqlite":  # flush's own SQL, run without the flush command
        sql = connection.ops.sql_flush(no_style(), ["billing_invoiceline", "billing_invoice"])
        with pytest.raises(IntegrityError, match=LINE_FROZEN):
            connection.ops.execute_sql_flush(sql)

    call_command("flush", interactive=False, verbosity=0)

    assert not Invoice.objects.exists()
    assert not InvoiceLine.objects.exists()
    InvoiceFactory()  # and the guard is back on
    with refused_by_the_database(LINE_FROZEN):
        raw("DELETE FROM billing_invoiceline")
    with refused_by_the_database(INVOICE_KEPT):
        raw("DELETE FROM billing_invoice")
