"""Celery application: workers run with `celery -A config worker`."""

import logging.config
import os

from celery import Celery
from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun

from guichet.core import logs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("guichet")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _keep_django_logging(**kwargs) -> None:
    """Workers and beat log through settings.LOGGING (JSON lines in production, with the
    request id), not through Celery's own format (--loglevel is ignored: LOG_LEVEL rules)."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


# A task queued during a request logs that request's id (guichet.core.logs).
before_task_publish.connect(logs.task_headers_add, weak=False)
task_prerun.connect(logs.task_started, weak=False)
task_postrun.connect(logs.task_finished, weak=False)
