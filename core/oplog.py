"""操作日志: every write of every app, read from the change-history tables (django-simple-history).

Each model that keeps history has a historical table (who, when, +/~/-, the row's values). The log
is one ``UNION ALL`` over those tables of a few common columns (time, type, user, object id),
ordered by time and cut to one page in the database; only that page's rows are then loaded in
full, per table, with the row before each (for "old → new") and, in one query per related model,
the objects their foreign keys name. A page therefore costs a fixed number of queries whatever
its length: 2 for the index and count, then per record type on the page 2, plus 1 per related
model and 1 for the users.

Bulk writes (imports, rollups) go through ``bulk_create_with_history`` and appear here as well.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.db.models import CharField, OuterRef, Subquery, Value
from django.utils import timezone

from .conf import user_model

ACTIONS = {"+": "新增", "~": "修改", "-": "删除"}
ACTION_CHOICES = [("+", "新增"), ("~", "修改"), ("-", "删除")]
# Columns every branch of the union selects, in this order (the type key comes last).
INDEX_COLUMNS = ("history_id", "history_date", "history_type", "history_user_id", "history_change_reason")
EXPORT_MAX_ROWS = 20_000
EXPORT_CHUNK = 500


@dataclass(frozen=True)
class RecordType:
    key: str  # "cadres.person"
    label: str  # "干部名册 · 人员"
    history_model: type[models.Model]

    @property
    def model(self) -> type[models.Model]:
        return self.history_model.instance_type


@dataclass
class OperationEntry:
    when: datetime.datetime
    user: object  # the user who made the change (None: a system job)
    action: str  # 新增 / 修改 / 删除
    record_type: str  # 干部名册 · 人员
    record: str  # 张三
    object_id: int
    reason: str = ""
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (field, old, new)


def record_types() -> dict[str, RecordType]:
    """Every model that keeps history, keyed ``app_label.model_name`` (sorted by app, then name)."""
    from simple_history.models import registered_models
    from simple_history.utils import get_history_model_for_model

    found = {}
    for model in registered_models.values():  # the tracked models, keyed by table
        if model._meta.auto_created or model._meta.abstract:  # many-to-many through tables
            continue
        history_model = get_history_model_for_model(model)
        key = f"{model._meta.app_label}.{model._meta.model_name}"
        app = apps.get_app_config(model._meta.app_label)
        found[key] = RecordType(key=key, label=f"{app.verbose_name} · {model._meta.verbose_name}", history_model=history_model)
    return dict(sorted(found.items(), key=lambda kv: (kv[1].model._meta.app_label, kv[1].label)))


def record_type_choices() -> list[tuple[str, str]]:
    return [(key, rt.label) for key, rt in record_types().items()]


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def operation_index(
    *,
    user_ids: list[int] | None = None,
    record_type: str = "",
    action: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    object_id: int | None = None,
):
    """The log's index: ``(history_id, history_date, history_type, history_user_id, reason, object id,
    type key)`` tuples over every historical table, newest first; a lazy queryset (slice it)."""
    types = record_types()
    chosen = [types[record_type]] if record_type in types else list(types.values())
    branches = []
    for rt in chosen:
        qs = rt.history_model._default_manager.order_by()
        if user_ids is not None:
            qs = qs.filter(history_user_id__in=user_ids)
        if action:
            qs = qs.filter(history_type=action)
        if date_from:
            qs = qs.filter(history_date__gte=_day_start(date_from))
        if date_to:
            qs = qs.filter(history_date__lt=_day_start(date_to + datetime.timedelta(days=1)))
        pk = rt.model._meta.pk.attname
        if object_id is not None:
            qs = qs.filter(**{pk: object_id})
        branches.append(
            qs.annotate(record_type=Value(rt.key, output_field=CharField())).values_list(*INDEX_COLUMNS, pk, "record_type")
        )
    if not branches:  # pragma: no cover - there is always history somewhere
        return []
    first, *rest = branches
    combined = first.union(*rest, all=True) if rest else first
    return combined.order_by("-history_date", "-history_id")


def users_matching(text: str) -> list[int]:
    """Ids of the users whose user name or name contains ``text`` (the 操作人 filter)."""
    text = text.strip()
    model = user_model()
    cond = models.Q(**{f"{model.USERNAME_FIELD}__icontains": text})
    if any(f.name == "full_name" for f in model._meta.fields):
        cond |= models.Q(full_name__icontains=text)
    return list(model._default_manager.filter(cond).values_list("pk", flat=True)[:500])


# ---------------------------------------------------------------------------------------------
# A page of the index → entries with old → new
# ---------------------------------------------------------------------------------------------


def operation_entries(index_rows) -> list[OperationEntry]:
    types = record_types()
    by_type: dict[str, list[int]] = defaultdict(list)
    for row in index_rows:
        by_type[row[-1]].append(row[0])

    rows_by_key: dict[tuple[str, int], models.Model] = {}
    prev_by_key: dict[tuple[str, int], models.Model] = {}
    for key, ids in by_type.items():
        history_model = types[key].history_model
        pk = types[key].model._meta.pk.attname
        previous = (
            history_model._default_manager.filter(**{pk: OuterRef(pk)}, history_id__lt=OuterRef("history_id"))
            .order_by("-history_id")
            .values("history_id")[:1]
        )
        rows = list(history_model._default_manager.filter(history_id__in=ids).annotate(prev_history_id=Subquery(previous)))
        prev_ids = [r.prev_history_id for r in rows if r.history_type == "~" and r.prev_history_id]
        prevs = history_model._default_manager.in_bulk(prev_ids) if prev_ids else {}
        for r in rows:
            rows_by_key[(key, r.history_id)] = r
            if r.prev_history_id in prevs:
                prev_by_key[(key, r.history_id)] = prevs[r.prev_history_id]

    related = _related_objects([*rows_by_key.items(), *prev_by_key.items()], types)
    user_ids = {row[3] for row in index_rows if row[3]}
    users = user_model()._default_manager.in_bulk(user_ids) if user_ids else {}

    entries = []
    for row in index_rows:
        key = (row[-1], row[0])
        hist = rows_by_key.get(key)
        if hist is None:  # written between the two queries and already gone: skip
            continue
        model = types[row[-1]].model
        instance = _instance(hist, model, related)
        prev = prev_by_key.get(key)
        entries.append(
            OperationEntry(
                when=hist.history_date,
                user=users.get(hist.history_user_id),
                action=ACTIONS[hist.history_type],
                record_type=types[row[-1]].label,
                record=_label(instance, model),
                object_id=getattr(hist, model._meta.pk.attname),
                reason=hist.history_change_reason or "",
                changes=_changes(prev, hist, model, related) if prev is not None else [],
            )
        )
    return entries


def _fk_fields(model) -> list[models.ForeignKey]:
    return [f for f in model._meta.concrete_fields if f.is_relation and f.many_to_one]


def _related_objects(items, types) -> dict[type, dict]:
    """Objects named by the foreign keys of the given history rows: one query per related model
    (select_related() so that their own names need no further queries)."""
    wanted: dict[type, set] = defaultdict(set)
    for (key, _), hist in items:
        for f in _fk_fields(types[key].model):
            value = getattr(hist, f.attname, None)
            if value is not None:
                wanted[f.related_model].add(value)
    found = {}
    for related_model, ids in wanted.items():
        found[related_model] = related_model._base_manager.select_related().in_bulk(ids)
    return found


def _instance(hist, model, related):
    """The recorded row as a model instance, its foreign keys filled from ``related``."""
    values = {}
    for f in model._meta.concrete_fields:
        if hasattr(hist, f.attname):
            values[f.attname] = getattr(hist, f.attname)
    instance = model(**values)
    for f in _fk_fields(model):
        value = values.get(f.attname)
        if value is not None:
            f.set_cached_value(instance, related.get(f.related_model, {}).get(value))
    return instance


def _label(instance, model) -> str:
    try:
        text = str(instance)
    except Exception:  # a related row is gone (deleted since): name the record by its number
        text = ""
    return text if text and "None" not in text else f"{model._meta.verbose_name}#{instance.pk}"


def _display(value, f, related) -> str:
    if value in (None, ""):
        return "（空）"
    if f.is_relation:
        obj = related.get(f.related_model, {}).get(value)
        return str(obj) if obj is not None else f"{f.related_model._meta.verbose_name}#{value}"
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if timezone.is_aware(value) else str(value)
    if isinstance(value, datetime.date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _changes(prev, hist, model, related) -> list[tuple[str, str, str]]:
    tracked = {f.attname for f in type(hist)._meta.concrete_fields}
    changes = []
    for f in model._meta.concrete_fields:
        if f.attname not in tracked:
            continue
        old, new = getattr(prev, f.attname), getattr(hist, f.attname)
        if old != new:
            changes.append((str(f.verbose_name), _display(old, f, related), _display(new, f, related)))
    return changes


def operation_export_rows(index) -> list[list]:
    """Rows of the 操作日志 export (at most EXPORT_MAX_ROWS, built a chunk at a time)."""
    out = []
    for start in range(0, EXPORT_MAX_ROWS, EXPORT_CHUNK):
        chunk = list(index[start : start + EXPORT_CHUNK])
        out.extend(
            [
                timezone.localtime(e.when).strftime("%Y-%m-%d %H:%M:%S"),
                _user_label(e.user),
                e.action,
                e.record_type,
                e.record,
                "；".join(f"{name}：{old} → {new}" for name, old, new in e.changes) or e.reason,
            ]
            for e in operation_entries(chunk)
        )
        if len(chunk) < EXPORT_CHUNK:
            break
    return out


def _user_label(user) -> str:
    if user is None:
        return "系统"
    name = getattr(user, "full_name", "") or ""
    return f"{name}（{user.get_username()}）" if name else user.get_username()
