"""Townships and villages: create and update with conflict checks; dated type flags."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core import dates as core_dates
from core.services import excluded_fields, model_save, require_perm, require_scope

from .. import choices
from ..models import (
    Township,
    User,
    Village,
    VillageFlag,
)
from .people import (
    _strip,
)


def _township_conflicts(township: Township) -> dict[str, str]:
    errors = {}
    others = Township.objects.exclude(pk=township.pk)
    holder = others.filter(code=township.code).first()
    if holder is not None:
        errors["code"] = f"区划代码{township.code}已被“{holder.name}”使用。"
    if others.filter(name=township.name).exists():
        errors["name"] = f"已有名为“{township.name}”的乡镇(街道)。"
    return errors


def _village_conflicts(village: Village) -> dict[str, str]:
    errors = {}
    others = Village.objects.exclude(pk=village.pk)
    holder = others.select_related("township").filter(code=village.code).first()
    if holder is not None:
        errors["code"] = f"村(社区)代码{village.code}已被{holder.township.name}“{holder.name}”使用。"
    if village.township_id and others.filter(township_id=village.township_id, name=village.name).exists():
        errors["name"] = f"本乡镇(街道)已有名为“{village.name}”的村(社区)。"
    return errors


def _check_and_save(obj, conflicts, *, by: User, update_fields: list[str] | None = None) -> None:
    """Conflicts (duplicate code/name) and the model's validation reported together, by field."""
    errors = conflicts(obj)
    try:
        obj.full_clean(
            exclude=[*errors, *([] if update_fields is None else excluded_fields(obj, update_fields))], validate_unique=False
        )
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    obj._history_user = by
    obj.save(update_fields=update_fields)


TOWNSHIP_FIELDS = ("name", "code", "kind", "sort_order")


@transaction.atomic
def township_create(
    *, by: User, name: str, code: str, kind: str = choices.TownshipKind.TOWNSHIP, sort_order: int = 0
) -> Township:
    """County staff add a township/subdistrict (区划代码 9–12 digits, unique; name unique)."""
    require_perm(by, "cadres.add_township", "只有县委组织部可以新建乡镇(街道)。")
    township = Township(name=_strip(name), code=_strip(code), kind=kind, sort_order=sort_order or 0)
    _check_and_save(township, _township_conflicts, by=by)
    return township


@transaction.atomic
def township_update(*, township: Township, by: User, **fields: Any) -> Township:
    require_perm(by, "cadres.change_township", "只有县委组织部可以修改乡镇(街道)。")
    require_scope(by, township)
    unknown = set(fields) - set(TOWNSHIP_FIELDS)
    if unknown:
        raise ValidationError({k: "该项不能在此修改。" for k in unknown})
    fields = {k: _strip(v) for k, v in fields.items()}
    changed = [k for k, v in fields.items() if getattr(township, k) != v]
    if not changed:
        return township
    township = Township.objects.select_for_update().get(pk=township.pk)
    for k in changed:
        setattr(township, k, fields[k])
    _check_and_save(township, _township_conflicts, by=by, update_fields=changed)
    return township


VILLAGE_FIELDS = ("population", "households", "party_members", "note", "kind")
# Changing these redraws the register (which township a village belongs to, its code and name):
# county staff only (``cadres.manage_village``).
VILLAGE_STRUCTURE_FIELDS = ("name", "code", "township")


@transaction.atomic
def village_create(
    *,
    by: User,
    township: Township,
    name: str,
    code: str,
    kind: str = choices.VillageKind.VILLAGE,
    population: int = 0,
    households: int = 0,
    party_members: int = 0,
    note: str = "",
) -> Village:
    """County staff add a village/community (12-digit code, unique; name unique in the township)."""
    require_perm(by, "cadres.add_village", "只有县委组织部可以新建村(社区)。")
    require_scope(by, township)
    village = Village(
        township=township,
        name=_strip(name),
        code=_strip(code),
        kind=kind,
        population=population or 0,
        households=households or 0,
        party_members=party_members or 0,
        note=note,
    )
    _check_and_save(village, _village_conflicts, by=by)
    return village


@transaction.atomic
def village_update(*, village: Village, by: User, **fields: Any) -> Village:
    """Clerks keep their villages' figures up to date; county staff may also rename, recode or
    move a village to another township."""
    require_perm(by, "cadres.change_village")
    require_scope(by, village)
    unknown = set(fields) - set(VILLAGE_FIELDS) - set(VILLAGE_STRUCTURE_FIELDS)
    if unknown:
        raise ValidationError({k: "该项不能在此修改。" for k in unknown})
    fields = {k: _strip(v) for k, v in fields.items()}
    changed = [k for k, v in fields.items() if getattr(village, k) != v]
    if not changed:
        return village
    if set(changed) & set(VILLAGE_STRUCTURE_FIELDS):
        require_perm(by, "cadres.manage_village", "只有县委组织部可以修改村(社区)名称、代码和所属乡镇。")
        if "township" in changed:
            require_scope(by, fields["township"])
    village = Village.objects.select_for_update().get(pk=village.pk)
    for k in changed:
        setattr(village, k, fields[k])
    _check_and_save(village, _village_conflicts, by=by, update_fields=changed)
    return village


FLAG_EARLIEST = datetime.date(2000, 1, 1)


@transaction.atomic
def village_flag_add(*, village: Village, by: User, kind: str, start_date: datetime.date, basis: str = "") -> VillageFlag:
    require_perm(by, "cadres.add_villageflag")
    require_scope(by, village)
    if kind not in choices.VillageFlagKind.values:
        raise ValidationError({"kind": "请选择村类型。"})
    if not (FLAG_EARLIEST <= start_date <= core_dates.today()):
        raise ValidationError({"start_date": f"认定日期应在{FLAG_EARLIEST:%Y年%m月%d日}至今天之间。"})
    if VillageFlag.objects.current(start_date).filter(village=village, kind=kind).exists():
        raise ValidationError({"kind": f"该村在{start_date:%Y年%m月%d日}已是“{choices.VillageFlagKind(kind).label}”。"})
    flag = VillageFlag(village=village, kind=kind, start_date=start_date, basis=basis)
    model_save(flag, by=by)
    return flag


@transaction.atomic
def village_flag_end(*, flag: VillageFlag, by: User, end_date: datetime.date) -> VillageFlag:
    require_perm(by, "cadres.change_villageflag")
    require_scope(by, flag)
    if flag.end_date:
        raise ValidationError({"end_date": "该标记已销号。"})
    if end_date < flag.start_date:
        raise ValidationError({"end_date": "摘帽/销号日期不能早于认定日期。"})
    if end_date > core_dates.today():
        raise ValidationError({"end_date": "摘帽/销号日期不能晚于今天。"})
    flag.end_date = end_date
    model_save(flag, by=by, update_fields=["end_date"])
    return flag
