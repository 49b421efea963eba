"""Background jobs of the API: the nightly purge of old call records."""

from celery import shared_task

from .services import api_calls_purge


@shared_task(acks_late=True, ignore_result=True)
def purge_calls() -> None:
    api_calls_purge()
