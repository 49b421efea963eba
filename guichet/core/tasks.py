"""Background jobs of the core app: sending the e-mail outbox."""

from celery import shared_task

from .emails import outbox_send, outbox_send_many, outbox_sweep


# acks_late: a worker that dies mid-task leaves the message to another worker; the row's
# claim keeps that second run from sending the e-mail again. A failed send never raises
# (the row keeps its error and its next attempt), so eager mode never breaks the caller.
@shared_task(acks_late=True, ignore_result=True)
def send_outbox_email(email_id: int) -> None:
    outbox_send(email_id=email_id)


# Many at once (a chunk of a billing run): each row is still claimed on its own.
@shared_task(acks_late=True, ignore_result=True)
def send_outbox_emails(email_ids: list[int]) -> None:
    outbox_send_many(email_ids=email_ids)


@shared_task(ignore_result=True)
def sweep_outbox() -> int:
    return outbox_sweep()
