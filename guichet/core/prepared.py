"""Read queries the ORM builds and compiles once per process, then runs with other values.

Building a queryset with subqueries and compiling it costs milliseconds of Python, ten times
what the database takes to run it: on the home page, the balance and the offer were half the
time of the page. A `PreparedQuery` asks the ORM once (per database and key, e.g. the day) for
the SQL of a `values_list()` queryset built for a marker id, then runs that SQL with the
caller's id in the marker's place, through the same cursor (so query counts and logging see
it) and the same type converters as the ORM. Same query, same rows; no second SQL dialect.
`objects()` gives model instances, as iterating a plain queryset (no select_related) gives
them, for the pages' small reads of one model.
"""

from collections.abc import Callable, Hashable

from django.db import connections
from django.db.models import QuerySet

# An id no row has; only ever a placeholder in the compiled parameters.
MARKER = -7_101_202_303


class PreparedQuery:
    # Keys are few (a database, a day): past this many, the cache starts again.
    MAX_ENTRIES = 16

    def __init__(self, build: Callable[..., QuerySet], *, marked: bool = True):
        """`build(marker, *key)` returns a queryset filtered on `marker`; unless `marked` is
        False: then `build(*key)` returns one that is the same for everyone (a list of choices)
        and it is run with no value."""
        self.build = build
        self.marked = marked
        self._compiled: dict = {}

    def _compile(self, using: str, key: tuple):
        queryset = self.build(MARKER, *key) if self.marked else self.build(*key)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        positions = [index for index, param in enumerate(params) if param == MARKER]
        if self.marked and not positions:
            raise ValueError("the prepared queryset does not filter on its marker")
        if len(self._compiled) >= self.MAX_ENTRIES:
            self._compiled.clear()
        self._compiled[using, key] = compiled = (compiler, sql, tuple(params), positions)
        return compiled

    def rows(
        self, value: int | None = None, *, key: tuple[Hashable, ...] = (), using: str = "default"
    ):
        """The rows of the queryset built for `value` (and `key`), as the ORM returns them."""
        return self._run(value, key, using)[1]

    def objects(
        self, value: int | None = None, *, key: tuple[Hashable, ...] = (), using: str = "default"
    ):
        """The model instances of the queryset (not a values_list() one) built for `value`."""
        compiler, rows = self._run(value, key, using)
        klass_info = compiler.klass_info
        if klass_info.get("related_klass_infos"):
            raise ValueError("a prepared queryset of objects cannot select_related()")
        model = klass_info["model"]
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        names = [column[0].target.attname for column in compiler.select[start:end]]
        annotations = list(compiler.annotation_col_map.items())
        objects = []
        for row in rows:
            instance = model.from_db(using, names, row[start:end])
            for name, index in annotations:
                setattr(instance, name, row[index])
            objects.append(instance)
        return objects

    def first(
        self, value: int | None = None, *, key: tuple[Hashable, ...] = (), using: str = "default"
    ):
        """The first instance, for a queryset built with `first_of()`; None if there is none."""
        found = self.objects(value, key=key, using=using)
        return found[0] if found else None

    def _run(self, value: int, key: tuple, using: str):
        compiled = self._compiled.get((using, key)) or self._compile(using, key)
        compiler, sql, params, positions = compiled
        params = list(params)
        for index in positions:
            params[index] = value
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        # The ORM's converters (dates from SQLite's text, decimals, booleans...).
        return compiler, list(compiler.results_iter(results=[fetched], tuple_expected=True))


def first_of(queryset: QuerySet) -> QuerySet:
    """The query `.first()` runs: the queryset's ordering (else the primary key's), one row."""
    return (queryset if queryset.ordered else queryset.order_by("pk"))[:1]
