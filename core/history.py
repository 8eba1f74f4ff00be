"""Change history as the pages show it: django-simple-history rows → "who, when, what, old → new"."""

from __future__ import annotations

from itertools import pairwise

from django.db.models import FileField

from .access import can
from .conf import user_model


def _diffs(history_rows, label_prefix: str, fields_to_skip: set[str]):
    """Turn simple-history rows (ordered by object, time) into display entries with old→new."""
    entries = []
    by_obj: dict[int, list] = {}
    for row in history_rows:
        by_obj.setdefault(row.id, []).append(row)
    for rows in by_obj.values():
        rows.sort(key=lambda r: (r.history_date, r.history_id))
        entries.append(_entry(rows[0], None, label_prefix, fields_to_skip))
        for prev, cur in pairwise(rows):
            entries.append(_entry(cur, prev, label_prefix, fields_to_skip))
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


def _entry(row, prev, label_prefix, skip):
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
        "what": f"{label_prefix}：{row.history_object}",  # (str(row) adds " as of <date>")
        "changes": changes,
    }


def can_view_history(user) -> bool:
    return can(user, f"{user_model()._meta.app_label}.view_history")
