"""Background jobs of payments: applying a provider's event, asking about pending payments."""

import datetime

from celery import shared_task
from django.conf import settings

from .services.card import payment_event_apply
from .services.debits import debit_collections_confirm
from .services.notifications import card_payments_poll, payment_events_sweep


# acks_late: a worker dying mid-task leaves the message to another; the event's row lock and
# status make the second run a no-op if the first had committed.
@shared_task(acks_late=True, ignore_result=True)
def apply_payment_event(event_id: int) -> None:
    payment_event_apply(event_id=event_id)


@shared_task(ignore_result=True)
def poll_pending_payments() -> int:
    """Beat, every 5 minutes: events whose task was lost, then payments left pending."""
    payment_events_sweep()
    return card_payments_poll(
        older_than=datetime.timedelta(minutes=settings.PAYMENTS_PENDING_POLL_MINUTES)
    )


@shared_task(ignore_result=True)
def confirm_debit_collections() -> int:
    """Beat, hourly: debits whose collection date has come count as paid (the ledger settles)."""
    return debit_collections_confirm()
