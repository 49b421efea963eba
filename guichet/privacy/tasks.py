"""Background jobs of privacy: building a data archive, and the nightly retention purge."""

from celery import shared_task

from .services.export import data_export_build
from .services.purge import purge_run


# Idempotent: only a pending export is claimed, so a message delivered twice builds once.
@shared_task(acks_late=True, ignore_result=True)
def build_data_export(export_id: int) -> None:
    data_export_build(export_id=export_id)


@shared_task(acks_late=True, ignore_result=True)
def purge() -> None:
    purge_run()
