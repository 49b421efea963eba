"""Structured logs: one JSON line per request with its id, no query string, no secret."""

import re

from guichet.core.tests.log_capture import json_log_lines


def test_a_request_logs_one_json_line_and_answers_its_id(client, db, settings):
    settings.GUICHET_TRUSTED_PROXY_COUNT = 1
    with json_log_lines() as lines:
        response = client.get(
            "/connexion/",
            HTTP_X_REQUEST_ID="nginx-5f2b9c7e1a",
            HTTP_X_FORWARDED_FOR="198.51.100.7",
        )
    assert response.status_code == 200
    assert response["X-Request-ID"] == "nginx-5f2b9c7e1a"
    (line,) = lines.of("guichet.request")
    assert line["request_id"] == "nginx-5f2b9c7e1a"
    assert line["level"] == "INFO"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", line["timestamp"])
    assert line["method"] == "GET"
    assert line["path"] == "/connexion/"
    assert line["status"] == 200
    assert line["duration_ms"] >= 0
    assert line["remote_addr"] == "198.51.100.7"
    assert line["user_id"] is None
    assert line["response_bytes"] == len(response.content)


def test_the_user_id_is_logged_not_the_reference(client, customer_user, password):
    client.post("/connexion/", {"login": "01776108", "password": password})
    with json_log_lines() as lines:
        client.get("/accueil/")
    (line,) = lines.of("guichet.request")
    assert line["user_id"] == customer_user.pk
    assert "01776108" not in lines.text


def test_a_bad_or_untrusted_request_id_is_replaced(client, db, settings):
    settings.GUICHET_TRUSTED_PROXY_COUNT = 1
    for bad in ["x" * 65, "short", "id with spaces", "a\nfake-line", "<script>1234</script>"]:
        with json_log_lines() as lines:
            response = client.get("/connexion/", HTTP_X_REQUEST_ID=bad)
        assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"]), bad
        assert lines.of("guichet.request")[0]["request_id"] == response["X-Request-ID"]
        assert bad not in lines.text
    # Without a proxy of ours in front, the header is the client's: never taken.
    settings.GUICHET_TRUSTED_PROXY_COUNT = 0
    response = client.get("/connexion/", HTTP_X_REQUEST_ID="client-chosen-id")
    assert response["X-Request-ID"] != "client-chosen-id"


def test_every_record_of_the_request_carries_its_id(client, db):
    with json_log_lines() as lines:
        response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    assert {line["logger"] for line in lines} >= {"django.request", "guichet.request"}
    assert {line["request_id"] for line in lines} == {request_id}


def test_a_query_string_never_reaches_the_logs(client, db):
    with json_log_lines() as lines:
        client.get("/connexion/?token=s3cr3t-T0ken&next=/accueil/")
        client.get("/cette-page-n-existe-pas/?token=s3cr3t-T0ken")
    assert len(lines.of("guichet.request")) == 2
    assert lines.of("guichet.request")[0]["path"] == "/connexion/"
    assert "s3cr3t-T0ken" not in lines.text


def test_a_task_queued_during_a_request_logs_that_request_id():
    from types import SimpleNamespace

    from guichet.core.logs import (
        TASK_HEADER,
        request_id_var,
        task_finished,
        task_headers_add,
        task_started,
    )

    token = request_id_var.set("0123456789abcdef")
    headers = {}
    task_headers_add(headers=headers)  # before_task_publish, in the web process
    request_id_var.reset(token)
    assert headers == {TASK_HEADER: "0123456789abcdef"}

    # The worker: Celery puts the message's headers on task.request.
    task = SimpleNamespace(request=SimpleNamespace(**headers))
    task_started(task_id="task-1", task=task)
    assert request_id_var.get() == "0123456789abcdef"
    task_finished(task_id="task-1")
    assert request_id_var.get() is None


def test_staff_access_logs_a_line_without_the_search_terms(admin_client, customer):
    with json_log_lines() as lines:
        response = admin_client.get("/back-office/customers/customer/", {"q": "Muller"})
    (entry,) = lines.of("guichet.staff_audit")
    assert entry["event"] == "staff_access"
    assert entry["action"] == "search"
    assert entry["model"] == "customers.customer"
    assert entry["staff_id"] is not None
    assert entry["request_id"] == response["X-Request-ID"]
    assert "Muller" not in lines.text


def test_gunicorn_logs_its_own_lines_through_our_json_format_and_keeps_no_access_log():
    # deploy/systemd/guichet-web.service runs gunicorn -c python:config.gunicorn: its start,
    # worker and time-out lines are JSON like the rest of the journal; no access log (query
    # strings may hold secrets).
    import logging
    import logging.config
    from pathlib import Path

    from django.conf import settings
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    from config import gunicorn as gunicorn_settings

    unit = Path(settings.BASE_DIR, "deploy/systemd/guichet-web.service").read_text()
    assert "gunicorn -c python:config.gunicorn config.wsgi" in unit
    config = gunicorn_settings.logconfig_dict
    assert config["loggers"]["gunicorn.error"]["handlers"] == ["console"]
    assert config["handlers"] == settings.LOGGING["handlers"]
    assert config["formatters"] == settings.LOGGING["formatters"]
    assert config["loggers"]["gunicorn.access"]["handlers"] == []
    before = logging.getLogger("gunicorn.error").handlers[:]
    cfg = Config()
    cfg.set("logconfig_dict", {**config, "handlers": {"console": {"class": "logging.NullHandler"}}})
    try:
        Logger(cfg)  # gunicorn accepts the configuration
        assert not logging.getLogger("gunicorn.access").isEnabledFor(logging.INFO)
    finally:
        logging.config.dictConfig(settings.LOGGING)
        logging.getLogger("gunicorn.error").handlers[:] = before
