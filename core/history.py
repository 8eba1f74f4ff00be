"""Change history as the pages show it: django-simple-history rows → "who, when, what, old → new"."""

from __future__ import annotations

from itertools import pairwise

from django.db import connection
from django.db.models import FileField

from .access import can
from .conf import user_model


class RelatedRows:
    """The rows that history entries' labels name ("2024年度 白沙村 张三": the village, the person,
    the review …), read in one query per model and level for all entries of a page instead of
    two or three queries per entry. ``seed``: instances the page already holds (the person)."""

    def __init__(self, seed=(), depth: int = 2):
        self.known = {(type(obj), obj.pk): obj for obj in seed}
        self.depth = depth

    @staticmethod
    def _links(obj):
        for field in obj._meta.concrete_fields:
            if field.many_to_one and field.target_field.primary_key and not field.is_cached(obj):
                value = getattr(obj, field.attname)
                if value is not None:
                    yield field, value

    def attach(self, objects, depth: int | None = None) -> None:
        level = list(objects)
        for _ in range(self.depth if depth is None else depth):
            wanted: dict[type, set] = {}
            for obj in level:
                for field, value in self._links(obj):
                    if (field.related_model, value) not in self.known:
                        wanted.setdefault(field.related_model, set()).add(value)
            for model, ids in wanted.items():
                for row in model._base_manager.filter(pk__in=ids):
                    self.known[(model, row.pk)] = row
            following = []
            for obj in level:
                for field, value in list(self._links(obj)):
                    related = self.known.get((field.related_model, value))
                    if related is not None:  # a deleted row: left to the label's own lookup
                        field.set_cached_value(obj, related)
                        following.append(related)
            level = following


_PLACEHOLDER_ID = -739_104_251  # stands for the id while the probe is compiled; no row has it
_COMPILED_PROBES: dict[tuple, tuple[str, int]] = {}


def nonempty_by_id(key, build, value: int) -> list[bool]:
    """Which of the querysets ``build(value)`` hold at least one row, in one query (``SELECT
    EXISTS(…), EXISTS(…)``): a person's 变更记录 reads twenty history tables, most of which hold
    nothing for that person, and a query per table costs more to build and send than the rows it
    finds. The querysets may differ from call to call only in the one id, so the query is compiled
    once per ``key`` and database: ``build`` is called once, with a placeholder id, and every
    parameter must be that id. Simple lookups by one id also plan in a fraction of the time of
    scoped subqueries."""
    cache_key = (key, connection.vendor)
    compiled = _COMPILED_PROBES.get(cache_key)
    if compiled is None:
        parts, params = [], []
        for qs in build(_PLACEHOLDER_ID):
            qs_sql, qs_params = qs.order_by().values("pk").query.sql_with_params()
            parts.append(f"EXISTS({qs_sql})")
            params.extend(qs_params)
        if not parts:
            return []
        if any(p != _PLACEHOLDER_ID for p in params):
            raise ValueError("nonempty_by_id: every parameter of the probe must be the id")
        compiled = _COMPILED_PROBES[cache_key] = ("SELECT " + ", ".join(parts), len(params))
    sql, count = compiled
    with connection.cursor() as cursor:
        cursor.execute(sql, [value] * count)
        return [bool(v) for v in cursor.fetchone()]


def _diffs(history_rows, label_prefix: str, fields_to_skip: set[str], related: RelatedRows | None = None):
    """Turn simple-history rows into display entries with old→new."""
    return diff_entries([(history_rows, label_prefix)], fields_to_skip, related)


def diff_entries(labelled_rows, fields_to_skip: set[str], related: RelatedRows | None = None) -> list[dict]:
    """_diffs of several tables' rows (``[(history rows, label), …]``, in any order): every table is
    read first, then the rows their entries name — who made each change, and what the labels
    name — are read for all of them together, one query per model and level for the page."""
    tables = []
    for history_rows, label_prefix in labelled_rows:
        all_rows = list(history_rows)
        as_was = {row.history_id: row.history_object for row in all_rows}  # the object as each row had it
        tables.append((all_rows, as_was, label_prefix))
    related = related or RelatedRows()
    related.attach(obj for _rows, as_was, _label in tables for obj in as_was.values())
    # the history rows link to who made each change (and to the rows just read for their objects)
    related.attach((row for rows, _as_was, _label in tables for row in rows), depth=1)
    entries = []
    for all_rows, as_was, label_prefix in tables:
        by_obj: dict[int, list] = {}
        for row in all_rows:
            by_obj.setdefault(row.id, []).append(row)
        for obj_id in sorted(by_obj):  # the same order whatever order the rows came in
            rows = sorted(by_obj[obj_id], key=lambda r: (r.history_date, r.history_id))
            entries.append(_entry(rows[0], None, label_prefix, fields_to_skip, as_was[rows[0].history_id]))
            for prev, cur in pairwise(rows):
                entries.append(_entry(cur, prev, label_prefix, fields_to_skip, as_was[cur.history_id]))
    return entries


def _display(instance, field) -> str:
    value = getattr(instance, field.attname)
    if value in (None, ""):
        return "（空）"
    if isinstance(field, FileField):
        return "已上传"  # never the stored file's name
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _entry(row, prev, label_prefix, skip, obj):
    model = row.instance_type
    tracked = {f.attname for f in type(row)._meta.concrete_fields}  # excluded_fields are not on history rows
    changes = []
    if row.history_type == "~" and prev is not None:
        for field in model._meta.concrete_fields:
            if field.name in skip or field.attname in skip or field.attname not in tracked:
                continue
            old, new = getattr(prev, field.attname), getattr(row, field.attname)
            if old != new:
                before, after = _display(prev, field), _display(row, field)
                if isinstance(field, FileField) and old and new:
                    before, after = "已上传", "已更换"
                changes.append((str(field.verbose_name), before, after))
    action = {"+": "新增", "~": "修改", "-": "删除"}[row.history_type]
    return {
        "when": row.history_date,
        "user": row.history_user,
        "action": action,
        # the object as the row had it (str(row) adds " as of <date>"), related rows attached by _diffs
        "what": f"{label_prefix}：{obj}",
        "changes": changes,
    }


def can_view_history(user) -> bool:
    return can(user, f"{user_model()._meta.app_label}.view_history")
