"""The parts of .ci/deploy_check.sh that a shell and curl do badly, over HTTP like a visitor.

    deploy_visit.py reset    a subscriber's « Mot de passe oublié »: the page, the anti-robot
                             proof of work solved (altcha), the e-mail read from the SMTP sink,
                             its link followed (200), a new password chosen
    deploy_visit.py notify   the card provider's signed notification of a paid Checkout Session
                             (Stripe's webhook, signed as Stripe signs it), posted twice

Settings come from the environment (see deploy_check.sh). The cookies are __Host- (Secure):
the proxy ends TLS, so they are kept here and sent by hand over plain HTTP to gunicorn.
"""

import email
import email.policy
import hashlib
import hmac
import json
import os
import re
import secrets
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path

import requests
from altcha import Challenge, Payload, solve_challenge

BASE = os.environ["VISIT_BASE"]
HOST = os.environ["DEPLOY_HOST"]
PROXY = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.77"}


def fail(message: str) -> None:
    print(f"== FAILED: {message}", file=sys.stderr)
    sys.exit(1)


class Visitor:
    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {**PROXY, **kwargs.pop("headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers.setdefault("Origin", f"https://{HOST}")
        response = requests.request(
            method, BASE + path, headers=headers, allow_redirects=False, timeout=30, **kwargs
        )
        for header in response.raw.headers.getlist("Set-Cookie"):
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response

    @staticmethod
    def csrf(response: requests.Response) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
        if not match:
            fail(f"no CSRF token on {response.url}")
        return match.group(1)


def wait_for_mail(folder: Path, to: str, seconds: int = 90) -> email.message.EmailMessage:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path in sorted(folder.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if to in message.get("To", "") and path.name not in seen:
                seen.add(path.name)
                return message
        time.sleep(1)
    fail(f"no e-mail to {to} reached the SMTP server in {seconds} s")


seen: set[str] = set()


def reset() -> None:
    reference, postal_code = os.environ["CI_REFERENCE"], os.environ["CI_POSTAL_CODE"]
    to, password = os.environ["CI_EMAIL"], os.environ["CI_PASSWORD"]
    maildir, secret_file = Path(os.environ["CI_MAILDIR"]), Path(os.environ["CI_SECRET_FILE"])
    visitor = Visitor()
    page = visitor.request("GET", "/mot-de-passe-oublie/")
    if page.status_code != 200:
        fail(f"/mot-de-passe-oublie/ answered {page.status_code}")
    challenge_url = re.search(r'<altcha-widget[^>]*challenge="([^"]+)"', page.text)
    if not challenge_url:
        fail("no anti-robot widget on /mot-de-passe-oublie/")
    answer = visitor.request("GET", challenge_url.group(1))
    challenge = Challenge.from_dict(answer.json())
    started = time.monotonic()
    solution = solve_challenge(challenge, timeout=60)
    if solution is None:
        fail("the anti-robot proof of work was not solved in 60 s")
    print(f"   anti-robot proof of work solved in {time.monotonic() - started:.1f} s")
    sent = visitor.request(
        "POST",
        "/mot-de-passe-oublie/",
        data={
            "csrfmiddlewaretoken": visitor.csrf(page),
            "reference": reference,
            "postal_code": postal_code,
            "captcha": Payload(challenge, solution).to_base64(),
        },
    )
    if sent.status_code != 200 or "@" not in sent.text or "errorlist" in sent.text:
        fail(f"the reset request answered {sent.status_code}: {sent.text[:300]}")
    print("   reset requested: 200, the masked address shown")

    message = wait_for_mail(maildir, to)
    body = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(rf"https://{re.escape(HOST)}/mot-de-passe/[^/\s]+/[^/\s]+/", body)
    if not link:
        fail(f"no https://{HOST}/mot-de-passe/… link in the e-mail: {body[:500]}")
    print(f"   e-mail « {message['Subject']} » received by the SMTP server, for {message['To']}")
    path = link.group(0).removeprefix(f"https://{HOST}")
    secret_file.write_text(path.rstrip("/").split("/")[-1] + "\n")

    visitor = Visitor()  # the link is opened elsewhere, in the mail client's browser
    opened = visitor.request("GET", path)
    if opened.status_code != 302:
        fail(f"the e-mail's link answered {opened.status_code}, not a redirect")
    form = visitor.request("GET", opened.headers["Location"])
    if form.status_code != 200 or "new_password1" not in form.text:
        fail(f"the e-mail's link led to a {form.status_code} page without the password form")
    print(f"   the e-mail's link: 302, then {form.status_code} with the new password form")
    chosen = visitor.request(
        "POST",
        opened.headers["Location"],
        data={
            "csrfmiddlewaretoken": visitor.csrf(form),
            "new_password1": password,
            "new_password2": password,
        },
    )
    done = chosen.headers.get("Location", "")
    if chosen.status_code != 302 or not done.endswith("/mot-de-passe/termine/"):
        fail(f"choosing the password answered {chosen.status_code}: {chosen.text[:300]}")
    print("   new password chosen: 302 to /mot-de-passe/termine/")


def notify() -> None:
    reference = os.environ["CI_PAYMENT_REFERENCE"]
    amount = int(os.environ["CI_PAYMENT_AMOUNT_CENTS"])
    session_id = os.environ["CI_PAYMENT_SESSION"]
    secret = os.environ["DEPLOY_STRIPE_WEBHOOK_SECRET"]
    event = {
        "id": "evt_ci_" + secrets.token_hex(12),
        "object": "event",
        "type": "checkout.session.completed",
        "created": int(time.time()),
        "livemode": False,
        "data": {
            "object": {
                "id": session_id,
                "object": "checkout.session",
                "client_reference_id": reference,
                "metadata": {"payment_reference": reference},
                "amount_total": amount,
                "currency": "eur",
                "payment_status": "paid",
                "status": "complete",
            }
        },
    }
    payload = json.dumps(event)
    for attempt in (1, 2):  # a provider may deliver an event twice: one payment all the same
        timestamp = int(time.time())
        signature = hmac.new(
            secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256
        ).hexdigest()
        answer = Visitor().request(
            "POST",
            "/paiement/notification/stripe/",
            data=payload.encode(),
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": f"t={timestamp},v1={signature}",
            },
        )
        if answer.status_code != 200:
            fail(f"the notification answered {answer.status_code}: {answer.text[:300]}")
        print(f"   signed notification {event['id']} delivered ({attempt}): 200")
    forged = Visitor().request(
        "POST",
        "/paiement/notification/stripe/",
        data=payload.encode(),
        headers={"Content-Type": "application/json", "Stripe-Signature": "t=1,v1=00"},
    )
    if forged.status_code != 400:
        fail(f"a notification with a bad signature answered {forged.status_code}")
    print("   the same notification with a bad signature: 400")


if __name__ == "__main__":
    {"reset": reset, "notify": notify}[sys.argv[1]]()
