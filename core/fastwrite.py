"""Bulk inserts for imports: PostgreSQL COPY (other databases: executemany), with history rows.

Django's bulk_create spends most of a 10,000-row import preparing values field by field; an
import already holds clean Python values, so we pre-allocate primary keys from the sequence and
stream plain tuples. The django-simple-history rows are then copied by the database from the rows
just written (same columns plus history_date/history_type/history_user/history_change_reason), so
every imported row still has its "+ created by <user>, import #N" history entry. Within
``alongside()`` (an import's apply) the history rows and the new rows' foreign-key checks go to a
helper thread on the same connection, so that PostgreSQL writes them while Python builds the next
table's rows.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import logging
import operator
import threading
import uuid
from collections.abc import Iterable, Iterator

from django.db import DatabaseError, connection, models, transaction
from django.db.models import Q
from django.db.models.sql import UpdateQuery
from django.utils import timezone

log = logging.getLogger(__name__)


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
            # The sequence looked up once (pg_get_serial_sequence per row made this 4–8× slower).
            cur.execute(
                "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, 'id')::regclass AS seq) "
                "SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
                [table, n],
            )
            return [r[0] for r in cur.fetchall()]
        cur.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608 (table name from model meta)
        start = cur.fetchone()[0] + 1
        return list(range(start, start + n))


class _CsvStream:
    """A file-like object for psycopg2's copy_expert that writes the CSV of ``rows`` as it is
    read, a chunk at a time: PostgreSQL parses and inserts one chunk (its own process, the other
    core) while Python turns the next rows into text, instead of waiting for the whole file.
    The first chunk is written at once (``empty`` tells whether there is anything to copy)."""

    ROWS_PER_CHUNK = 500

    def __init__(self, rows: Iterable[tuple]):
        self._rows = iter(rows)
        self._buf = io.StringIO()
        self._writer = csv.writer(self._buf, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        # What the rows raised while the COPY ran: psycopg2 reports only that read() failed.
        self.error: BaseException | None = None
        self._next = self._chunk()

    @property
    def empty(self) -> bool:
        return not self._next

    def _chunk(self) -> str:
        rows = list(itertools.islice(self._rows, self.ROWS_PER_CHUNK))
        if not rows:
            return ""
        buf = self._buf
        buf.seek(0)
        buf.truncate()
        self._writer.writerows([NULL if v is None else v for v in row] for row in rows)
        return buf.getvalue()

    def read(self, size: int = -1) -> str:
        try:
            chunk, self._next = self._next, (self._chunk() if self._next else "")
        except BaseException as exc:
            self.error = exc
            raise
        return chunk


def copy_rows(table: str, columns: list[str], rows: Iterable[tuple]) -> None:
    """COPY ``rows`` (tuples in the order of ``columns``; any iterable, consumed once) into
    ``table`` on PostgreSQL, streamed (see _CsvStream); executemany elsewhere.

    ``rows`` may be a generator that checks each row as it goes (in Python only: the connection is
    busy with the COPY, so no query) and raises (a ValidationError for bad input) at the end: that
    exception comes out of copy_rows, and nothing of the COPY is left written, while the caller's
    transaction stays usable (each COPY runs in a savepoint on PostgreSQL)."""
    cols = ", ".join(f'"{c}"' for c in columns)
    _wait_alongside()  # the COPY goes to psycopg2 directly, past the block's query wrapper
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            stream = _CsvStream(rows)  # its first chunk written (or raised) before anything is sent
            if not stream.empty:
                try:
                    with transaction.atomic():
                        cur.cursor.copy_expert(f'COPY "{table}" ({cols}) FROM STDIN WITH (FORMAT csv)', stream)
                except Exception:
                    if stream.error is not None:
                        raise stream.error from None
                    raise
        else:
            rows = list(rows)
            if rows:
                marks = ", ".join(["%s"] * len(columns))
                cur.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)  # noqa: S608


def insert_with_history(model, rows: Iterable[dict], *, user, reason: str, count: int | None = None) -> list[int]:
    """Insert ``rows`` (attname → value, without id) and one '+' history row each. Returns ids in
    order. Fields missing from a row get their model default. ``rows`` may also be a generator of
    ``count`` rows that checks them as they are written (see copy_rows): the checks then run
    while PostgreSQL inserts the rows before them."""
    count = len(rows) if count is None else count
    if not count:
        return []
    fields = [f for f in model._meta.concrete_fields if f.attname != "id"]
    now = timezone.now()
    # COPY reads text: the time stamp is turned into text once, not for every row and column
    # (str() of an aware datetime was a third of the CSV writer's time on a 10,000-row import).
    stamp = now.isoformat() if connection.vendor == "postgresql" else now
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = stamp
        elif f.has_default():
            defaults[f.attname] = f.get_default()
        else:
            defaults[f.attname] = None if f.null else ""
    ids = allocate_ids(model, count)
    columns = ["id", *[f.column for f in fields]]
    # Each row over the defaults, its values picked in column order, as COPY reads them (lazily).
    pick = operator.itemgetter(*defaults) if len(defaults) > 1 else (lambda values: (values[next(iter(defaults))],))
    copy_rows(model._meta.db_table, columns, ((pk, *pick({**defaults, **row})) for pk, row in zip(ids, rows, strict=True)))
    if getattr(model, "history", None) is None:
        steps = []
    elif connection.vendor == "postgresql":
        lo, hi = min(ids), max(ids)
        if hi - lo == len(ids) - 1:  # distinct ids: exactly lo…hi, one unbroken run of the sequence
            where, params = '"id" BETWEEN %s AND %s', [lo, hi]
        else:
            where, params = '"id" = ANY(%s)', [ids]
        steps = [_history_sql(model, where=where, params=params, now=now, reason=reason, user=user)]
    else:
        steps = []
        for i in range(0, len(ids), 500):  # SQLite: at most 999 parameters a statement
            chunk = ids[i : i + 500]
            marks = ", ".join(["%s"] * len(chunk))
            steps.append(_history_sql(model, where=f'"id" IN ({marks})', params=chunk, now=now, reason=reason, user=user))
    lane = _lane()
    if lane is not None and lane.in_transaction:
        lane.submit(*steps, _foreign_key_check(model._meta.db_table))
    else:
        _Now().submit(*steps)
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
    with connection.cursor() as cur:
        cur.execute(*_history_sql(model, where=where, params=params, now=now, reason=reason, user=user))


def _history_sql(model, *, where: str, params: list, now, reason: str, user) -> tuple[str, list]:
    hmodel = model.history.model
    q = connection.ops.quote_name
    tracked = {f.column for f in hmodel._meta.concrete_fields}
    cols = ", ".join(q(f.column) for f in model._meta.concrete_fields if f.column in tracked)
    meta = ", ".join(q(c) for c in ("history_date", "history_change_reason", "history_type", "history_user_id"))
    sql = (
        f"INSERT INTO {q(hmodel._meta.db_table)} ({cols}, {meta}) "  # noqa: S608 (names from model meta)
        f"SELECT {cols}, %s, %s, %s, %s FROM {q(model._meta.db_table)} WHERE {where} ORDER BY {q(model._meta.pk.column)}"
    )
    return sql, [now, reason, "+", getattr(user, "pk", None), *params]


# --- PostgreSQL's own work alongside Python's ------------------------------------------------


class Lane:
    """Statements run in order on this thread's own database connection (and so in its
    transaction) by a helper thread, while the caller's Python goes on: psycopg2 lets go of the
    interpreter while the server works, and the server is a process of its own, on the other
    core. One batch of statements at a time; ``wait`` joins it and raises its error, if any, as
    Django's database error. Made by :func:`alongside`, which also makes every query of the block
    wait for it."""

    def __init__(self):
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self.in_transaction = connection.in_atomic_block  # as the block was entered

    def submit(self, *steps) -> None:
        """Run ``steps`` in order, after what was submitted before: (sql, params) pairs, or
        callables that are given the cursor."""
        self.wait()
        if connection.in_atomic_block != self.in_transaction:
            # COMMIT, ROLLBACK and BEGIN go to psycopg2 directly, not through the query wrapper:
            # a block that opened or closed a transaction could not keep the lane's work in it.
            raise RuntimeError("alongside(): the block opened or closed a transaction")
        connection.ensure_connection()
        raw = connection.connection

        def run() -> None:
            try:
                with raw.cursor() as cur:
                    _run(cur, steps)
            except BaseException as exc:  # raised in the caller's thread by wait()
                exc.add_note("(raised by a statement run alongside Python: core.fastwrite.alongside)")
                self._error = exc

        self._thread = threading.Thread(target=run, name="touyan-db-alongside", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()  # cleared only once joined: an interrupted wait is waited for again
            self._thread = None
        error, self._error = self._error, None
        if error is not None:
            with connection.wrap_database_errors:
                raise error


class _Now:
    """A lane where PostgreSQL's helper thread is not used: each statement runs when submitted,
    through Django's cursor (its error types, its query log)."""

    def submit(self, *steps) -> None:
        with connection.cursor() as cur:
            _run(cur, steps)

    def wait(self) -> None:
        pass


