"""Structured logs: a request id on every record, one line per request, JSON in production.

`RequestLogMiddleware` (first in MIDDLEWARE) gives each request an id, puts it in a context
variable that `RequestIdFilter` copies onto every log record of that request (and, through the
task headers below, onto the records of the Celery tasks it queued), answers it in
`X-Request-ID`, and writes one line when the response is ready. `LOG_FORMAT` (settings) picks
JSON (python-json-logger) or text.

Nothing secret reaches these lines: the path is logged without its query string and with the
values of secret URL parameters (reset tokens) replaced by their names; no header, cookie or
body is logged.
"""

import contextlib
import contextvars
import logging
import re
import time
import uuid

from django.conf import settings
from django.core.signals import request_finished
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from .net import client_ip

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "guichet_request_id", default=None
)

request_logger = logging.getLogger("guichet.request")

REQUEST_ID_HEADER = "X-Request-ID"
# What our proxy may hand us (nginx's $request_id is 32 hex digits, a UUID is 36 characters):
# anything longer or with other characters is not logged, a new id is made instead.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# URL parameters that carry a secret (the reset link's token and user id, the e-mail
# confirmation token, the sandbox page's signed token): logged by name, never by value.
SECRET_URL_KWARGS = frozenset({"token", "uidb64"})
# Task message header carrying the request id from the web process to the worker.
TASK_HEADER = "guichet_request_id"


def json_formatter() -> JsonFormatter:
    """The production formatter: one JSON object per line, with timestamp and level."""
    return JsonFormatter(
        ["levelname", "name", "message"],
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp=True,
        # Django's request logger attaches the request object, whose text holds the query
        # string (and a query string may hold a secret): never serialised.
        reserved_attrs=[*RESERVED_ATTRS, "request", "taskName"],
        json_ensure_ascii=False,
    )


class RequestIdFilter(logging.Filter):
    """Every record carries `request_id`: the current request's (or task's), else None."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        return True


def request_id_from(request) -> str:
    """Our proxy's X-Request-ID when we sit behind one and it looks like an id, else a new one."""
    if settings.GUICHET_TRUSTED_PROXY_COUNT > 0:
        candidate = request.headers.get(REQUEST_ID_HEADER, "")
        if _SANE_REQUEST_ID.match(candidate):
            return candidate
    return uuid.uuid4().hex


def loggable_path(request) -> str:
    """The path without its query string, secret URL parameters replaced by their names."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name, value in match.kwargs.items():
            if name in SECRET_URL_KWARGS and isinstance(value, str) and value:
                path = path.replace(value, f"<{name}>")
    return path


def _response_bytes(response) -> int | None:
    if getattr(response, "streaming", False):
        length = response.get("Content-Length")
        return int(length) if length and length.isdigit() else None
    return len(response.content)


class RequestLogMiddleware:
    """One log line per request, with the id the whole request's records share."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request)
        request.request_id = request_id
        # Not reset on the way out: Django logs an error status after the middleware chain;
        # the id is dropped when the response is closed (request_finished, below).
        request_id_var.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        path = loggable_path(request)
        request_logger.info(
            "%s %s %s %.1f ms",
            request.method,
            path,
            response.status_code,
            duration_ms,
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "remote_addr": client_ip(request),
                "user_id": user_id,
                "response_bytes": _response_bytes(response),
            },
        )
        return response


def _request_id_forget(**kwargs) -> None:
    request_id_var.set(None)


request_finished.connect(_request_id_forget, dispatch_uid="guichet.core.logs.request_id")


def task_headers_add(headers=None, **kwargs) -> None:
    """Celery `before_task_publish`: a task queued during a request carries its id."""
    request_id = request_id_var.get()
    if request_id and headers is not None:
        headers.setdefault(TASK_HEADER, request_id)


_task_tokens: dict[str, contextvars.Token] = {}


def task_started(task_id=None, task=None, **kwargs) -> None:
    """Celery `task_prerun`: the task's records carry the id of the request that queued it."""
    request_id = getattr(getattr(task, "request", None), TASK_HEADER, None)
    if request_id and task_id:
        _task_tokens[task_id] = request_id_var.set(request_id)


def task_finished(task_id=None, **kwargs) -> None:
    """Celery `task_postrun`: back to no request id."""
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        with contextlib.suppress(ValueError):  # set in another context
            request_id_var.reset(token)
