"""A local stand-in of Stripe's API for the Checkout endpoints the Stripe adapter uses.

It speaks HTTP on the loopback interface only, like api.stripe.com does: form-encoded
requests with nested keys (`line_items[0][price_data][unit_amount]=…`), a bearer secret key,
the `Idempotency-Key` header (the same key gives back the same session, the same key with
other parameters is an `idempotency_error`), JSON answers and Stripe-shaped errors. The
official `stripe` library is pointed at it (STRIPE_API_BASE), so the adapter is tested through
the library's real request, retry and error code, and never reaches the internet.

Tests drive what happens on Stripe's side: `complete()`, `expire()`, `fail_async()`, and
`event()`, which builds a webhook body signed the way Stripe signs one
(`Stripe-Signature: t=<timestamp>,v1=<HMAC-SHA256 of "<timestamp>.<body>">`).
"""

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

# Shaped like Stripe's test keys, known only to the stand-in and the tests.
API_KEY = "sk_test_standin_4eC39HqLyjWDarjtT1zdp7dc"
WEBHOOK_SECRET = "whsec_standin_8d7f6e5c4b3a29180716"

SESSION_PATH = re.compile(r"^/v1/checkout/sessions/(?P<id>[A-Za-z0-9_]+)$")


@contextmanager
def stripe_standin_for(settings) -> Iterator["StripeStandin"]:
    """For a pytest fixture: the stand-in running, and Guichet's Stripe settings pointing at
    it (`settings` is pytest-django's fixture, which puts them back afterwards)."""
    with StripeStandin(api_key=API_KEY, webhook_secret=WEBHOOK_SECRET) as server:
        settings.PAYMENTS_PROVIDER = "stripe"
        settings.STRIPE_SECRET_KEY = API_KEY
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.STRIPE_API_BASE = server.url
        yield server


