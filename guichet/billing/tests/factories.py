"""Factories for invoices: written through invoice_issue, as the portal writes them."""

import datetime

import factory

from guichet.billing.models import Invoice, LineGroup
from guichet.billing.periods import add_months, month_end
from guichet.billing.services import InvoiceDraft, LineDraft, invoice_issue
from guichet.customers.tests.factories import CustomerFactory


def line_draft(
    *,
    label: str = "Offre Internet",
    period: datetime.date = datetime.date(2026, 11, 1),
    price_incl_vat_cents: int = 2990,
    vat_rate_bp: int = 2000,
    group: str = LineGroup.SUBSCRIPTIONS,
    **kwargs,
) -> LineDraft:
    return LineDraft.from_incl_vat(
        group=group,
        label=label,
        period_start=period,
        period_end=month_end(period),
        unit_price_incl_vat_cents=price_incl_vat_cents,
        vat_rate_bp=vat_rate_bp,
        **kwargs,
    )


class InvoiceFactory(factory.Factory):
    """InvoiceFactory(customer=c, issue_date=…) issues a real invoice with the next number."""

    class Meta:
        model = Invoice

    customer = factory.SubFactory(CustomerFactory)
    period = factory.Sequence(lambda n: add_months(datetime.date(2026, 11, 1), -n))
    issue_date = factory.LazyAttribute(lambda o: o.period.replace(day=25))
    payment_method = Invoice.PaymentMethod.ON_RECEIPT
    due_date = factory.LazyAttribute(lambda o: o.issue_date + datetime.timedelta(days=15))
    source = Invoice.Source.BILLING_RUN
    lines = factory.LazyAttribute(lambda o: [line_draft(period=o.period)])
    notify = False
    render_pdf = False

    @classmethod
    def _create(cls, model_class, *, notify, render_pdf, **kwargs):
        return invoice_issue(draft=InvoiceDraft(**kwargs), notify=notify, render_pdf=render_pdf)
