"""Bulk INSERTs of a billing run's chunk without Django's per-value preparation: COPY on
PostgreSQL, one prepared statement run for every row (executemany) on SQLite."""

import json
from collections.abc import Callable, Sequence

from django.db import connection, models

# Fields whose Python value is already what the database driver takes: Django's own classes
# exactly, not a subclass of them (an encrypting or hashing field converts its values).
AS_IS = frozenset(
    {
        models.AutoField,
        models.BigAutoField,
        models.BigIntegerField,
        models.BooleanField,
        models.CharField,
        models.ForeignKey,
        models.IntegerField,
        models.PositiveIntegerField,
        models.PositiveSmallIntegerField,
        models.SmallIntegerField,
        models.TextField,
    }
)


def rows_insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert these unsaved instances as they are (every concrete field but the primary key;
    auto_now_add fields must be set by the caller), in one statement. Their ids are the
    caller's to read back (the billing run: by customer and period, which are unique).

    One statement, so that PostgreSQL's statement triggers (the lines guard, decision 0016)
    see the whole chunk at once, as with bulk_create.
    """
    if not objs:
        return
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    if any(getattr(field, "auto_now", False) for field in fields):
        # pre_save is not run: a date of the last change would be left unset.
        raise ValueError(f"rows_insert cannot fill {model.__name__}'s auto_now fields")
    attnames = [field.attname for field in fields]
    converters = [_converter(field) for field in fields]
    rows = [
        tuple(
            value if convert is None else convert(value)
            for value, convert in zip(
                [getattr(obj, attname) for attname in attnames], converters, strict=True
            )
        )
        for obj in objs
    ]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The psycopg cursor under Django's wrapper: COPY has no Django API. Its errors
            # made Django's (IntegrityError…), as a bulk_create raises them.
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            # Names from the model, quoted; values bound.
            sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
            cursor.executemany(sql, rows)


def _converter(field: models.Field) -> Callable | None:
    """How a value of this field goes to the database; None when as it is."""
    kind = type(field)
    if kind in AS_IS:
        return None
    if kind is models.JSONField:
        # Text either way: COPY reads jsonb from it, SQLite stores it; None is SQL's NULL.
        return lambda value: None if value is None else json.dumps(value, cls=field.encoder)
    if kind is models.DateField:
        return connection.ops.adapt_datefield_value
    if kind is models.DateTimeField:
        return connection.ops.adapt_datetimefield_value
    if kind is models.FileField:
        return lambda value: value.name or "" if value else ""
    return lambda value: field.get_db_prep_save(value, connection)
