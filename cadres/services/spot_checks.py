"""First secretaries' spot checks (抽查) and annual grades. Every door — the first-secretary page,
the API, the 抽查记录表 import and the admin — records through here, and the annual grade follows
the year's unexcused absences by the policy (register.spot_check_caps, rules.capped_grade)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from core import dates as core_dates
from core.services import model_save, require_perm, require_scope

from .. import rules
from ..choices import FirstSecretaryGrade as Grade
from ..choices import SpotCheckResult
from ..models import FirstSecretary, FirstSecretaryGrade, SpotCheck, User
from ..policy_section import spot_check_caps

RECORD = "cadres.add_spotcheck"  # county staff (clerks read their township's checks)
GRADE = "cadres.add_firstsecretarygrade"


def spot_check_errors(*, posting: FirstSecretary, date: datetime.date, result: str, excused: bool, checker: str) -> dict:
    """The rules of one check, {field: message} (the same for every door)."""
    errors = {}
    if result not in SpotCheckResult.values:
        errors["result"] = "抽查结果应为“在岗”或“缺勤”。"
    if date > core_dates.today():
        errors["date"] = "抽查日期不能晚于今天。"
    elif not (posting.term_start <= date <= (posting.ended_on or posting.term_end)):
        errors["date"] = "抽查日期不在该第一书记的驻村期内。"
    if excused and result != SpotCheckResult.ABSENT:
        errors["excused"] = "只有缺勤才有“请假已报备”。"
    if not (checker or "").strip():
        errors["checker"] = "请填写检查人。"
    return errors


def absences_in_year(posting: FirstSecretary, year: int) -> int:
    return SpotCheck.objects.filter(posting=posting, date__year=year).counted().count()


@transaction.atomic
def spot_check_record(
    *,
    posting: FirstSecretary,
    by: User,
    date: datetime.date,
    result: str,
    excused: bool = False,
    checker: str,
    note: str = "",
    reason: str = "",
) -> SpotCheck:
    """Record one spot check; the year's annual grade (when set) is capped again at once."""
    require_perm(by, RECORD, message="抽查记录由县委组织部登记。")
    require_scope(by, posting)
    errors = spot_check_errors(posting=posting, date=date, result=result, excused=excused, checker=checker)
    if not errors and SpotCheck.objects.filter(posting=posting, date=date).exists():
        errors["date"] = "该第一书记当天已有抽查记录。"
    if errors:
        raise ValidationError(errors)
    check = SpotCheck(
        posting=posting,
        date=date,
        result=result,
        excused=bool(excused) and result == SpotCheckResult.ABSENT,
        checker=checker.strip(),
        note=(note or "").strip(),
        recorded_by=by,
    )
    if reason:
        check._change_reason = reason
    model_save(check, by=by)
    first_secretary_regrade(posting=posting, year=date.year, by=by)
    return check


@transaction.atomic
def spot_check_record_bulk(*, rows: Iterable[dict], by: User, reason: str = "") -> list[int]:
    """The import's writer: each row ``{posting, date, result, excused, checker, note}`` through
    :func:`spot_check_record` (the rules once), the grades of the years touched capped again."""
    return [spot_check_record(by=by, reason=reason, **row).pk for row in rows]


@transaction.atomic
def first_secretary_grade_set(*, posting: FirstSecretary, year: int, proposed: str, by: User) -> FirstSecretaryGrade:
    """The county's annual grade of a first secretary: the proposed grade, capped by the year's
    unexcused spot-check absences as the year's policy says, with the reason."""
    require_perm(by, GRADE, message="第一书记年度考核等次由县委组织部确定。")
    require_scope(by, posting)
    if proposed not in Grade.values:
        raise ValidationError({"proposed": "请选择考核等次。"})
    if not (posting.term_start.year <= year <= core_dates.today().year):
        raise ValidationError({"year": "该年度不在驻村期内或尚未到来。"})
    entry = FirstSecretaryGrade.objects.select_for_update().filter(posting=posting, year=year).first()
    if entry is None:
        entry = FirstSecretaryGrade(posting=posting, year=year, proposed=proposed, recorded_by=by)
    entry.proposed, entry.recorded_by = proposed, by
    _apply_cap(entry, posting)
    model_save(entry, by=by)
    return entry


def _apply_cap(entry: FirstSecretaryGrade, posting: FirstSecretary) -> None:
    entry.absences = absences_in_year(posting, entry.year)
    entry.grade, entry.reason = rules.capped_grade(
        proposed=entry.proposed, absences=entry.absences, caps=spot_check_caps(entry.year)
    )


def first_secretary_regrade(*, posting: FirstSecretary, year: int, by: User | None) -> FirstSecretaryGrade | None:
    """Cap the year's grade again (after a check is recorded or undone); None when not graded yet."""
    entry = FirstSecretaryGrade.objects.select_for_update().filter(posting=posting, year=year).first()
    if entry is None:
        return None
    before = (entry.grade, entry.absences, entry.reason)
    _apply_cap(entry, posting)
    if (entry.grade, entry.absences, entry.reason) != before:
        model_save(entry, by=by, update_fields=["grade", "absences", "reason"])
    return entry


@transaction.atomic
def first_secretary_regrade_from_year(*, year: int, by: User | None = None) -> int:
    """Cap every annual grade from ``year`` on again (after the policy of ``year`` changed: a
    profile holds for the later years that have none of their own). Idempotent; returns how many
    grades changed."""
    changed = 0
    for entry in FirstSecretaryGrade.objects.filter(year__gte=year).select_related("posting").select_for_update(of=("self",)):
        before = (entry.grade, entry.absences, entry.reason)
        _apply_cap(entry, entry.posting)
        if (entry.grade, entry.absences, entry.reason) != before:
            model_save(entry, by=by, update_fields=["grade", "absences", "reason"])
            changed += 1
    return changed
