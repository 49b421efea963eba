"""Locust scenario of subscribers: log in, home, « Mes services », « Mes factures », a PDF.

Run by bench/load.py, which prepares the database and the server; by hand:

    LOAD_SUBSCRIBERS=subscribers.json locust -f bench/locustfile.py --headless \
        -u 50 -r 10 -t 2m --host http://127.0.0.1:8750

LOAD_SUBSCRIBERS names a JSON list of [reference, password]; each simulated user takes its
own subscriber and opens its latest invoice's PDF. The server is gunicorn on the loopback
with production settings and TRUSTED_PROXY_COUNT=1: the client speaks for the
TLS-terminating proxy, sending X-Forwarded-Proto: https and the browser's address in
X-Forwarded-For (each user its own, in 198.18.0.0/15, the range set aside for benchmarks),
and the Origin a browser sends with a form. Secure (__Host-) cookies travel over the plain
loopback connection as the browser sends them over TLS to the proxy (the cookie jar is told
the connection is secure).

LOAD_FIRST=N: users take subscribers from the N-th on (bench/load.py warms the server up with
others than the measured ones). LOAD_MODE=burst: each user logs in once (form, then POST)
and stops; with -u 50 -r 50 that is 50 logins at once. Otherwise each user visits in a loop
with a think time of LOAD_THINK_MIN to LOAD_THINK_MAX seconds (1 to 5 by default) between
pages, and logs out at the end.
"""

import itertools
import json
import os
import re
from http.cookiejar import DefaultCookiePolicy
from urllib.parse import urlsplit

from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import StopUser

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_PDF = re.compile(r'href="(/mes-factures/[^"/]+\.pdf)"')
_SUBSCRIBERS: list[list[str]] = []
_NEXT = itertools.count()
HOME = "/accueil/"
BURST = os.environ.get("LOAD_MODE") == "burst"


@events.init.add_listener
def _load_subscribers(environment, **_kwargs):
    path = os.environ.get("LOAD_SUBSCRIBERS")
    if not path:
        raise SystemExit("LOAD_SUBSCRIBERS must name the JSON list of [reference, password].")
    with open(path, encoding="utf-8") as handle:
        _SUBSCRIBERS[:] = json.load(handle)


class _SecureBehindProxy(DefaultCookiePolicy):
    """Send Secure cookies on the plain connection: TLS ends at the proxy we stand for."""

    def return_ok_secure(self, cookie, request):
        return True


class Subscriber(FastHttpUser):
    wait_time = between(
        float(os.environ.get("LOAD_THINK_MIN", "1")), float(os.environ.get("LOAD_THINK_MAX", "5"))
    )
    # One connection per user, as one browser; no redirect followed (each page is named).
    concurrency = 1

    def on_start(self):
        number = next(_NEXT) + int(os.environ.get("LOAD_FIRST", "0"))
        if number >= len(_SUBSCRIBERS):
            raise StopUser(f"only {len(_SUBSCRIBERS)} subscribers for {number + 1} users")
        self.reference, self.password = _SUBSCRIBERS[number]
        self.client.cookiejar.set_policy(_SecureBehindProxy())
        origin = "https://" + urlsplit(self.host).netloc
        self.headers = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": f"198.18.{number // 250}.{number % 250 + 1}",
            "Accept-Language": "fr-FR,fr;q=0.9",
        }
        self.post_headers = {**self.headers, "Origin": origin}
        self.logged_in = False

    def page(self, path: str, name: str, *, expect: str = "text/html") -> str:
        with self.client.get(
            path, name=name, headers=self.headers, allow_redirects=False, catch_response=True
        ) as response:
            kind = response.headers.get("Content-Type", "") if response.headers else ""
            if response.status_code != 200 or not kind.startswith(expect):
                response.failure(f"{response.status_code} {kind} (expected 200 {expect})")
                return ""
            return response.text if expect == "text/html" else ""

    def csrf_token(self, html: str) -> str:
        match = _CSRF.search(html)
        return match.group(1) if match else ""

    def log_in(self) -> None:
        token = self.csrf_token(self.page("/connexion/", "GET /connexion/ (login form)"))
        with self.client.post(
            "/connexion/",
            data={"csrfmiddlewaretoken": token, "login": self.reference, "password": self.password},
            name="POST /connexion/ (login)",
            headers=self.post_headers,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "") if response.headers else ""
            if response.status_code != 302 or location != HOME:
                response.failure(f"{response.status_code} to {location!r} (expected 302 to {HOME})")
                return
        self.logged_in = True

    @task
    def visit(self):
        if BURST:
            self.log_in()
            raise StopUser()
        if not self.logged_in:
            self.log_in()
            if not self.logged_in:
                return
            self.wait()
        home = self.page(HOME, f"GET {HOME}")
        self.wait()
        self.page("/mes-services/", "GET /mes-services/")
        self.wait()
        invoices = self.page("/mes-factures/", "GET /mes-factures/")
        pdfs = _PDF.findall(invoices)
        if invoices and not pdfs:
            self.environment.events.request.fire(
                request_type="GET",
                name="GET /mes-factures/",
                response_time=0,
                response_length=0,
                exception=AssertionError("no invoice PDF listed"),
            )
        self.wait()
        if pdfs:
            # The latest invoice, first in the list: the one a subscriber comes for.
            self.page(pdfs[0], "GET /mes-factures/<number>.pdf", expect="application/pdf")
            self.wait()
        token = self.csrf_token(home)
        with self.client.post(
            "/deconnexion/",
            data={"csrfmiddlewaretoken": token},
            name="POST /deconnexion/ (logout)",
            headers=self.post_headers,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"{response.status_code} (expected 302)")
        self.logged_in = False
        self.wait()
