"""Pages of very long lists: keyset (cursor) pagination and counts that stay fast.

A list of 600,000 ledger entries cannot be paged with OFFSET and counted with COUNT(*) on every
request: both read the whole (filtered) table. Here a page is found from the sort key of the
last row shown (``WHERE (amount, id) < (…) ORDER BY amount DESC, id DESC LIMIT 51``), which an
index answers in a few rows whatever the page, and the count is exact up to
:data:`EXACT_COUNT_LIMIT` rows (a bounded query) and an estimate above it — the PostgreSQL
planner's row estimate, shown as "约 63.2 万条" — or "1 万条以上" where there is none (SQLite).

Orderings are tuples of fields *on the model's own table* (``("-amount", "-id")``), ending with
a unique field, each backed by an index.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Q, QuerySet

EXACT_COUNT_LIMIT = 10_000


# ---------------------------------------------------------------------------------------------
# Counts
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListCount:
    """How many rows a filtered list has: exact up to the limit, estimated (or a floor) above."""

    value: int
    exact: bool

    @property
    def display(self) -> str:
        """``共 1,234 条`` / ``约 63.2 万条`` / ``1 万条以上``: always says which it is."""
        if self.exact:
            return f"{self.value:,} 条"
        if self.value > EXACT_COUNT_LIMIT:
            return f"约 {_wan(self.value)}条"
        return f"{_wan(EXACT_COUNT_LIMIT)}条以上"

    def __str__(self) -> str:
        return self.display


def _wan(n: int) -> str:
    if n >= 100_000_000:
        return f"{n / 100_000_000:.1f} 亿"
    if n >= 10_000:
        text = f"{n / 10_000:.1f}".removesuffix(".0")
        return f"{text} 万"
    return f"{n:,} "


def estimate_rows(qs: QuerySet) -> int | None:
    """The database planner's estimate of the rows ``qs`` returns (PostgreSQL); None elsewhere."""
    connection = connections[qs.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = qs.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def list_count(qs: QuerySet, *, limit: int = EXACT_COUNT_LIMIT) -> ListCount:
    """Exact when the list has at most ``limit`` rows (one bounded COUNT over ``limit + 1``
    rows); otherwise the planner's estimate (never below ``limit + 1``) or just "more than"."""
    counted = qs.order_by().values("pk")[: limit + 1].count()
    if counted <= limit:
        return ListCount(counted, exact=True)
    estimate = estimate_rows(qs)
    return ListCount(max(estimate or 0, limit + 1), exact=False)


# ---------------------------------------------------------------------------------------------
# Keyset pages
# ---------------------------------------------------------------------------------------------


def _encode(values: list) -> str:
    def plain(v):
        if isinstance(v, Decimal):
            return {"d": str(v)}
        if isinstance(v, datetime.datetime):
            return {"t": v.isoformat()}
        if isinstance(v, datetime.date):
            return {"D": v.isoformat()}
        return v

    raw = json.dumps([plain(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str, size: int) -> list | None:
    """The sort values in a cursor; None when the token is not one of ours (→ first page)."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(values, list) or len(values) != size:
        return None
    out = []
    for v in values:
        if isinstance(v, dict) and len(v) == 1:
            kind, text = next(iter(v.items()))
            try:
                if kind == "d":
                    v = Decimal(text)
                elif kind == "t":
                    v = datetime.datetime.fromisoformat(text)
                elif kind == "D":
                    v = datetime.date.fromisoformat(text)
                else:
                    return None
            except (ValueError, TypeError, InvalidOperation):
                return None
        elif not isinstance(v, int | str | float) or isinstance(v, bool):
            return None
        out.append(v)
    return out


def _after(ordering: tuple[str, ...], values: list) -> Q:
    """Rows strictly after ``values`` in ``ordering`` (a row-value comparison spelled out as
    ``a < x OR (a = x AND b < y) …``, which PostgreSQL and SQLite both answer from the index)."""
    condition = Q()
    for i in range(len(ordering) - 1, -1, -1):
        name = ordering[i].lstrip("-")
        op = "lt" if ordering[i].startswith("-") else "gt"
        step = Q(**{f"{name}__{op}": values[i]})
        if i < len(ordering) - 1:
            step |= Q(**{name: values[i]}) & condition
        condition = step
    return condition


def _reverse(ordering: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f[1:] if f.startswith("-") else f"-{f}" for f in ordering)


@dataclass
class KeysetPage:
    """One page of a keyset-paged list, with the tokens of the pages before and after it."""

    rows: list
    next_cursor: str | None
    previous_cursor: str | None
    count: ListCount | None = None

    @property
    def object_list(self) -> list:
        return self.rows

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def paginator(self) -> _CountOnly:
        """``page_obj.paginator.count`` as with Django's pages (the count, exact or estimated)."""
        return _CountOnly(self.count.value if self.count is not None else len(self.rows))


@dataclass(frozen=True)
class _CountOnly:
    count: int


def keyset_page(qs: QuerySet, ordering: tuple[str, ...], *, after: str = "", before: str = "", size: int = 50) -> KeysetPage:
    """The ``size`` rows after the cursor ``after`` (or before ``before``), in ``ordering``.

    Two tokens come back: ``next_cursor`` (the last row's key; None on the last page) and
    ``previous_cursor`` (the first row's key; None on the first page). One query, ``size + 1``
    rows, whatever the page's position in the list.
    """
    names = [f.lstrip("-") for f in ordering]
    back = bool(before) and _typed(qs.model, names, _decode(before, len(ordering))) is not None
    key = _typed(qs.model, names, _decode(before if back else after, len(ordering))) if (before or after) else None
    order = _reverse(ordering) if back else ordering
    page_qs = qs.order_by(*order)
    if key is not None:
        page_qs = page_qs.filter(_after(order, key))
    rows = list(page_qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if back:
        rows.reverse()

    def token(row) -> str:
        return _encode([_value(row, n) for n in names])

    if not rows:
        return KeysetPage(rows=[], next_cursor=None, previous_cursor=token_or_none(key, back))
    if back:
        next_cursor = token(rows[-1])
        previous_cursor = token(rows[0]) if more else None
    else:
        next_cursor = token(rows[-1]) if more else None
        previous_cursor = token(rows[0]) if key is not None else None
    return KeysetPage(rows=rows, next_cursor=next_cursor, previous_cursor=previous_cursor)


def _typed(model, names: list[str], values: list | None) -> list | None:
    """The cursor's values as the fields' Python values; None when one does not fit its field
    (a forged or stale token gives the first page, never an error)."""
    if values is None:
        return None
    out = []
    for name, value in zip(names, values, strict=True):
        model_field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        try:
            out.append(model_field.to_python(value))
        except ValidationError:
            return None
    return out


def token_or_none(key, back: bool) -> str | None:
    # An empty page after a cursor (the rows were filtered away since): offer the way back.
    return _encode(key) if key is not None and not back else None


def _value(row, name: str):
    value = getattr(row, "pk" if name == "pk" else name)
    return value
