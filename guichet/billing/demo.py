"""Demo invoices: 14 months of the same billing run the operator uses, called by load_demo()."""

import datetime

from django.utils import timezone

from .periods import add_months
from .services import billing_run

DEMO_MONTHS = 14
# The demo operator bills on the 25th of each month.
DEMO_BILLING_DAY = 25


def demo_invoices(*, today: datetime.date | None = None) -> int:
    """Bill the last 14 months (what is missing only); returns how many invoices were issued.

    Past months are not notified by e-mail; their PDFs are rendered when first opened. The
    invoices already due are settled by payments, which billing does not know: the demo
    loader has guichet.payments.demo record them after this.
    """
    today = today or timezone.localdate()
    last = today.replace(day=1)
    if today.day < DEMO_BILLING_DAY:
        last = add_months(last, -1)
    issued = 0
    for months_back in range(DEMO_MONTHS - 1, -1, -1):
        period = add_months(last, -months_back)
        result = billing_run(
            period=period,
            issue_date=period.replace(day=DEMO_BILLING_DAY),
            notify=months_back == 0,
            render_pdf=False,
        )
        issued += result.issued
    return issued
