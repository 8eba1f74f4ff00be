"""First secretaries (驻村第一书记): postings, terms, expiry, monthly presence."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from core import dates as core_dates
from core.policy import policy_for_year
from core.services import model_save, require_perm, require_scope

from ..choices import FirstSecretaryStatus
from ..models import (
    FirstSecretary,
    Person,
    PresenceMonth,
    User,
    Village,
)

# ---------------------------------------------------------------------------------------------
# First secretaries
# ---------------------------------------------------------------------------------------------


FIRST_SECRETARY_EARLIEST = datetime.date(2000, 1, 1)
FIRST_SECRETARY_MAX_YEARS = 10


def first_secretary_default_term_end(term_start: datetime.date) -> datetime.date:
    """Start + the policy's default term in months (day clamped to 28 so that it always exists)."""
    months = int(policy_for_year(term_start.year).section("register")["first_secretary"]["term_months"])
    y, m = divmod(term_start.month - 1 + months, 12)
    return term_start.replace(year=term_start.year + y, month=m + 1, day=min(term_start.day, 28))


@transaction.atomic
def first_secretary_create(
    *,
    by: User,
    person: Person,
    village: Village,
    sending_unit: str,
    term_start: datetime.date,
    term_end: datetime.date | None = None,
    original_title: str = "",
    batch: str = "",
) -> FirstSecretary:
    """Send a first secretary to a village (先定村、再定人: the village is chosen first)."""
    require_perm(by, "cadres.add_firstsecretary", "驻村第一书记由县委组织部选派。")
    require_scope(by, village)
    latest_start = core_dates.today() + datetime.timedelta(days=366)
    if not (FIRST_SECRETARY_EARLIEST <= term_start <= latest_start):
        raise ValidationError(
            {"term_start": f"驻村开始日期应在{FIRST_SECRETARY_EARLIEST:%Y年%m月%d日}至{latest_start:%Y年%m月%d日}之间。"}
        )
    if term_end is None:
        term_end = first_secretary_default_term_end(term_start)
    if term_end <= term_start:
        raise ValidationError({"term_end": "驻村期满日期须晚于开始日期。"})
    if term_end > term_start.replace(year=term_start.year + FIRST_SECRETARY_MAX_YEARS, day=min(term_start.day, 28)):
        raise ValidationError({"term_end": f"驻村期限不能超过{FIRST_SECRETARY_MAX_YEARS}年，请核对期满日期。"})
    if FirstSecretary.objects.active().filter(village=village).exists():
        raise ValidationError({"village": "该村(社区)已有在岗的驻村第一书记，请先办理期满或召回。"})
    if FirstSecretary.objects.active().filter(person=person).exists():
        raise ValidationError({"person": "此人已在其他村(社区)担任在岗的驻村第一书记。"})
    posting = FirstSecretary(
        person=person,
        village=village,
        sending_unit=sending_unit.strip(),
        term_start=term_start,
        term_end=term_end,
        original_title=original_title,
        batch=batch,
    )
    model_save(posting, by=by)
    return posting


@transaction.atomic
def first_secretary_end(
    *, posting: FirstSecretary, by: User, status: str, ended_on: datetime.date, note: str = ""
) -> FirstSecretary:
    """Term expired (期满) or recalled (召回撤换, reason required)."""
    require_perm(by, "cadres.change_firstsecretary")
    posting = FirstSecretary.objects.select_for_update().get(pk=posting.pk)
    require_scope(by, posting)
    errors = {}
    if posting.status != FirstSecretaryStatus.ACTIVE:
        errors["status"] = "该第一书记已不在岗。"
    if status not in (FirstSecretaryStatus.EXPIRED, FirstSecretaryStatus.RECALLED):
        errors["status"] = "请选择“期满”或“召回”。"
    if status == FirstSecretaryStatus.RECALLED and not note.strip():
        errors["note"] = "召回须填写原因。"
    if ended_on < posting.term_start:
        errors["ended_on"] = "离村日期不能早于驻村开始日期。"
    if errors:
        raise ValidationError(errors)
    posting.status = status
    posting.ended_on = ended_on
    posting.end_note = note
    model_save(posting, by=by, update_fields=["status", "ended_on", "end_note"])
    return posting


@transaction.atomic
def first_secretary_terms_expire(*, on: datetime.date, by: User | None = None) -> int:
    """Mark every active posting whose term ended before ``on`` as expired. Idempotent."""
    count = 0
    for posting in FirstSecretary.objects.active().filter(term_end__lt=on).select_for_update():
        posting.status = FirstSecretaryStatus.EXPIRED
        posting.ended_on = posting.term_end
        posting.end_note = "任期届满（系统自动）"
        model_save(posting, by=by, update_fields=["status", "ended_on", "end_note"])
        count += 1
    return count


@transaction.atomic
def presence_record(
    *,
    posting: FirstSecretary,
    by: User,
    month: datetime.date,
    days_in_village: int,
    leave_days: int = 0,
    note: str = "",
) -> PresenceMonth:
    """Record (or correct) days in the village for one month."""
    require_perm(by, "cadres.add_presencemonth")
    require_scope(by, posting)
    month = month.replace(day=1)
    import calendar

    days_in_month = calendar.monthrange(month.year, month.month)[1]
    errors = {}
    if month < posting.term_start.replace(day=1) or month > posting.term_end.replace(day=1):
        errors["month"] = "该月份不在驻村期内。"
    if month > core_dates.today().replace(day=1):
        errors["month"] = "不能登记未来月份。"
    if days_in_village + leave_days > days_in_month:
        errors["days_in_village"] = f"在村天数与请假天数之和不能超过当月天数（{days_in_month}天）。"
    if errors:
        raise ValidationError(errors)
    entry = PresenceMonth.objects.filter(first_secretary=posting, month=month).first()
    if entry is None:
        entry = PresenceMonth(
            first_secretary=posting,
            month=month,
            recorded_by=by,
            days_in_village=days_in_village,
            leave_days=leave_days,
            note=note,
        )
        model_save(entry, by=by)
    else:
        entry.days_in_village, entry.leave_days, entry.note, entry.recorded_by = days_in_village, leave_days, note, by
        model_save(entry, by=by, update_fields=["days_in_village", "leave_days", "note", "recorded_by"])
    return entry


def presence_shortfall(entry: PresenceMonth, min_days: int) -> bool:
    """The ≥N-days-a-month rule (pure)."""
    return entry.days_in_village < min_days
