"""Bulk inserts for imports: PostgreSQL COPY (other databases: executemany), with history rows.

Django's bulk_create spends most of a 10,000-row import preparing values field by field; an
import already holds clean Python values, so we pre-allocate primary keys from the sequence and
stream plain tuples. The django-simple-history rows are then copied by the database from the rows
just written (same columns plus history_date/history_type/history_user/history_change_reason), so
every imported row still has its "+ created by <user>, import #N" history entry.
"""

from __future__ import annotations

import csv
import io
import json
import uuid

from django.db import connection, models
from django.utils import timezone


class _Null(float):
    """Written by csv.writer (QUOTE_NONNUMERIC) as an unquoted empty field: NULL in COPY ... CSV,
    while real empty strings are quoted ("") and stay empty strings."""

    def __str__(self) -> str:
        return ""

    __repr__ = __str__


NULL = _Null(0)


def allocate_ids(model, n: int) -> list[int]:
    """n fresh primary keys for ``model`` (inside the caller's transaction)."""
    if n == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n])
            return [r[0] for r in cur.fetchall()]
        cur.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608 (table name from model meta)
        start = cur.fetchone()[0] + 1
        return list(range(start, start + n))


def copy_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            buf = io.StringIO()
            writer = csv.writer(buf, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
            writer.writerows([NULL if v is None else v for v in row] for row in rows)
            buf.seek(0)
            cols = ", ".join(f'"{c}"' for c in columns)
            cur.cursor.copy_expert(f'COPY "{table}" ({cols}) FROM STDIN WITH (FORMAT csv)', buf)
        else:
            cols = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join(["%s"] * len(columns))
            cur.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)  # noqa: S608


def insert_with_history(model, rows: list[dict], *, user, reason: str) -> list[int]:
    """Insert ``rows`` (attname → value, without id) and one '+' history row each. Returns ids in
    order. Fields missing from a row get their model default."""
    if not rows:
        return []
    fields = [f for f in model._meta.concrete_fields if f.attname != "id"]
    now = timezone.now()
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        elif f.has_default():
            defaults[f.attname] = f.get_default()
        else:
            defaults[f.attname] = None if f.null else ""
    ids = allocate_ids(model, len(rows))
    columns = ["id", *[f.column for f in fields]]
    tuples = [(pk, *[row.get(f.attname, defaults[f.attname]) for f in fields]) for pk, row in zip(ids, rows, strict=True)]
    copy_rows(model._meta.db_table, columns, tuples)
    if getattr(model, "history", None) is not None:
        if connection.vendor == "postgresql":
            copy_history(model, where='"id" = ANY(%s)', params=[ids], now=now, reason=reason, user=user)
        else:
            for i in range(0, len(ids), 500):  # SQLite: at most 999 parameters a statement
                chunk = ids[i : i + 500]
                marks = ", ".join(["%s"] * len(chunk))
                copy_history(model, where=f'"id" IN ({marks})', params=chunk, now=now, reason=reason, user=user)
    return ids


def insert_objects_with_history(objs: list, *, user, reason: str) -> list:
    """``insert_with_history`` for unsaved model instances (all of one model): their field values
    are written by COPY and each instance gets its new primary key. Generated data (the demo
    county) uses it where ``bulk_create_with_history`` would spend minutes at prefecture scale."""
    if not objs:
        return objs
    model = type(objs[0])
    for o in objs:
        o._prepare_related_fields_for_save(operation_name="insert_objects_with_history")  # FK ids from saved parents
    fields = [f for f in model._meta.concrete_fields if f.attname != "id"]
    auto = {f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)}
    json_fields = {f.attname: f.encoder for f in fields if isinstance(f, models.JSONField)}
    file_fields = {f.attname for f in fields if isinstance(f, models.FileField)}

    def value(o, f):
        v = getattr(o, f.attname)
        if f.attname in json_fields and v is not None:
            return json.dumps(v, cls=json_fields[f.attname], ensure_ascii=False)
        if f.attname in file_fields:  # the stored name ("" without a file)
            return f.get_prep_value(v) or ""
        return v

    rows = [{f.attname: value(o, f) for f in fields if not (f.attname in auto and getattr(o, f.attname) is None)} for o in objs]
    for o, pk in zip(objs, insert_with_history(model, rows, user=user, reason=reason), strict=True):
        o.pk = pk
        o._state.adding = False
    return objs


def copy_history(model, *, where: str, params: list, now, reason: str, user) -> None:
    """One '+' django-simple-history row for each row of ``model`` matching ``where`` (SQL over
    the model's own table), copied by the database itself (INSERT … SELECT from the rows just
    written): the values travel to the server once."""
    hmodel = model.history.model
    q = connection.ops.quote_name
    tracked = {f.column for f in hmodel._meta.concrete_fields}
    cols = ", ".join(q(f.column) for f in model._meta.concrete_fields if f.column in tracked)
    meta = ", ".join(q(c) for c in ("history_date", "history_change_reason", "history_type", "history_user_id"))
    sql = (
        f"INSERT INTO {q(hmodel._meta.db_table)} ({cols}, {meta}) "  # noqa: S608 (names from model meta)
        f"SELECT {cols}, %s, %s, %s, %s FROM {q(model._meta.db_table)} WHERE {where} ORDER BY {q(model._meta.pk.column)}"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [now, reason, "+", getattr(user, "pk", None), *params])


def new_token() -> str:
    return uuid.uuid4().hex
