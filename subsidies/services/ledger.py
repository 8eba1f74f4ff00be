"""Ledger entries besides pay runs: reversals (the only write allowed in a locked period), manual
or imported entries, one-off awards. The ledger is append-only: nothing updates or deletes a
LedgerEntry — corrections are reversing entries with a reason."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from cadres.models import Appointment, Person, User
from core.scope import scoped
from core.services import model_save, require_perm, require_scope

from ..choices import EntrySource, EntryType
from ..models import LedgerEntry
from ..policy_section import pay_rules
from ..rules import fmt_yuan, money
from .periods import _require_open, parse_period_code, period_get_or_create


@transaction.atomic
def ledger_entry_reverse(*, entry: LedgerEntry, by: User, reason: str) -> LedgerEntry:
    """A correction: a new entry of the opposite amount pointing at the original, with a reason.
    Allowed in locked periods (the only write that is)."""
    require_perm(by, "subsidies.reverse_ledgerentry", "只有县级财务可以冲销更正。")
    require_scope(by, entry)
    if not (reason or "").strip():
        raise ValidationError({"reason": "冲销更正须填写事由。"})
    entry = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.reverses_id:
        raise ValidationError({"reason": "冲销记录本身不能再冲销；如需恢复请重新录入。"})
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise ValidationError({"reason": "该账目已被冲销。"})
    reversal = LedgerEntry(
        person_id=entry.person_id,
        township_id=entry.township_id,
        village_id=entry.village_id,
        period_id=entry.period_id,
        entry_type=entry.entry_type,
        amount=-entry.amount,
        source=EntrySource.REVERSAL,
        pay_run_id=entry.pay_run_id,
        rule="reversal",
        inputs={"reverses": entry.pk, "amount": str(entry.amount)},
        explanation=f"冲销第{entry.pk}号账目 {fmt_yuan(entry.amount)}：{reason.strip()}"[:500],
        source_ref=entry.source_ref,
        reverses=entry,
        reason=reason.strip()[:300],
        created_by=by,
    )
    model_save(reversal, by=by)
    return reversal


def _money_input(value, field: str = "amount") -> Decimal:
    try:
        amount = money(value)
    except (ArithmeticError, ValueError, TypeError):
        raise ValidationError({field: "金额格式不正确。"}) from None
    if amount == 0:
        raise ValidationError({field: "金额不能为0。"})
    return amount


def _person_township(person: Person, by: User) -> tuple[int, int | None]:
    """Township (and village) of a person's latest appointment within the user's scope."""
    appt = (
        scoped(by, Appointment)
        .filter(person=person)
        .order_by("-start_date", "-id")
        .values("village_id", "village__township_id")
        .first()
    )
    if appt:
        return appt["village__township_id"], appt["village_id"]
    if person.registered_township_id and (not by.is_clerk or person.registered_township_id == by.township_id):
        return person.registered_township_id, None
    raise ValidationError({"person": "该人员在您的数据范围内没有任职记录，无法确定发放乡镇。"})


@transaction.atomic
def ledger_entry_add(
    *,
    by: User,
    person: Person,
    period_code: str,
    entry_type: str,
    amount,
    reason: str,
    source: str = EntrySource.MANUAL,
    source_ref: str = "",
    rule: str = "manual",
    origin: str = "",
) -> LedgerEntry:
    """A manual or imported entry (awards, one-off payments). Not in locked periods. ``origin``
    (e.g. "表格导入 #12 第3行") is added to the explanation."""
    require_perm(by, "subsidies.add_ledgerentry", "只有县级可以录入账目。")
    require_scope(by, person)
    if entry_type not in EntryType.values:
        raise ValidationError({"entry_type": "未知的账目类型。"})
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写发放事由。"})
    amount = _money_input(amount)
    period = period_get_or_create(code=period_code, by=by)
    _require_open(period)
    township_id, village_id = _person_township(person, by)
    entry = LedgerEntry(
        person=person,
        township_id=township_id,
        village_id=village_id,
        period=period,
        entry_type=entry_type,
        amount=amount,
        source=source,
        rule=rule,
        inputs={"amount": str(amount), **({"origin": origin} if origin else {})},
        explanation=(f"{EntryType(entry_type).label}：{reason.strip()} {fmt_yuan(amount)}" + (f"（{origin}）" if origin else ""))[
            :500
        ],
        source_ref=source_ref,
        reason=reason.strip()[:300],
        created_by=by,
    )
    model_save(entry, by=by)
    return entry


@transaction.atomic
def award_post(
    *, by: User, people: Iterable[Person], period_code: str, award_code: str, reason: str = "", amount=None
) -> list[LedgerEntry]:
    """One-off awards from the policy's award list (e.g. 11 excellent secretaries × ¥5,000)."""
    people = list(people)
    if not people:
        raise ValidationError({"people": "请选择获奖人员。"})
    _kind, year, _ = parse_period_code(period_code)
    award = next((a for a in pay_rules(year).get("awards", []) if a["code"] == award_code), None)
    if award is None:
        raise ValidationError({"award_code": "政策配置中没有该奖励项目。"})
    value = _money_input(amount if amount not in (None, "") else award["amount"])
    if len({p.pk for p in people}) != len(people):
        raise ValidationError({"people": "获奖人员有重复。"})
    text = f"{award['name']}{('：' + reason.strip()) if reason.strip() else ''}"
    return [
        ledger_entry_add(
            by=by,
            person=p,
            period_code=period_code,
            entry_type=EntryType.AWARD,
            amount=value,
            reason=text,
            source_ref=f"award:{award_code}",
            rule=f"award:{award_code}",
        )
        for p in people
    ]
