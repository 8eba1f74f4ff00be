"""What would an import's rollback destroy that the import did not write?

Rollback deletes the rows a batch created. Anything else that points at those rows — a 奖惩 record
(CASCADE, would vanish silently), a qualification review or a pay-ledger entry (PROTECT, delete
would raise), a month of presence, a mentor link (SET_NULL, would be blanked) — was added by
someone after the import, so rollback must refuse. The relations are found the way Django's
deletion Collector finds them (``get_candidate_relations_to_delete``), for every installed app;
nothing is listed by hand. DO_NOTHING relations are skipped: those are django-simple-history's
historical rows, which keep their own copy.

A referencing row still counts as the batch's own when the batch wrote it: its creation history
row carries the batch's change reason, or (workflow logs without history, e.g. 备案流程记录) its
``note`` is that reason.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.conf import settings
from django.db.models import DO_NOTHING
from django.db.models.deletion import get_candidate_relations_to_delete

CHUNK = 900


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _own_ids(model, ids: list[int], reason: str) -> set[int]:
    """Of ``ids`` (rows of ``model``), those the batch with change reason ``reason`` wrote."""
    own: set[int] = set()
    history = getattr(model, "history", None)
    for chunk in _chunks(ids):
        if history is not None:
            own.update(history.filter(id__in=chunk, history_type="+", history_change_reason=reason).values_list("id", flat=True))
        if any(f.name == "note" for f in model._meta.concrete_fields):
            own.update(model._base_manager.filter(pk__in=chunk, note=reason).values_list("pk", flat=True))
    return own


def _owner_names(model, ids: set[int]) -> dict[int, str]:
    """The person each root row belongs to (the row itself for Person), for the message."""
    if model._meta.label == settings.TOUYAN_MODELS["person"]:
        path = "name"
    elif any(f.name == "person" for f in model._meta.concrete_fields):
        path = "person__name"
    else:
        return {pk: f"{model._meta.verbose_name}#{pk}" for pk in ids}
    names: dict[int, str] = {}
    for chunk in _chunks(sorted(ids)):
        names.update(model._base_manager.filter(pk__in=chunk).values_list("pk", path))
    return names


def later_references(roots: dict, *, reason: str, since: datetime.date | None) -> list[str]:
    """Messages like "张三 已有 2025-03-02 之后新增的奖惩及发展去向", one per person and kind of row,
    for every row that references a row in ``roots`` (model → ids the rollback would delete)
    and was not written by the batch. Empty when rollback would destroy nothing else."""
    root_ids = {model: set(ids) for model, ids in roots.items() if ids}
    # (root model, root pk) → verbose names of the later rows pointing at it
    found: dict[tuple, set[str]] = defaultdict(set)
    for root_model, ids in root_ids.items():
        for relation in get_candidate_relations_to_delete(root_model._meta):
            field = relation.field
            if field.remote_field.on_delete is DO_NOTHING:
                continue
            model = relation.related_model
            hits: dict[int, int] = {}  # referencing pk → root pk
            for chunk in _chunks(sorted(ids)):
                hits.update(model._base_manager.filter(**{f"{field.name}__in": chunk}).values_list("pk", field.attname))
            if not hits:
                continue
            own = root_ids.get(model, set()) | _own_ids(model, list(hits), reason)
            for pk, root_pk in hits.items():
                if pk not in own:
                    found[(root_model, root_pk)].add(str(model._meta.verbose_name))
    if not found:
        return []
    by_model: dict = defaultdict(set)
    for root_model, root_pk in found:
        by_model[root_model].add(root_pk)
    names = {}
    for root_model, pks in by_model.items():
        names.update({(root_model, pk): name for pk, name in _owner_names(root_model, pks).items()})
    when = f"{since:%Y-%m-%d} 导入" if since else "导入"
    return [
        f"{names.get(key, '')} 已有 {when}之后新增的{'、'.join(sorted(kinds))}"
        for key, kinds in sorted(found.items(), key=lambda kv: (names.get(kv[0], ""), kv[0][1]))
    ]
