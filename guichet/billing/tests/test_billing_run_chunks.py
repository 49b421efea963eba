"""The billing run at operator scale (issue 12): chunks written set-based in one transaction,
numbers in blocks, progress in a BillingRun, resumable after a chunk rolls back."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guichet.billing.models import BillingRun, Invoice, InvoiceCounter, InvoiceLine
from guichet.billing.services import billing_run, billing_run_customers
from guichet.billing.services import run as run_module
from guichet.billing.tasks import bill_customers, render_invoice_pdfs
from guichet.catalog.tests.factories import ProductFactory, SubscriptionFactory
from guichet.core.models import OutboxEmail
from guichet.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

D = datetime.date
NOVEMBER = D(2026, 11, 1)
ISSUE = D(2026, 11, 26)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(datetime.datetime(2026, 11, 26, 8, tzinfo=datetime.UTC), tick=False):
        yield


def customers_with_services(count: int, **customer_fields) -> list:
    product = ProductFactory(monthly_price_cents=2990, vat_rate_bp=2000)
    customers = [CustomerFactory(**customer_fields) for _ in range(count)]
    for customer in customers:
        SubscriptionFactory(customer=customer, product=product, start_date=D(2024, 1, 1))
    return customers


def numbers() -> list[str]:
    return sorted(Invoice.objects.values_list("number", flat=True))


def queries_for(count: int) -> int:
    customers = customers_with_services(count, invoice_email="a@example.fr")
    for customer in customers:
        customer.invoice_email_opt_in = True
        customer.save()
    with CaptureQueriesContext(connection) as captured:
        billing_run_customers(
            customer_ids=[c.pk for c in customers],
            period=NOVEMBER,
            issue_date=ISSUE,
            render_pdf=False,
        )
    return len(captured)


def test_a_chunk_costs_the_same_queries_for_1_or_30_customers():
    queries_for(1)  # the counter's row is created once
    one = queries_for(1)
    assert queries_for(30) == one
    assert OutboxEmail.objects.count() == 32
    assert numbers() == [f"T{n:07d}" for n in range(1, 33)]


def test_an_invalid_draft_fails_alone_and_the_chunk_goes_through():
    good = customers_with_services(3)
    bad = CustomerFactory()
    # A product without a name: its line would have no label, which no invoice may print.
    SubscriptionFactory(customer=bad, product=ProductFactory(monthly_price_cents=990, name=" "))

    result = billing_run_customers(
        customer_ids=[bad.pk, *(c.pk for c in good)], period=NOVEMBER, issue_date=ISSUE
    )

    assert (result.issued, result.failed) == (3, 1)
    assert not Invoice.objects.filter(customer=bad).exists()
    assert numbers() == ["T0000001", "T0000002", "T0000003"]


def test_the_run_records_its_progress_and_queues_pdfs_by_hundred(
    monkeypatch, django_capture_on_commit_callbacks
):
    customers_with_services(250)
    queued = []
    monkeypatch.setattr(render_invoice_pdfs, "delay", lambda ids: queued.append(ids))

    with django_capture_on_commit_callbacks(execute=True):
        result = billing_run(period=NOVEMBER, issue_date=ISSUE, notify=False, batch_size=120)

    run = BillingRun.objects.get()
    assert result.issued == 250
    assert (run.customers_total, run.issued, run.failed) == (250, 250, 0)
    assert (run.chunks_done, run.chunks_total, run.status) == (3, 3, BillingRun.Status.DONE)
    assert run.finished_at is not None
    # Chunks of 120, 120 and 10 invoices: PDF tasks of 100 at most, each queued once.
    assert sorted(len(ids) for ids in queued) == [10, 20, 20, 100, 100]
    assert sorted(pk for ids in queued for pk in ids) == sorted(
        Invoice.objects.values_list("pk", flat=True)
    )
    assert (run.pdfs_rendered(), run.pdfs_to_render()) == (0, 250)
    assert Invoice.objects.filter(run=run).count() == 250

    for ids in queued[:1]:
        render_invoice_pdfs(ids)  # what a worker does
    assert run.pdfs_rendered() == len(queued[0])


def test_a_chunk_that_rolls_back_leaves_no_gap_and_the_run_resumes(monkeypatch):
    customers = customers_with_services(25, invoice_email="a@example.fr")
    for customer in customers:
        customer.invoice_email_opt_in = True
        customer.save()
    real = run_module.email_queue_many
    calls = []

    def dies_on_the_second_chunk(emails):
        calls.append(len(emails))
        if len(calls) == 2:
            raise RuntimeError("the worker dies")
        return real(emails)

    monkeypatch.setattr(run_module, "email_queue_many", dies_on_the_second_chunk)
    with pytest.raises(RuntimeError):
        billing_run(period=NOVEMBER, issue_date=ISSUE, render_pdf=False, batch_size=10)

    assert numbers() == [f"T{n:07d}" for n in range(1, 11)]  # the first chunk only
    assert InvoiceCounter.objects.get().last_number == 10
    assert OutboxEmail.objects.count() == 10
    assert BillingRun.objects.get().chunks_done == 1

    monkeypatch.setattr(run_module, "email_queue_many", real)
    call_command("billing_run", "--period", "2026-11", "--no-progress", "--no-pdf")

    assert numbers() == [f"T{n:07d}" for n in range(1, 26)]
    assert Invoice.objects.count() == 25
    assert OutboxEmail.objects.count() == 25
    assert InvoiceLine.objects.count() == 25
    resumed = BillingRun.objects.order_by("pk").last()
    assert (resumed.customers_total, resumed.issued, resumed.status) == (15, 15, "done")


def test_a_chunk_delivered_twice_issues_nothing_more(settings):
    customers = customers_with_services(5)
    ids = [customer.pk for customer in customers]
    run_module.billing_run_start(
        period=NOVEMBER, issue_date=ISSUE, customers_total=5, chunk_size=5, notify=False
    )

    bill_customers(ids, "2026-11-01", "2026-11-26", False, False)
    bill_customers(ids, "2026-11-01", "2026-11-26", False, False)  # acks_late: again

    run = BillingRun.objects.get()
    assert Invoice.objects.count() == 5
    assert numbers() == [f"T{n:07d}" for n in range(1, 6)]
    assert (run.issued, run.chunks_done, run.chunks_total, run.status) == (5, 1, 1, "done")
    assert set(Invoice.objects.values_list("run", flat=True)) == {run.pk}


def test_the_command_prints_the_run_and_its_pdfs():
    customers_with_services(2)
    from io import StringIO

    out = StringIO()
    call_command("billing_run", "--period", "2026-11", "--no-progress", "--no-pdf", stdout=out)

    run = BillingRun.objects.get()
    assert f"Facturation n° {run.pk} : Terminée, lots 1/1 ; PDF rendus 0/2." in out.getvalue()


def test_the_back_office_shows_the_runs_read_only(admin_client):
    customers_with_services(2)
    call_command("billing_run", "--period", "2026-11", "--no-progress", "--no-pdf")
    run = BillingRun.objects.get()

    listing = admin_client.get("/back-office/billing/billingrun/")
    detail = admin_client.get(f"/back-office/billing/billingrun/{run.pk}/change/")

    assert listing.status_code == 200 and "1 / 1" in listing.content.decode()
    assert detail.status_code == 200 and "0 / 2" in detail.content.decode()
    assert admin_client.get("/back-office/billing/billingrun/add/").status_code == 403
