"""The monthly billing run (E5): `manage.py billing_run --period 2026-11`."""

import datetime
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import transaction

from guichet.billing import services
from guichet.billing.models import Invoice, InvoiceLine, LineGroup
from guichet.billing.services import billing_run
from guichet.billing.tasks import bill_customers
from guichet.catalog.tests.factories import ProductFactory, SubscriptionFactory
from guichet.core.models import OutboxEmail
from guichet.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

D = datetime.date
NOW = datetime.datetime(2026, 11, 26, 8, 0, tzinfo=datetime.UTC)
NOVEMBER = D(2026, 11, 1)
LONG_AGO = D(2024, 1, 15)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def run(*args) -> str:
    out = io.StringIO()
    call_command("billing_run", *args, "--no-progress", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def subscribe(customer, price=2990, vat=2000, start=LONG_AGO, end=None, **kwargs):
    product = ProductFactory(monthly_price_cents=price, vat_rate_bp=vat, **kwargs)
    return SubscriptionFactory(customer=customer, product=product, start_date=start, end_date=end)


def test_it_invoices_every_active_subscription_of_the_month(customer, other_customer):
    subscribe(customer, price=5990, name="Offre Confort")
    subscribe(customer, price=2990, start=D(2026, 11, 15), name="Mobile")
    subscribe(customer, price=990, end=D(2026, 10, 31), name="Option résiliée")
    subscribe(other_customer, price=3490, end=D(2026, 11, 10), name="EXTREME")
    nobody = CustomerFactory()
    subscribe(nobody, start=D(2026, 12, 1))

    output = run("--period", "2026-11")

    invoice = Invoice.objects.get(customer=customer)
    assert invoice.period == NOVEMBER
    assert invoice.issue_date == D(2026, 11, 26)
    assert invoice.due_date == D(2026, 12, 11)  # 15 days to pay by default
    assert invoice.source == Invoice.Source.BILLING_RUN
    assert [(line.label, line.amount_incl_vat_cents) for line in invoice.lines.all()] == [
        ("Offre Confort", 5990),
        ("Mobile", 1595),
    ]
    assert invoice.total_incl_vat_cents == 7585
    other = Invoice.objects.get(customer=other_customer)
    assert other.total_incl_vat_cents == 1163  # 34,90 × 10 / 30 = 11,633
    assert not Invoice.objects.filter(customer=nobody).exists()
    assert "2 factures émises" in output
    assert "total 87,48\u00a0€ TTC" in output


def test_running_the_month_twice_creates_nothing(customer, other_customer):
    subscribe(customer)
    subscribe(other_customer)
    run("--period", "2026-11")
    invoices = list(Invoice.objects.order_by("pk").values_list("pk", "number"))
    lines = InvoiceLine.objects.count()
    emails = OutboxEmail.objects.count()

    output = run("--period", "2026-11")

    assert list(Invoice.objects.order_by("pk").values_list("pk", "number")) == invoices
    assert InvoiceLine.objects.count() == lines
    assert OutboxEmail.objects.count() == emails
    assert "0 clients à facturer" in output
    assert "0 factures émises" in output
    # Even a customer handed to the run again is left alone.
    again = services.billing_run_customers(
        customer_ids=[customer.pk, other_customer.pk], period=NOVEMBER, issue_date=D(2026, 11, 26)
    )
    assert (again.issued, again.already_invoiced) == (0, 2)
    assert Invoice.objects.count() == 2


def test_numbers_follow_each_other_with_the_operators_prefix(settings):
    settings.BILLING_INVOICE_PREFIX = "T"
    customers = [CustomerFactory() for _ in range(3)]
    for customer in customers:
        subscribe(customer)

    run("--period", "2026-10")
    run("--period", "2026-11")

    assert list(Invoice.objects.order_by("number").values_list("number", flat=True)) == [
        f"T{n:07d}" for n in range(1, 7)
    ]
    assert all(line.group == LineGroup.SUBSCRIPTIONS for line in InvoiceLine.objects.all())


def test_a_customer_with_nothing_to_pay_gets_no_invoice(customer, other_customer):
    subscribe(customer, price=0)
    subscribe(other_customer, price=0)
    SubscriptionFactory(customer=other_customer, product=ProductFactory(), price_cents=0)

    output = run("--period", "2026-11")
    result = services.billing_run_customers(
        customer_ids=[customer.pk], period=NOVEMBER, issue_date=D(2026, 11, 26)
    )

    assert not Invoice.objects.exists()
    assert "0 clients à facturer" in output
    assert result.nothing_to_bill == 1


def test_one_failing_customer_does_not_stop_the_run(customer, other_customer, monkeypatch):
    subscribe(customer)
    subscribe(other_customer)
    real_terms = services.run.payment_terms

    def terms(*, customer, issue_date):
        if customer.reference == "09999999":
            raise RuntimeError("payment terms unavailable")
        return real_terms(customer=customer, issue_date=issue_date)

    monkeypatch.setattr(services.run, "payment_terms", terms)

    with pytest.raises(CommandError, match="1 client"):
        run("--period", "2026-11")

    assert list(Invoice.objects.values_list("customer", flat=True)) == [customer.pk]
    monkeypatch.setattr(services.run, "payment_terms", real_terms)
    assert "1 facture émise" in run("--period", "2026-11")
    assert Invoice.objects.count() == 2


def test_it_fans_out_to_celery_workers_when_a_broker_is_configured(
    settings, customer, other_customer, monkeypatch
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    subscribe(customer)
    subscribe(other_customer)
    queued = []

    def delay(*args):
        queued.append(args)
        bill_customers(*args)  # what a worker does with the message

    monkeypatch.setattr(bill_customers, "delay", delay)
    monkeypatch.setattr("time.sleep", lambda seconds: None)

    output = run("--period", "2026-11", "--batch-size", "1", "--no-notify")

    assert len(queued) == 2
    assert queued[0][1:] == ("2026-11-01", "2026-11-26", False, True)
    assert Invoice.objects.count() == 2
    assert "2 tâches confiées aux workers" in output
    assert "2 factures émises" in output


def test_it_refuses_a_bad_period_or_a_future_date():
    with pytest.raises(CommandError, match="AAAA-MM"):
        run("--period", "novembre")
    with pytest.raises(CommandError, match="futur"):
        run("--period", "2026-11", "--issue-date", "2026-11-27")


def test_issuing_queues_the_invoice_email_in_the_same_transaction(
    customer, other_customer, django_capture_on_commit_callbacks
):
    customer.invoice_email = "claire.factures@example.fr"
    customer.invoice_email_opt_in = True
    customer.save()
    subscribe(customer, price=4290)
    subscribe(other_customer)  # did not ask for the e-mail

    with django_capture_on_commit_callbacks(execute=True):
        billing_run(period=NOVEMBER, issue_date=D(2026, 11, 26), render_pdf=False)

    [email] = OutboxEmail.objects.all()
    invoice = Invoice.objects.get(customer=customer)
    assert email.to == "claire.factures@example.fr"
    assert email.template == "invoice_available"
    assert email.subject == f"Votre facture {invoice.number} est disponible"
    for text in (invoice.number, "26/11/2026", "42,90\u00a0€", "11/12/2026", "/mes-factures/"):
        assert text in email.body_text
    assert "Voir mes factures" in email.body_html
    assert "vous avez demandé à être notifié" in email.body_html
    assert [message.to for message in mail.outbox] == [["claire.factures@example.fr"]]


def test_no_email_and_no_number_are_left_when_the_issue_rolls_back(customer):
    customer.invoice_email = "claire@example.fr"
    customer.invoice_email_opt_in = True
    customer.save()
    subscribe(customer)

    with pytest.raises(RuntimeError), transaction.atomic():
        billing_run(period=NOVEMBER, issue_date=D(2026, 11, 26))
        raise RuntimeError("the run is interrupted")

    assert not Invoice.objects.exists()
    assert not OutboxEmail.objects.exists()
    billing_run(period=NOVEMBER, issue_date=D(2026, 11, 26))
    assert Invoice.objects.get().number == "T0000001"


def test_the_pdf_is_rendered_once_the_invoice_is_committed(
    customer, django_capture_on_commit_callbacks
):
    subscribe(customer)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        billing_run(period=NOVEMBER, issue_date=D(2026, 11, 26))
    invoice = Invoice.objects.get()
    assert invoice.pdf_sha256 == ""  # nothing rendered before the commit

    for callback in callbacks:
        callback()

    invoice.refresh_from_db()
    assert len(invoice.pdf_sha256) == 64
    assert invoice.pdf.name == f"factures/2026/11/{invoice.number}.pdf"
