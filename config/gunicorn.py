"""gunicorn's settings for the web service: `gunicorn -c python:config.gunicorn config.wsgi ...`
(deploy/systemd/guichet-web.service).

gunicorn's own lines (started, listening, worker booted, exiting, timed out) go through
settings.LOGGING like every other line of the service: JSON objects with `LOG_FORMAT=json`,
so `journalctl -u guichet-web -o cat | jq` reads every line, not gunicorn's text format in
the middle (in the local time zone). A bad setting stops the master at once, naming it.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.conf import settings  # noqa: E402  (the settings module named just above)

logconfig_dict = {
    **settings.LOGGING,
    "loggers": {
        **settings.LOGGING.get("loggers", {}),
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # No access log (a logging configuration would turn gunicorn's on): its lines hold the
        # query string, which may carry a secret. Guichet writes one line per request itself.
        "gunicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
    },
}
