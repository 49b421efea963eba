"""What card payment providers tell us, stored before it is acted on.

Every notification (and every outcome learnt by asking the provider about a pending payment)
becomes a PaymentEvent row, unique per provider and event id, in its own short transaction;
the task applying it (`payment_event_apply`) is queued when that row commits. The endpoint
answers at once, and a provider sending the same event 100 times gets one payment.
"""

import dataclasses
import datetime
import json
import logging
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Payment, PaymentEvent
from ..providers import NotificationError, ProviderEvent, provider

logger = logging.getLogger(__name__)

# A provider's event is a few kilobytes; anything far bigger is not one, and is not stored.
MAX_BODY_BYTES = 64 * 1024
# Pending card payments asked about per run of the periodic task.
POLL_BATCH_SIZE = 200


class NotificationRefused(Exception):
    """The notification cannot be trusted (signature, timestamp, body): answered 400."""


def notification_receive(*, provider_name: str, body: bytes, headers) -> PaymentEvent:
    """Verify and store one notification; its application is queued when it commits.

    A duplicate (same provider and event id) returns the row already stored, untouched.
    NotificationRefused when the signature or timestamp is bad: the try is stored as failed
    (under an id of our own, since its event id cannot be trusted) and logged.
    """
    if len(body) > MAX_BODY_BYTES:
        logger.warning("Payment notification from %s refused: %s bytes", provider_name, len(body))
        raise NotificationRefused("body too large")
    try:
        event = provider(provider_name).notification_parse(body=body, headers=headers)
    except NotificationError as error:
        logger.warning("Payment notification from %s refused: %s", provider_name, error)
        PaymentEvent.objects.create(
            provider=provider_name,
            event_id=f"refused-{uuid.uuid4().hex}",
            raw_body=body.decode("utf-8", errors="replace"),
            signature_valid=False,
            status=PaymentEvent.Status.FAILED,
            error=str(error)[:2000],
            processed_at=timezone.now(),
        )
        raise NotificationRefused(str(error)) from None
    return provider_event_record(
        provider_name=provider_name, event=event, raw_body=body.decode("utf-8", errors="replace")
    )


def provider_event_record(
    *, provider_name: str, event: ProviderEvent, raw_body: str
) -> PaymentEvent:
    """Store a verified event once and queue its application; the stored row if it was
    already there (whatever its state: it is never applied twice)."""
    payment = (
        Payment.objects.filter(provider=provider_name, reference=event.payment_reference)
        .only("pk")
        .first()
    )
    row = PaymentEvent(
        provider=provider_name,
        event_id=event.event_id,
        event_type=event.event_type[:100],
        payment=payment,
        raw_body=raw_body,
        signature_valid=True,
        outcome=event.outcome[:20],
        amount_cents=event.amount_cents,
        currency=(event.currency or "")[:3].upper(),
    )
    try:
        with transaction.atomic():
            row.save()
            transaction.on_commit(lambda: _apply_later(row.pk))
    except IntegrityError:
        return PaymentEvent.objects.get(provider=provider_name, event_id=event.event_id)
    return row


def card_payments_poll(*, older_than: datetime.timedelta) -> int:
    """Ask the provider about card payments pending for longer than `older_than` (their
    notification may be lost); what it says goes through the same event path. Returns how
    many events were recorded."""
    pending = list(
        Payment.objects.filter(
            method=Payment.Method.CARD,
            status=Payment.Status.PENDING,
            created_at__lte=timezone.now() - older_than,
        )
        .exclude(provider="")
        .order_by("created_at", "pk")[:POLL_BATCH_SIZE]
    )
    recorded = 0
    for payment in pending:
        try:
            card_provider = provider(payment.provider)
            event = card_provider.payment_outcome(payment=payment)
        except Exception:
            # One provider failing (network, a provider switched off) must not stop the others.
            logger.exception("Could not ask %s about payment %s", payment.provider, payment)
            continue
        if event is None:
            continue
        raw = json.dumps({"polled": True, **dataclasses.asdict(event)}, sort_keys=True)
        provider_event_record(provider_name=payment.provider, event=event, raw_body=raw)
        recorded += 1
    return recorded


def payment_events_sweep(*, older_than: datetime.timedelta = datetime.timedelta(minutes=1)) -> int:
    """Queue again the events stored but never applied (a task lost with its worker)."""
    stuck = list(
        PaymentEvent.objects.filter(
            status=PaymentEvent.Status.RECEIVED, received_at__lte=timezone.now() - older_than
        ).values_list("pk", flat=True)[:POLL_BATCH_SIZE]
    )
    for event_id in stuck:
        _apply_later(event_id)
    return len(stuck)


def _apply_later(event_id: int) -> None:
    from ..tasks import apply_payment_event  # the tasks call these services

    apply_payment_event.delay(event_id)
