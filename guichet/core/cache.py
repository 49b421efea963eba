"""The cache backends of production: Redis with its client made once, or the database.

Django's Redis backend builds a new redis-py client for every cache operation (a page reads
its session, a login touches the throttle's counters a dozen times), and building one fills
its table of a few hundred response callbacks: about 0.15 ms each time, for nothing, since a
redis-py client is safe to share and holds no connection of its own (its pool does).
`RedisCache` makes one client per connection pool and keeps it.

Django's database cache with an atomic `incr`, for production without Redis:

Django's own DatabaseCache increments by reading the value and writing it back, so two web
workers counting at once lose a count, and the write also resets the entry's expiry. The
brute-force counters (guichet/accounts/throttle.py) need a real atomic increment: here it is a
compare-and-swap UPDATE, retried when another worker changed the value in between, that
leaves the expiry alone. Redis and the local-memory cache increment atomically already.
"""

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.db import connections, router
from django.utils.timezone import now as tz_now

MAX_RETRIES = 1000


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, with one redis-py client per server kept, not rebuilt."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(
                    self._servers[index], **self._pool_options
                )
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient


class DatabaseCache(DjangoDatabaseCache):
    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote_name = connection.ops.quote_name
        table = quote_name(self._table)
        # Only quoted names of our own go into the SQL; every value is a parameter.
        value, cache_key, expires = (quote_name(n) for n in ("value", "cache_key", "expires"))
        select = f"SELECT {value} FROM {table} WHERE {cache_key} = %s AND {expires} > %s"  # noqa: S608
        update = f"UPDATE {table} SET {value} = %s WHERE {cache_key} = %s AND {value} = %s"  # noqa: S608
        for _ in range(MAX_RETRIES):
            now = connection.ops.adapt_datetimefield_value(tz_now().replace(microsecond=0))
            with connection.cursor() as cursor:
                cursor.execute(select, [key, now])
                row = cursor.fetchone()
                if row is None:
                    raise ValueError(f"Key '{key}' not found")
                old = connection.ops.process_clob(row[0])
                new_value = pickle.loads(base64.b64decode(old.encode())) + delta  # noqa: S301
                new = base64.b64encode(pickle.dumps(new_value, self.pickle_protocol)).decode(
                    "latin1"
                )
                cursor.execute(update, [new, key, old])
                if cursor.rowcount == 1:
                    return new_value
        raise RuntimeError(f"Cache key '{key}' changed {MAX_RETRIES} times while incrementing")

    def decr(self, key, delta=1, version=None):
        return self.incr(key, -delta, version=version)
