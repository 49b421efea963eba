"""Security events in the logs: one JSON line each, the kind and the account, no secret."""

import re

import pytest
from django.core import mail

from guichet.core.tests.log_capture import json_log_lines

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_failed_login_logs_a_security_event_without_the_password(client, customer_user):
    with json_log_lines() as lines:
        response = client.post(
            "/connexion/", {"login": "01776108", "password": "Mauvais-Mot-2026!"}
        )
    (event,) = lines.of("guichet.security")
    assert event["event"] == "security"
    assert event["security_event"] == "login_failed"
    assert event["user_id"] == customer_user.pk
    assert event["request_id"] == response["X-Request-ID"]
    assert "Mauvais-Mot-2026!" not in lines.text


def test_a_reset_logs_a_security_event_without_the_link(client, customer_user):
    with json_log_lines() as lines:
        response = client.post(
            "/mot-de-passe-oublie/",
            {"reference": "01776108", "postal_code": "68000", "captcha": "ok"},
        )
    link = re.search(r"https?://\S+/mot-de-passe/\S+/", mail.outbox[-1].body).group(0)
    (event,) = lines.of("guichet.security")
    assert event["security_event"] == "reset_requested"
    assert event["user_id"] == customer_user.pk
    assert event["request_id"] == response["X-Request-ID"]
    uid, token = link.rstrip("/").split("/")[-2:]
    assert token not in lines.text and uid not in lines.text

    # Following the link: the token in the address is logged by name only.
    path = re.sub(r"^https?://[^/]+", "", link)
    with json_log_lines() as lines:
        client.get(path)
    assert lines.of("guichet.request")[0]["path"] == "/mot-de-passe/<uidb64>/<token>/"
    assert token not in lines.text
