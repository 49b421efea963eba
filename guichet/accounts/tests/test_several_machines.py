"""Web processes keep nothing in memory (issue 11, « several machines »).

Sessions, the login throttle and its per-address counters, and the anti-robot replay
protection all live in the shared cache (Redis, or the database without it: decision 0004) or
the database, so a second web process, on this machine or another, sees what the first one
wrote. `another_process()` drops everything a web process holds in memory between two
requests; the state survives it in production settings, and (the control) would not in the
development cache.
"""

import os

import altcha
import pytest
from asgiref.local import Local
from django.core.cache import caches
from django.core.cache.backends import locmem
from django.test import Client, override_settings

from guichet.core.models import OutboxEmail
from guichet.core.tests.test_settings import PRODUCTION, _manage

pytestmark = pytest.mark.django_db

# What production selects without REDIS_URL (checked against the real settings below).
PRODUCTION_CACHES = {
    "default": {"BACKEND": "guichet.core.cache.DatabaseCache", "LOCATION": "guichet_cache"}
}
# The cache production uses with REDIS_URL, where this run has a Redis (CI's PostgreSQL pass).
SHARED_CACHES = [pytest.param(PRODUCTION_CACHES, id="database")]
if os.environ.get("REDIS_URL"):
    SHARED_CACHES.append(
        pytest.param(
            {
                "default": {
                    "BACKEND": "guichet.core.cache.RedisCache",
                    "LOCATION": os.environ["REDIS_URL"],
                    "KEY_PREFIX": "guichet",
                }
            },
            id="redis",
        )
    )
DEVELOPMENT_CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SENT = "pensez à consulter vos spams"  # the page after a link was sent
SHOW = (
    "from django.conf import settings as s; "
    "print(s.CACHES['default']['BACKEND'], s.CACHES['default'].get('LOCATION'), "
    "s.SESSION_ENGINE)"
)


def another_process():
    """Forget what this process holds in memory: every local-memory cache's entries (they are
    module globals of Django's locmem backend) and the cache connections."""
    for cache in caches.all(initialized_only=True):
        cache.close()
    caches._connections = Local(caches.thread_critical)
    locmem._caches.clear()
    locmem._expire_info.clear()
    locmem._locks.clear()


def _show(**env) -> list[str]:
    result = _manage("shell", "-c", SHOW, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1].split()


def test_production_without_redis_keeps_cache_and_sessions_in_the_database():
    backend, location, sessions = _show(**PRODUCTION, REDIS_URL="")
    assert {"default": {"BACKEND": backend, "LOCATION": location}} == PRODUCTION_CACHES
    assert sessions == "django.contrib.sessions.backends.cached_db"


def test_production_with_redis_keeps_the_cache_in_redis():
    backend, location, sessions = _show(**PRODUCTION, REDIS_URL="redis://10.0.0.5:6379/0")
    assert backend == "guichet.core.cache.RedisCache"
    assert location == "redis://10.0.0.5:6379/0"
    assert sessions == "django.contrib.sessions.backends.cached_db"


def _solved_payload() -> str:
    """A real anti-robot solution, as the browser's widget would send it (a cheap one)."""
    from altcha_django.challenge import build_challenge

    challenge = build_challenge(counter=3)
    solution = altcha.solve_challenge(challenge)
    return altcha.v2.Payload(challenge, solution).to_base64()


def _ask_reset(client, payload):
    return client.post(
        "/mot-de-passe-oublie/",
        {"reference": "01776108", "postal_code": "68000", "captcha": payload},
    )


def _log_in(client, login, password):
    return client.post("/connexion/", {"login": login, "password": password})


@pytest.fixture(params=SHARED_CACHES)
def shared_cache(request):
    """The cache every web process of a production installation shares."""
    with override_settings(CACHES=request.param):
        caches["default"].clear()
        yield
        caches["default"].clear()


@pytest.fixture
def real_anti_robot_check(settings):
    settings.ALTCHA_TEST_MODE = False


def test_a_solved_anti_robot_check_cannot_be_replayed_on_another_process(
    shared_cache, customer, real_anti_robot_check
):
    payload = _solved_payload()
    first = _ask_reset(Client(), payload)
    assert SENT in first.content.decode()

    another_process()
    replay = _ask_reset(Client(), payload)

    assert "déjà servi" in replay.content.decode()
    assert SENT not in replay.content.decode()
    assert OutboxEmail.objects.count() == 1


@override_settings(CACHES=DEVELOPMENT_CACHES)
def test_control_the_development_cache_forgets_it_in_another_process(
    customer, real_anti_robot_check
):
    # Why production never uses local memory: another process would take the same solution.
    payload = _solved_payload()
    assert SENT in _ask_reset(Client(), payload).content.decode()
    another_process()
    assert SENT in _ask_reset(Client(), payload).content.decode()
    assert OutboxEmail.objects.count() == 2


def test_the_login_throttle_counts_across_processes(shared_cache, customer_user, password):
    browser = Client()
    for _ in range(5):
        assert _log_in(browser, "01776108", "not-the-password").status_code == 200
        another_process()

    blocked = _log_in(browser, "01776108", password)

    assert blocked.status_code == 429


def test_the_per_address_cap_counts_across_processes(shared_cache, settings):
    settings.GUICHET_IP_MAX_FAILURES = 3
    browser = Client()
    for n in range(3):
        login = f"0{1000000 + n}"
        assert _log_in(browser, login, "not-the-password").status_code == 200
        another_process()

    blocked = _log_in(browser, "02999999", "not-the-password")

    assert blocked.status_code == 429
    assert "depuis votre connexion Internet" in blocked.content.decode()


def test_a_session_opened_on_one_process_is_known_to_another(shared_cache, customer_user, password):
    browser = Client()
    assert _log_in(browser, "01776108", password).status_code == 302

    another_process()

    assert browser.get("/mes-factures/").status_code == 200
