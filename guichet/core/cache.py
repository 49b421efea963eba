"""Django's database cache with an atomic `incr`, for production without Redis.

Django's own DatabaseCache increments by reading the value and writing it back, so two web
workers counting at once lose a count, and the write also resets the entry's expiry. The
brute-force counters (guichet/accounts/throttle.py) need a real atomic increment: here it is a
compare-and-swap UPDATE, retried when another worker changed the value in between, that
leaves the expiry alone. Redis and the local-memory cache increment atomically already.
"""

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router
from django.utils.timezone import now as tz_now

MAX_RETRIES = 1000


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
