"""First secretaries (驻村第一书记): postings, terms, expiry, monthly presence."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_update_with_history

from core import dates as core_dates
from core.fastwrite import insert_with_history
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


VILLAGE_TAKEN = "该村(社区)已有在岗的驻村第一书记，请先办理期满或召回。"
PERSON_POSTED = "此人已在其他村(社区)担任在岗的驻村第一书记。"


def first_secretary_term_errors(*, term_start: datetime.date, term_end: datetime.date | None) -> dict[str, str]:
    """The term rules of a posting (start within range, end after start, at most N years);
    ``term_end`` None = the policy's default term."""
    latest_start = core_dates.today() + datetime.timedelta(days=366)
    if not (FIRST_SECRETARY_EARLIEST <= term_start <= latest_start):
        return {"term_start": f"驻村开始日期应在{FIRST_SECRETARY_EARLIEST:%Y年%m月%d日}至{latest_start:%Y年%m月%d日}之间。"}
    if term_end is None:
        return {}
    if term_end <= term_start:
        return {"term_end": "驻村期满日期须晚于开始日期。"}
    if term_end > term_start.replace(year=term_start.year + FIRST_SECRETARY_MAX_YEARS, day=min(term_start.day, 28)):
        return {"term_end": f"驻村期限不能超过{FIRST_SECRETARY_MAX_YEARS}年，请核对期满日期。"}
    return {}


def first_secretary_create_bulk(*, rows: list[dict], by: User, reason: str) -> list[int]:
    """Post many first secretaries at once (imports). Each row: person_id, village_id,
    sending_unit, term_start, term_end (None = the policy's default term), original_title, batch.
    The rules of :func:`first_secretary_create` for every row (one active posting per village and
    per person, the term rules) or nothing is written. COPY with history; ids in order."""
    require_perm(by, "cadres.add_firstsecretary", "驻村第一书记由县委组织部选派。")
    if not rows:
        return []
    records, problems = [], []
    for i, row in enumerate(rows):
        term_end = row.get("term_end")
        errors = first_secretary_term_errors(term_start=row["term_start"], term_end=None)
        if not errors:
            term_end = term_end or first_secretary_default_term_end(row["term_start"])
            errors = first_secretary_term_errors(term_start=row["term_start"], term_end=term_end)
        problems += [(i, m) for m in errors.values()]
        records.append(
            {
                "person_id": row["person_id"],
                "village_id": row["village_id"],
                "sending_unit": row["sending_unit"].strip(),
                "original_title": row.get("original_title") or "",
                "batch": row.get("batch") or "",
                "term_start": row["term_start"],
                "term_end": term_end,
                "status": FirstSecretaryStatus.ACTIVE,
            }
        )
    active = FirstSecretary.objects.active()
    taken = set(active.filter(village_id__in={r["village_id"] for r in records}).values_list("village_id", flat=True))
    posted = set(active.filter(person_id__in={r["person_id"] for r in records}).values_list("person_id", flat=True))
    for i, r in enumerate(records):
        if r["village_id"] in taken:
            problems.append((i, VILLAGE_TAKEN))
        if r["person_id"] in posted:
            problems.append((i, PERSON_POSTED))
    if problems:
        i, message = problems[0]
        raise ValidationError(f"共有{len(problems)}处驻村第一书记信息未通过校验（如第{i + 1}条：{message}），未写入任何数据。")
    return insert_with_history(FirstSecretary, records, user=by, reason=reason)


FIRST_SECRETARY_IMPORT_FIELDS = ("sending_unit", "original_title", "term_start", "term_end", "batch")


def first_secretary_update_bulk(*, updates: dict[int, dict], by: User, reason: str) -> dict[str, dict]:
    """Correct many active postings at once (imports): posting id → {field: value} of
    FIRST_SECRETARY_IMPORT_FIELDS, with the term rules. Returns the old values for an undo."""
    require_perm(by, "cadres.change_firstsecretary")
    if not updates:
        return {}
    postings = FirstSecretary.objects.in_bulk(list(updates))
    old, fields = {}, set()
    for pk, posting in postings.items():
        new = updates[pk]
        unknown = set(new) - set(FIRST_SECRETARY_IMPORT_FIELDS)
        if unknown:
            raise TypeError(f"unknown first secretary fields: {sorted(unknown)}")
        errors = first_secretary_term_errors(
            term_start=new.get("term_start", posting.term_start), term_end=new.get("term_end", posting.term_end)
        )
        if errors:
            raise ValidationError(f"驻村第一书记{posting.pk}：{'；'.join(errors.values())}未写入任何数据。")
        old[str(pk)] = {f: _json(getattr(posting, f)) for f in new}
        for f, value in new.items():
            setattr(posting, f, value)
        fields.update(new)
    bulk_update_with_history(
        list(postings.values()), FirstSecretary, sorted(fields), default_user=by, default_change_reason=reason
    )
    return old


def _json(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


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
    errors = first_secretary_term_errors(term_start=term_start, term_end=None)
    if not errors:
        term_end = term_end or first_secretary_default_term_end(term_start)
        errors = first_secretary_term_errors(term_start=term_start, term_end=term_end)
    if errors:
        raise ValidationError(errors)
    if FirstSecretary.objects.active().filter(village=village).exists():
        raise ValidationError({"village": VILLAGE_TAKEN})
    if FirstSecretary.objects.active().filter(person=person).exists():
        raise ValidationError({"person": PERSON_POSTED})
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
