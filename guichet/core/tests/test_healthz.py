"""/healthz: database, cache, broker and storage; 503 naming what is down, never a 500."""

import time
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.db import OperationalError, connection
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_everything_up_answers_200_with_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "broker": "not used",
        "storage": "ok",
    }
    assert "no-store" in response["Cache-Control"]


def test_the_storage_probe_leaves_nothing_behind(client):
    assert client.get("/healthz").status_code == 200
    assert not default_storage.exists("healthz") or default_storage.listdir("healthz")[1] == []


def test_cache_down_answers_503_naming_it(client, settings):
    unreachable = {
        **settings.CACHES,
        "default": {
            "BACKEND": "guichet.core.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }
    with override_settings(CACHES=unreachable):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["cache"] == "down"
    assert body["down"] == ["cache"]
    assert body["database"] == "ok"


def test_database_down_answers_503_naming_it(client):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("gone")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"
    assert response.json()["down"] == ["database"]


def test_storage_failing_answers_503_naming_it(client):
    with mock.patch.object(default_storage, "save", side_effect=OSError("disk full")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["storage"] == "down"
    assert response.json()["down"] == ["storage"]


def test_broker_unreachable_answers_503_quickly(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert response.json()["broker"] == "down"


def test_a_check_that_hangs_is_given_up(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"

    def hang(*args, **kwargs):
        time.sleep(4)

    with (
        mock.patch("guichet.core.views.HEALTH_TIMEOUT_SECONDS", 0.5),
        mock.patch("guichet.core.views._check_broker", side_effect=hang),
    ):
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    assert elapsed < 3
    assert response.status_code == 503
    assert response.json()["broker"] == "down"


def test_broker_reachable_is_ok(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"
    with mock.patch("guichet.core.views.kombu.Connection") as broker:
        response = client.get("/healthz")
    assert broker.return_value.__enter__.return_value.ensure_connection.called
    assert response.json()["broker"] == "ok"
