"""The Redis cache of production makes its redis-py client once per server and keeps it."""

import os
import uuid

import pytest
from django.core.cache.backends.redis import RedisCacheClient

from guichet.core.cache import RedisCache


def _cache(location: str) -> RedisCache:
    return RedisCache(location, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})


def test_one_client_per_server_is_made_and_kept():
    # Nothing connects before a command: no Redis is needed to see the clients.
    cache = _cache("redis://127.0.0.1:1/0")
    first = cache._cache.get_client(write=True)
    assert cache._cache.get_client() is first
    assert cache._cache.get_client("some key", write=True) is first
    assert first.connection_pool is cache._cache._get_connection_pool(write=True)
    # Django's own client builds a new one each time: what this backend saves.
    django_client = RedisCacheClient(["redis://127.0.0.1:1/0"])
    assert django_client.get_client() is not django_client.get_client()


def test_replicas_are_read_through_their_own_kept_clients():
    cache = _cache("redis://127.0.0.1:1/0,redis://127.0.0.1:2/0")
    writer = cache._cache.get_client(write=True)
    reader = cache._cache.get_client()
    assert reader is not writer
    assert reader.connection_pool.connection_kwargs["port"] == 2
    assert cache._cache.get_client() is reader
    assert cache._cache.get_client(write=True) is writer


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a Redis (REDIS_URL)")
def test_it_caches_counts_and_forgets_like_djangos():
    cache = _cache(os.environ["REDIS_URL"])
    try:
        assert cache.get("absent", "default") == "default"
        cache.set("word", {"a": 1}, 30)
        assert cache.get("word") == {"a": 1}
        assert cache.add("count", 1, 30) is True
        assert cache.add("count", 5, 30) is False
        assert cache.incr("count", 2) == 3
        cache.delete("word")
        assert cache.get("word") is None
        assert cache.get_many(["count", "word"]) == {"count": 3}
    finally:
        cache.delete_many(["word", "count"])
        cache.close()