def _run(cur, steps) -> None:
    """A lane's steps on a cursor (Django's or psycopg2's): (sql, params) pairs, or callables
    given the cursor."""
    for step in steps:
        if callable(step):
            step(cur)
        else:
            cur.execute(*step)


def _foreign_key_check(table: str):
    """A step that checks now the deferred foreign keys of the rows written to ``table`` so far
    in this transaction (otherwise checked at COMMIT, while Python waits), then defers them
    again, as they are declared (DEFERRABLE INITIALLY DEFERRED). A row whose key points nowhere
    is refused with the same error as at COMMIT; the rows it refers to must therefore be written
    before it (see alongside)."""

    def step(cur) -> None:
        cur.execute(
            "SELECT format('%%I.%%I', n.nspname, c.conname) FROM pg_constraint c"
            " JOIN pg_namespace n ON n.oid = c.connamespace"
            " WHERE c.conrelid = %s::regclass AND c.contype = 'f' AND c.condeferrable AND c.condeferred"
            " ORDER BY c.conname",
            [connection.ops.quote_name(table)],
        )
        names = ", ".join(name for (name,) in cur.fetchall())
        if names:
            cur.execute(f"SET CONSTRAINTS {names} IMMEDIATE")
            cur.execute(f"SET CONSTRAINTS {names} DEFERRED")

    return step


