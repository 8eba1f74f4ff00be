"""Per-person pay data: pay accounts (bank, pension insurance), living-subsidy stops, benefit
records."""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import transaction

from cadres.models import Person, User
from core import dates as core_dates
from core.services import model_save, require_perm, require_scope

from ..models import BenefitRecord, LivingSubsidyStop, PayAccount
from ..rules import money

ACCOUNT_FIELDS = [
    "bank_name",
    "account_number",
    "account_holder",
    "pension_insured",
    "pension_at_standard",
    "living_extra",
    "note",
]


@transaction.atomic
def pay_account_save(*, person: Person, by: User, **fields) -> PayAccount:
    require_perm(by, "subsidies.change_payaccount", "只有县级财务可以维护报酬账户。")
    require_scope(by, person)
    unknown = set(fields) - set(ACCOUNT_FIELDS)
    if unknown:
        raise ValidationError({k: "该项不能在此修改。" for k in unknown})
    if "account_number" in fields:
        fields["account_number"] = re.sub(r"[\s-]", "", str(fields["account_number"] or ""))
    account = PayAccount.objects.select_for_update().filter(person=person).first()
    if account is None:
        account = PayAccount(person=person, **fields)
        model_save(account, by=by)
        return account
    changed = [k for k, v in fields.items() if getattr(account, k) != v]
    if changed:
        for k in changed:
            setattr(account, k, fields[k])
        model_save(account, by=by, update_fields=[*changed, "updated_at"])
    return account


@transaction.atomic
def living_subsidy_stop_add(*, person: Person, by: User, date: datetime.date, reason: str, note: str = "") -> LivingSubsidyStop:
    """Record a termination; it takes effect from the following year."""
    require_perm(by, "subsidies.add_livingsubsidystop")
    require_scope(by, person)
    if date > core_dates.today():
        raise ValidationError({"date": "日期不能晚于今天。"})
    stop = LivingSubsidyStop(person=person, date=date, reason=reason, note=note, recorded_by=by)
    model_save(stop, by=by)
    return stop


@transaction.atomic
def benefit_record_add(
    *, person: Person, by: User, kind: str, year: int, date=None, provider: str = "", cost=None, note: str = ""
) -> BenefitRecord:
    require_perm(by, "subsidies.add_benefitrecord")
    require_scope(by, person)
    if BenefitRecord.objects.filter(person=person, kind=kind, year=year).exists():
        raise ValidationError({"kind": f"{year}年度已有该待遇记录。"})
    record = BenefitRecord(
        person=person,
        kind=kind,
        year=year,
        date=date,
        provider=provider,
        note=note,
        cost=None if cost in (None, "") else money(cost),
    )
    model_save(record, by=by)
    return record
