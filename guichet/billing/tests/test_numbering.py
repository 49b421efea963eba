"""Invoice numbers: the operator's prefix, continuous and unique, even under concurrency."""

import contextlib
import datetime
import threading
import time

import pytest
from django.db import connection, transaction

from guichet.billing.models import Invoice, InvoiceCounter
from guichet.billing.numbering import invoice_number_next
from guichet.billing.services import billing_run_customers
from guichet.billing.tests.factories import InvoiceFactory
from guichet.catalog.tests.factories import SubscriptionFactory
from guichet.customers.tests.factories import CustomerFactory

D = datetime.date
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks between connections: PostgreSQL only"
)


class ForcedRollback(Exception):
    pass


@pytest.mark.django_db
def test_numbers_have_the_prefix_and_seven_digits(settings):
    settings.BILLING_INVOICE_PREFIX = "T"
    assert [InvoiceFactory().number for _ in range(3)] == ["T0000001", "T0000002", "T0000003"]

    settings.BILLING_INVOICE_PREFIX = "FA"
    settings.BILLING_INVOICE_NUMBER_DIGITS = 5
    assert InvoiceFactory().number == "FA00001"
    assert dict(InvoiceCounter.objects.values_list("prefix", "last_number")) == {"T": 3, "FA": 1}


@pytest.mark.django_db
def test_a_rolled_back_issue_gives_its_number_back():
    InvoiceFactory()
    with pytest.raises(ForcedRollback), transaction.atomic():
        assert InvoiceFactory().number == "T0000002"
        raise ForcedRollback

    assert InvoiceFactory().number == "T0000002"
    assert InvoiceCounter.objects.get().last_number == 2


@pytest.mark.django_db(transaction=True)
def test_a_number_is_taken_only_inside_a_transaction():
    with pytest.raises(RuntimeError, match="inside the issuing transaction"):
        invoice_number_next()


def _in_threads(count: int, work) -> list[BaseException]:
    """Run work(index) in `count` threads started together; each closes its connection."""
    barrier = threading.Barrier(count)
    errors = []

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(index)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_leave_numbers_without_gap_or_duplicate():
    customers = [CustomerFactory() for _ in range(50)]
    rolled_back = 17

    def issue(index: int) -> None:
        try:
            with transaction.atomic():
                InvoiceFactory(customer=customers[index], period=D(2026, 11, 1))
                if index == rolled_back:
                    time.sleep(0.2)  # holding the counter while the others wait
                    raise ForcedRollback
        except ForcedRollback:
            pass

    errors = _in_threads(50, issue)

    assert errors == []
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"T{n:07d}" for n in range(1, 50)]
    assert not Invoice.objects.filter(customer=customers[rolled_back]).exists()
    assert InvoiceCounter.objects.get(prefix="T").last_number == 49


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_invoice_each_customer_once():
    customers = [CustomerFactory() for _ in range(30)]
    for customer in customers:
        SubscriptionFactory(customer=customer)
    ids = [customer.pk for customer in customers]
    results = []

    def run(index: int) -> None:
        results.append(
            billing_run_customers(
                customer_ids=ids if index == 0 else ids[::-1],
                period=D(2026, 11, 1),
                issue_date=D(2026, 11, 25),
                notify=False,
                render_pdf=False,
            )
        )

    errors = _in_threads(2, run)

    assert errors == []
    assert sum(result.issued for result in results) == 30
    assert sum(result.already_invoiced for result in results) == 30
    assert Invoice.objects.count() == 30
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"T{n:07d}" for n in range(1, 31)]


def _subscribed(count: int) -> list[int]:
    customers = [CustomerFactory() for _ in range(count)]
    for customer in customers:
        SubscriptionFactory(customer=customer)
    return [customer.pk for customer in customers]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_runs_in_parallel_take_blocks_without_gap_even_when_a_chunk_rolls_back(monkeypatch):
    """Three runs at once, chunk by chunk (blocks of numbers): two on different customers, one
    on the same customers as the first; one chunk dies half-way (rolled back)."""
    from guichet.billing.services import billing_run_customers as run_chunk
    from guichet.billing.services import run as run_module

    first, second = _subscribed(40), _subscribed(40)
    real = run_module.invoice_numbers_take
    died = []

    def dies_once_with_a_block(count, **kwargs):
        numbers = real(count, **kwargs)
        if count > 0 and not died and threading.current_thread().name == "chunk-0":
            died.append(numbers)
            time.sleep(0.2)  # holding the counter while the others wait
            raise ForcedRollback
        return numbers

    monkeypatch.setattr(run_module, "invoice_numbers_take", dies_once_with_a_block)
    plans = [first, second, first[::-1]]

    def work(index: int) -> None:
        threading.current_thread().name = f"chunk-{index}"
        ids = plans[index]
        for start in range(0, len(ids), 10):
            with contextlib.suppress(ForcedRollback):
                run_chunk(
                    customer_ids=ids[start : start + 10],
                    period=D(2026, 11, 1),
                    issue_date=D(2026, 11, 25),
                    notify=False,
                    render_pdf=False,
                )

    errors = _in_threads(3, work)

    assert errors == [] and len(died) == 1
    invoiced = Invoice.objects.count()
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [
        f"T{n:07d}" for n in range(1, invoiced + 1)
    ]
    assert InvoiceCounter.objects.get(prefix="T").last_number == invoiced
    # The rolled-back chunk's customers (the first run's) were billed by the run going the
    # other way, or wait for the next run; nobody twice.
    customers = list(Invoice.objects.values_list("customer_id", flat=True))
    assert len(customers) == len(set(customers))
    assert set(second) <= set(customers)
    assert invoiced >= 70

    # Running the month again bills whoever is left, with the next numbers.
    work_again = run_chunk(
        customer_ids=first + second,
        period=D(2026, 11, 1),
        issue_date=D(2026, 11, 25),
        notify=False,
        render_pdf=False,
    )
    assert Invoice.objects.count() == 80
    assert work_again.issued == 80 - invoiced
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [
        f"T{n:07d}" for n in range(1, 81)
    ]