def _lane() -> Lane | None:
    return getattr(connection, "_touyan_lane", None)


def _wait_alongside() -> None:
    lane = _lane()
    if lane is not None:
        lane.wait()


@contextlib.contextmanager
def alongside() -> Iterator[Lane | _Now]:
    """PostgreSQL works while the block's Python goes on.

    Within the block, inside a transaction, :func:`insert_with_history` hands each table's
    history rows and the check of its new rows' foreign keys to the lane and returns at once, so
    that the Python that builds the next table's rows runs while the server writes. The block may
    also submit statements of its own to the lane it is given. Any query the block sends waits
    for the lane first, so everything reaches the database in the order written; leaving the
    block waits for it and raises its error (a failing block's own error goes up instead, the
    lane's is logged).

    Rules for the block: it must not open or close a transaction (COMMIT and BEGIN do not wait;
    submit refuses), and the rows a table refers to must be written before it, as they are in
    every import (the keys are checked when the table's history is copied, not at COMMIT). On
    other databases each statement runs when submitted; a block within a block shares its lane."""
    if connection.vendor != "postgresql":
        yield _Now()
        return
    if _lane() is not None:
        yield _lane()
        return
    lane = Lane()

    def waiting(execute, sql, params, many, context):
        lane.wait()
        return execute(sql, params, many, context)

    connection._touyan_lane = lane
    try:
        with connection.execute_wrapper(waiting):
            yield lane
        lane.wait()
    finally:
        connection._touyan_lane = None
        try:
            lane.wait()  # the block failed: its own error goes up; the helper still ends first
        except Exception:
            log.warning("alongside(): the lane failed too, after the block's own error", exc_info=True)


def update_statement(obj, fields: list[str]):
    """A lane step that sends the UPDATE ``obj.save(update_fields=fields)`` sends and, like it,
    fails when no row was updated (for a model with no save() of its own and no save signals)."""
    query = UpdateQuery(type(obj))
    query.add_q(Q(pk=obj.pk))
    query.add_update_fields([(f, None, f.pre_save(obj, False)) for f in map(obj._meta.get_field, fields)])
    sql, params = query.get_compiler(connection.alias).as_sql()

    def step(cur) -> None:
        cur.execute(sql, params)
        if cur.rowcount != 1:
            raise DatabaseError("Save with update_fields did not affect any rows.")

    return step


def new_token() -> str:
    return uuid.uuid4().hex