def stripe_signature(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header for `payload`, computed as Stripe documents it."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def form_decode(body: str) -> dict:
    """Stripe's form encoding back into nested dicts and lists: `a[b][0][c]=1`."""
    result: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        head, *rest = key.split("[", 1)
        parts = [head] + (re.findall(r"([^\[\]]*)\]", "[" + rest[0]) if rest else [])
        node = result
        for part, following in zip(parts, parts[1:] + [None], strict=True):
            if following is None:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _lists(result)


def _lists(node):
    """{"0": …, "1": …} becomes a list, as the API reads it."""
    if not isinstance(node, dict):
        return node
    if node and all(key.isdigit() for key in node):
        return [_lists(node[key]) for key in sorted(node, key=int)]
    return {key: _lists(value) for key, value in node.items()}


class StripeStandin:
    """The server and what it holds. Use as a context manager, or start() / stop()."""

    def __init__(self, *, api_key: str, webhook_secret: str):
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.sessions: dict[str, dict] = {}
        # Idempotency-Key → (the parameters first sent with it, the session id).
        self.idempotency: dict[str, tuple[dict, str]] = {}
        # Every request as received: method, path, headers, decoded form.
        self.requests: list[dict] = []
        # Create the next N sessions but drop the connection before answering, as a network
        # failure after Stripe did the work would: the client's retry must not create another.
        self.drop_next_answers = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---

    def start(self) -> "StripeStandin":
        standin = self

        class Handler(_Handler):
            pass

        Handler.standin = standin
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> "StripeStandin":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- what happens on Stripe's side ---

    def complete(self, session_id: str, *, payment_status: str = "paid") -> dict:
        """The customer paid on Stripe's page (or, with « unpaid », started a slower method)."""
        with self._lock:
            session = self.sessions[session_id]
            session.update(status="complete", payment_status=payment_status)
            return dict(session)

    def expire(self, session_id: str) -> dict:
        with self._lock:
            session = self.sessions[session_id]
            session.update(status="expired", url=None)
            return dict(session)

    def fail_async(self, session_id: str) -> dict:
        """A delayed payment method failed after the session completed."""
        with self._lock:
            session = self.sessions[session_id]
            session.update(status="complete", payment_status="unpaid")
            return dict(session)

    def event(
        self,
        event_type: str,
        session_id: str,
        *,
        secret: str | None = None,
        timestamp: int | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """A webhook for `session_id` as Stripe would POST it: body and headers, signed."""
        with self._lock:
            session = dict(self.sessions[session_id])
        body = json.dumps(
            {
                "id": "evt_" + secrets.token_hex(12),
                "object": "event",
                "api_version": "2025-01-27.acacia",
                "created": int(time.time()),
                "livemode": False,
                "pending_webhooks": 1,
                "type": event_type,
                "data": {"object": session},
            }
        )
        signature = stripe_signature(body, secret or self.webhook_secret, timestamp)
        return body.encode(), {"Content-Type": "application/json", "Stripe-Signature": signature}

    # --- the API ---

    def create_session(self, form: dict, idempotency_key: str | None) -> tuple[int, dict]:
        with self._lock:
            if idempotency_key and idempotency_key in self.idempotency:
                first_form, session_id = self.idempotency[idempotency_key]
                if first_form != form:
                    return 400, _error(
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with.",
                    )
                return 200, dict(self.sessions[session_id])
            missing = [name for name in ("mode", "success_url", "line_items") if not form.get(name)]
            if missing:
                return 400, _error(
                    "invalid_request_error", f"Missing required param: {missing[0]}."
                )
            try:
                amount_total = sum(
                    int(item["price_data"]["unit_amount"]) * int(item.get("quantity", 1))
                    for item in form["line_items"]
                )
                currencies = {item["price_data"]["currency"] for item in form["line_items"]}
            except (KeyError, TypeError, ValueError):
                return 400, _error("invalid_request_error", "Invalid line_items.")
            if amount_total <= 0 or len(currencies) != 1:
                return 400, _error("invalid_request_error", "Invalid amount or currency.")
            session_id = "cs_test_" + secrets.token_urlsafe(24).replace("-", "a")
            session = {
                "id": session_id,
                "object": "checkout.session",
                "mode": form["mode"],
                "status": "open",
                "payment_status": "unpaid",
                "amount_total": amount_total,
                "currency": currencies.pop(),
                "client_reference_id": form.get("client_reference_id"),
                "customer_email": form.get("customer_email"),
                "metadata": form.get("metadata", {}),
                "success_url": form["success_url"],
                "cancel_url": form.get("cancel_url"),
                "locale": form.get("locale"),
                "livemode": False,
                "created": int(time.time()),
                "url": f"{self.url}/c/pay/{session_id}",
            }
            self.sessions[session_id] = session
            if idempotency_key:
                self.idempotency[idempotency_key] = (form, session_id)
            return 200, dict(session)

    def retrieve_session(self, session_id: str) -> tuple[int, dict]:
        with self._lock:
            session = self.sessions.get(session_id)
        if session is None:
            return 404, _error(
                "invalid_request_error",
                f"No such checkout.session: '{session_id}'",
                code="resource_missing",
            )
        return 200, dict(session)


def _error(error_type: str, message: str, *, code: str | None = None) -> dict:
    error = {"type": error_type, "message": message}
    if code:
        error["code"] = code
    return {"error": error}


class _Handler(BaseHTTPRequestHandler):
    standin: StripeStandin
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass  # the test output stays readable

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = form_decode(self.rfile.read(length).decode())
        self._record(form)
        if not self._authorised():
            return
        if self.path != "/v1/checkout/sessions":
            return self._answer(404, _error("invalid_request_error", "Unrecognized request URL."))
        status, answer = self.standin.create_session(form, self.headers.get("Idempotency-Key"))
        with self.standin._lock:
            drop = status == 200 and self.standin.drop_next_answers > 0
            if drop:
                self.standin.drop_next_answers -= 1
        if drop:
            self.close_connection = True
            return
        self._answer(status, answer)

    def do_GET(self):
        self._record({})
        if self.path.startswith("/c/pay/"):
            # Stripe's hosted page, where the browser lands; the card form is Stripe's business.
            return self._answer(200, {"page": "checkout"})
        if not self._authorised():
            return
        match = SESSION_PATH.match(self.path)
        if not match:
            return self._answer(404, _error("invalid_request_error", "Unrecognized request URL."))
        self._answer(*self.standin.retrieve_session(match["id"]))

    def _record(self, form: dict) -> None:
        with self.standin._lock:
            self.standin.requests.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": dict(self.headers.items()),
                    "form": form,
                }
            )

    def _authorised(self) -> bool:
        if self.headers.get("Authorization") == f"Bearer {self.standin.api_key}":
            return True
        self._answer(
            401, _error("invalid_request_error", "Invalid API Key provided.", code="api_key")
        )
        return False

    def _answer(self, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Request-Id", "req_" + secrets.token_hex(7))
        self.end_headers()
        self.wfile.write(body)
