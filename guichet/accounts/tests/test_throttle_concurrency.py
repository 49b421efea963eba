"""The per-address cap holds under concurrency: atomic counts, check and count in one step.

An audit sent 100 failures at once from one address and got 50-52 through a cap of 50. These
tests send 100 tries at once from 20 threads, each for another account, on the cache the
suite runs with (local memory, or Redis when REDIS_URL is set) and, on PostgreSQL, on the
database cache that production uses without Redis.
"""

import threading

import pytest
from django.core.cache import caches
from django.db import connection, connections
from django.test import override_settings

from guichet.accounts import throttle

TRIES = 100
# 20 threads of 5 tries each: as much contention, without one database connection per try
# (PostgreSQL allows 100 clients by default).
THREADS = 20
CAP = 50


def _concurrent_tries() -> list[bool]:
    barrier = threading.Barrier(THREADS)
    allowed = [False] * TRIES
    errors = []

    def attempt(first: int) -> None:
        try:
            barrier.wait(timeout=30)
            for n in range(first, TRIES, THREADS):
                decision = throttle.login_begin(account=f"ref:0{4000000 + n}", ip="203.0.113.50")
                allowed[n] = decision.allowed
                if decision.allowed:
                    throttle.login_failed(decision)
        except Exception as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return allowed


@pytest.mark.django_db(transaction=True)
def test_100_concurrent_failures_from_one_address_let_through_the_cap(settings):
    settings.GUICHET_IP_MAX_FAILURES = CAP
    assert sum(_concurrent_tries()) == CAP
    # And the address stays capped afterwards.
    assert not throttle.login_begin(account="ref:04999999", ip="203.0.113.50").allowed


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the database cache under concurrent writers: PostgreSQL only (SQLite's in-memory "
    "test database serialises writers with table locks)",
)
def test_the_database_cache_counts_atomically_too(settings):
    settings.GUICHET_IP_MAX_FAILURES = CAP
    database_cache = {
        "default": {"BACKEND": "guichet.core.cache.DatabaseCache", "LOCATION": "guichet_cache"}
    }
    with override_settings(CACHES=database_cache):
        caches["default"].clear()
        try:
            assert sum(_concurrent_tries()) == CAP
        finally:
            caches["default"].clear()


@pytest.mark.django_db
def test_the_database_cache_increments_keep_the_expiry_and_refuse_a_missing_key():
    from guichet.core.cache import DatabaseCache

    cache = DatabaseCache("guichet_cache", {})
    cache.add("compteur", 0, timeout=600)
    assert [cache.incr("compteur") for _ in range(3)] == [1, 2, 3]
    assert cache.decr("compteur") == 2
    assert cache.get("compteur") == 2
    with pytest.raises(ValueError):
        cache.incr("absent")
    cache.set("vieux", 1, timeout=-1)
    with pytest.raises(ValueError):
        cache.incr("vieux")
