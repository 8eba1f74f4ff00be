"""Writes to the reserve pool. The only place where its rules change data.

Keyword-only arguments, one transaction each, permission and data-scope checks, Chinese
messages keyed by field, history with who and when (simple_history user from ``by``).

Who does what: township clerks take the first two steps (村级摸底, 乡镇推荐) for villages of the
own township and keep the development records (mentoring, practice posts, appraisals, Party
path); county staff take every step, including 县级审核 (the register's joint review),
入库, 已任用 (creates the appointment in the register) and 退出. Auditors only read.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from simple_history.utils import bulk_update_with_history

from cadres import services as register
from cadres.choices import Education, PoliticalStatus, VettingResult
from cadres.models import Person, QualificationReview, User, Village
from core import dates as core_dates
from core.access import require
from core.fastwrite import insert_with_history
from core.policy import post_info
from core.services import model_save, require_scope

from . import rules
from .access import DECIDE, MAINTAIN
from .choices import OPEN_STATUSES, ExitReason, PartyStage, Status
from .models import Appraisal, Mentorship, PartyStageRecord, PracticePost, ReserveCandidate, ReserveEvent
from .policy_section import codes, reserve_rules

COUNTY_ONLY = "该步骤由县委组织部办理。"

# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _require_actor(by: User | None, *, county: bool = False, message: str = "") -> None:
    """The gate (core.access): the county step, or keeping the reserves (county staff, clerks)."""
    if by is None:
        raise PermissionDenied("请先登录。")
    require(by, DECIDE if county else MAINTAIN, message=message or None)


def _log(candidate: ReserveCandidate, *, by: User, from_status: str, date: datetime.date, note: str = "") -> ReserveEvent:
    return ReserveEvent.objects.create(
        candidate=candidate, from_status=from_status, to_status=candidate.status, date=date, by=by, note=note[:300]
    )


def _not_future(day: datetime.date | None, field: str = "date") -> datetime.date:
    today = core_dates.today()
    day = day or today
    if day > today:
        raise ValidationError({field: "日期不能晚于今天。"})
    return day


def _locked(candidate: ReserveCandidate, by: User) -> ReserveCandidate:
    fresh = ReserveCandidate.objects.select_for_update(of=("self",)).select_related("person", "village").get(pk=candidate.pk)
    require_scope(by, fresh, allow_system=False)
    return fresh


def _expect(candidate: ReserveCandidate, *allowed: str, step: str) -> None:
    if candidate.status not in allowed:
        raise ValidationError({"status": f"当前状态为“{candidate.get_status_display()}”，不能办理“{step}”。"})


def _require_open(candidate: ReserveCandidate) -> None:
    if candidate.status not in OPEN_STATUSES:
        raise ValidationError({"candidate": f"该后备力量已{candidate.get_status_display()}，不能再录入培养记录。"})


def _step(candidate: ReserveCandidate, *, by: User, to: str, date: datetime.date, note: str, fields: list[str]) -> None:
    previous = candidate.status
    candidate.status = to
    model_save(candidate, by=by, update_fields=["status", *fields])
    _log(candidate, by=by, from_status=previous, date=date, note=note)


def open_record_message(*, by: User, other: ReserveCandidate) -> str:
    """A person already holds an open reserve record for the cohort: name the village only to a
    user whose scope covers it (a clerk learns nothing about another township's records)."""
    if by.sees_all_townships or other.village.township_id == by.township_id:
        return (
            f"此人已是{other.village.township.name}{other.village.name}{other.cohort}届后备力量"
            f"（{other.get_status_display()}），不能重复录入，如需调整请先办理退出"
        )
    return f"此人已是其他乡镇的{other.cohort}届后备力量，不能重复录入，请联系县委组织部"


def eligibility_errors(*, person: Person, cohort: int, year: int | None = None) -> dict[str, str]:
    """The year's age and education conditions for ``person`` in ``cohort`` (policy data)."""
    section = reserve_rules(year)
    return rules.eligibility_errors(
        birth_date=person.birth_date,
        education=person.highest_education,
        cohort=cohort,
        rules=section["eligibility"],
        education_labels=dict(Education.choices),
    )


def check_new_candidate(
    *,
    birth_date: datetime.date,
    education: str,
    cohort: int,
    source: str,
    intended_post: str,
    section: dict,
    year: int,
) -> dict[str, str]:
    """Field-keyed problems with a new reserve record (shared by the service, the bulk service
    and so the import): cohort, the year's source categories and posts, age and education."""
    errors: dict[str, str] = {}
    if not 2000 <= int(cohort) <= 2100:
        errors["cohort"] = "换届届次应为年份，如 2026。"
        return errors
    if source not in codes(section, "source_categories"):
        errors["source"] = "请选择当年政策配置中的来源类别。"
    if post_info(intended_post, year) is None:
        errors["intended_post"] = f"“{intended_post}”不是{year}年度政策配置中的职务。"
    errors.update(
        rules.eligibility_errors(
            birth_date=birth_date,
            education=education,
            cohort=int(cohort),
            rules=section["eligibility"],
            education_labels=dict(Education.choices),
        )
    )
    return errors


# ---------------------------------------------------------------------------------------------
# Pipeline: 村级摸底 → 乡镇推荐 → 县级审核 → 入库 → 已任用 / 退出
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def reserve_survey(
    *,
    by: User,
    person: Person,
    village: Village,
    cohort: int,
    source: str,
    intended_post: str,
    surveyed_on: datetime.date | None = None,
    note: str = "",
) -> ReserveCandidate:
    """村级摸底: put a person on a village's reserve list for an election cohort."""
    _require_actor(by)
    require_scope(by, village, "只能为本乡镇的村(社区)摸底推荐后备力量。", allow_system=False)
    # The form, the API and the roster import refuse this too: attaching a file outside the scope
    # would bring another township's person into the user's scope.
    require_scope(by, person, "该人员已在其他乡镇建档，不在您的数据范围内，请联系县委组织部。", allow_system=False)
    surveyed_on = _not_future(surveyed_on, "surveyed_on")
    section = reserve_rules(surveyed_on.year)
    errors = check_new_candidate(
        birth_date=person.birth_date,
        education=person.highest_education,
        cohort=cohort,
        source=source,
        intended_post=intended_post,
        section=section,
        year=surveyed_on.year,
    )
    if not errors:
        other = ReserveCandidate.objects.open().filter(person=person, cohort=cohort).select_related("village__township").first()
        if other is not None:
            errors["person"] = open_record_message(by=by, other=other) + "。"
    if errors:
        raise ValidationError(errors)
    candidate = ReserveCandidate(
        person=person,
        village=village,
        cohort=cohort,
        source=source,
        source_name=codes(section, "source_categories")[source]["name"],
        intended_post=intended_post,
        intended_post_name=post_info(intended_post, surveyed_on.year)["name"],
        status=Status.SURVEYED,
        surveyed_on=surveyed_on,
        note=note,
        created_by=by,
    )
    model_save(candidate, by=by)
    _log(candidate, by=by, from_status="", date=surveyed_on, note=note or "村级摸底")
    return candidate


@transaction.atomic
def reserve_nominate(
    *, candidate: ReserveCandidate, by: User, on: datetime.date | None = None, note: str = ""
) -> ReserveCandidate:
    """乡镇推荐: the township Party committee nominates a surveyed person."""
    _require_actor(by)
    candidate = _locked(candidate, by)
    _expect(candidate, Status.SURVEYED, step="乡镇推荐")
    on = _not_future(on, "on")
    if on < candidate.surveyed_on:
        raise ValidationError({"on": f"推荐日期不能早于摸底日期（{rules.cn(candidate.surveyed_on)}）。"})
    _step(candidate, by=by, to=Status.NOMINATED, date=on, note=note or "乡镇推荐", fields=[])
    return candidate


@transaction.atomic
def reserve_review_request(
    *, candidate: ReserveCandidate, by: User, on: datetime.date | None = None, note: str = ""
) -> ReserveCandidate:
    """县级审核: the county opens the register's joint review (资格联审) for the candidate."""
    _require_actor(by, county=True, message="县级审核由县委组织部办理。")
    candidate = _locked(candidate, by)
    _expect(candidate, Status.NOMINATED, step="县级审核")
    on = _not_future(on, "on")
    review = (
        QualificationReview.objects.filter(
            person=candidate.person,
            village=candidate.village,
            post=candidate.intended_post,
            outcome=VettingResult.PENDING,
        )
        .order_by("-requested_at")
        .first()
    )
    if review is None:
        review = register.qualification_review_request(
            by=by,
            person=candidate.person,
            village=candidate.village,
            post=candidate.intended_post,
            cohort=candidate.cohort,
            note=f"后备力量县级审核（{candidate.cohort}届）",
        )
    candidate.qualification_review = review
    _step(candidate, by=by, to=Status.REVIEWING, date=on, note=note or "提请资格联审", fields=["qualification_review"])
    return candidate


@transaction.atomic
def reserve_pool_enter(
    *, candidate: ReserveCandidate, by: User, on: datetime.date | None = None, note: str = ""
) -> ReserveCandidate:
    """入库: only after the joint review has passed; a failed review can never enter the pool."""
    _require_actor(by, county=True, message="入库由县委组织部办理。")
    candidate = _locked(candidate, by)
    _expect(candidate, Status.REVIEWING, step="入库")
    review = QualificationReview.objects.get(pk=candidate.qualification_review_id)
    if review.outcome == VettingResult.FAIL:
        raise ValidationError({"qualification_review": "资格联审未通过，不能入库。请办理退出。"})
    if review.outcome != VettingResult.PASS:
        raise ValidationError({"qualification_review": "资格联审尚未办结（仍有部门未出具意见），不能入库。"})
    on = _not_future(on, "on")
    _step(candidate, by=by, to=Status.POOLED, date=on, note=note or "资格联审通过，入库", fields=[])
    return candidate


@transaction.atomic
def reserve_appoint(
    *,
    candidate: ReserveCandidate,
    by: User,
    start_date: datetime.date,
    post: str | None = None,
    note: str = "",
) -> ReserveCandidate:
    """已任用: create the appointment in the register and close the reserve record, together.

    Both writes happen in this one transaction: if the register refuses the appointment (e.g. a
    duplicate open post), the reserve record stays in the pool unchanged.
    """
    _require_actor(by, county=True, message="任用由县委组织部办理。")
    candidate = _locked(candidate, by)
    _expect(candidate, Status.POOLED, step="任用")
    post = post or candidate.intended_post
    review = candidate.qualification_review if candidate.qualification_review.post == post else None
    appointment = register.appointment_create(
        by=by,
        person=candidate.person,
        village=candidate.village,
        post=post,
        start_date=start_date,
        cohort=candidate.cohort,
        qualification_review=review,
        note=note or f"由后备力量任用（{candidate.cohort}届）",
    )
    candidate.appointment = appointment
    candidate.closed_on = min(start_date, core_dates.today())
    _step(
        candidate,
        by=by,
        to=Status.APPOINTED,
        date=candidate.closed_on,
        note=note or f"任用为{appointment.post_name}",
        fields=["appointment", "closed_on"],
    )
    return candidate


@transaction.atomic
def reserve_exit(
    *, candidate: ReserveCandidate, by: User, reason: str, on: datetime.date | None = None, note: str = ""
) -> ReserveCandidate:
    """退出 with a reason (动态调整, review failed, over age …)."""
    _require_actor(by, county=True, message="退出由县委组织部办理。")
    candidate = _locked(candidate, by)
    _expect(candidate, *OPEN_STATUSES, step="退出")
    errors = {}
    if reason not in ExitReason.values:
        errors["reason"] = "请选择退出原因。"
    elif reason == ExitReason.OTHER and not note.strip():
        errors["note"] = "退出原因为“其他”时须填写说明。"
    if errors:
        raise ValidationError(errors)
    on = _not_future(on, "on")
    candidate.exit_reason = reason
    candidate.closed_on = on
    _step(
        candidate,
        by=by,
        to=Status.EXITED,
        date=on,
        note=note or ExitReason(reason).label,
        fields=["exit_reason", "closed_on"],
    )
    return candidate


# ---------------------------------------------------------------------------------------------
# In bulk (the 后备干部花名册 import): the same rules, written with COPY
# ---------------------------------------------------------------------------------------------


def reserve_survey_check_bulk(*, rows: list[dict], by: User) -> list[dict[str, str]]:
    """The rules of :func:`reserve_survey` for many new records with a fixed number of queries.
    Each row: person_id (None: a file created in the same import), birth_date, education,
    village_id, cohort, source, intended_post, surveyed_on. Returns field-keyed problems per row."""
    sections: dict[int, dict] = {}
    open_records: dict[tuple[int, int], ReserveCandidate] = {}
    person_ids = {r["person_id"] for r in rows if r["person_id"] is not None}
    for i in range(0, len(person_ids), 900):
        chunk = list(person_ids)[i : i + 900]
        for c in ReserveCandidate.objects.open().filter(person_id__in=chunk).select_related("village__township"):
            open_records[(c.person_id, c.cohort)] = c
    out = []
    for row in rows:
        year = row["surveyed_on"].year
        if year not in sections:
            sections[year] = reserve_rules(year)
        errors = {}
        if row["surveyed_on"] > core_dates.today():
            errors["surveyed_on"] = "日期不能晚于今天。"
        errors.update(
            check_new_candidate(
                birth_date=row["birth_date"],
                education=row["education"],
                cohort=row["cohort"],
                source=row["source"],
                intended_post=row["intended_post"],
                section=sections[year],
                year=year,
            )
        )
        other = open_records.get((row["person_id"], row["cohort"]))
        if other is not None and other.village_id != row["village_id"]:
            errors["person"] = open_record_message(by=by, other=other) + "。"
        out.append(errors)
    return out


def reserve_survey_bulk(*, rows: list[dict], by: User, reason: str) -> list[int]:
    """村级摸底 of many people at once (imports): rows as for :func:`reserve_survey_check_bulk`
    plus township_id and note; every row passes the rules of :func:`reserve_survey` or nothing is
    written. COPY with history, and one 村级摸底 event each. Returns the ids in order."""
    _require_actor(by)
    if not by.sees_all_townships and any(r["township_id"] != by.township_id for r in rows):
        raise PermissionDenied("只能为本乡镇的村(社区)摸底推荐后备力量。")
    if not rows:
        return []
    found = [(i, e) for i, e in enumerate(reserve_survey_check_bulk(rows=rows, by=by)) if e]
    if found:
        i, errors = found[0]
        raise ValidationError(
            f"共有{len(found)}名后备力量未通过校验（如第{i + 1}条：{'；'.join(errors.values())}），未写入任何数据。"
        )
    records = []
    for row in rows:
        year = row["surveyed_on"].year
        section = reserve_rules(year)
        records.append(
            {
                "person_id": row["person_id"],
                "village_id": row["village_id"],
                "cohort": row["cohort"],
                "source": row["source"],
                "source_name": codes(section, "source_categories")[row["source"]]["name"],
                "intended_post": row["intended_post"],
                "intended_post_name": post_info(row["intended_post"], year)["name"],
                "status": Status.SURVEYED,
                "surveyed_on": row["surveyed_on"],
                "note": row.get("note") or "",
                "created_by_id": by.pk,
            }
        )
    ids = insert_with_history(ReserveCandidate, records, user=by, reason=reason)
    ReserveEvent.objects.bulk_create(
        ReserveEvent(candidate_id=pk, from_status="", to_status=Status.SURVEYED, date=r["surveyed_on"], by=by, note=reason)
        for pk, r in zip(ids, records, strict=True)
    )
    return ids


RESERVE_IMPORT_FIELDS = ("source", "source_name", "intended_post", "intended_post_name")


def reserve_update_bulk(*, updates: dict[int, dict], by: User, reason: str) -> dict[str, dict]:
    """Correct the source and intended post of many open records (imports): id → {field: value}
    of RESERVE_IMPORT_FIELDS (names follow the codes). Returns the old values for an undo."""
    _require_actor(by)
    if not updates:
        return {}
    candidates = ReserveCandidate.objects.select_related("village").in_bulk(list(updates))
    old, fields = {}, set()
    for pk, c in candidates.items():
        if not by.sees_all_townships and c.village.township_id != by.township_id:
            raise PermissionDenied("只能修改本乡镇的后备力量。")
        _require_open(c)
        new = updates[pk]
        if set(new) - set(RESERVE_IMPORT_FIELDS):
            raise TypeError(f"unknown reserve fields: {sorted(set(new) - set(RESERVE_IMPORT_FIELDS))}")
        old[str(pk)] = {f: getattr(c, f) for f in new}
        for f, value in new.items():
            setattr(c, f, value)
        fields.update(new)
    bulk_update_with_history(
        list(candidates.values()), ReserveCandidate, sorted(fields), default_user=by, default_change_reason=reason
    )
    return old


# ---------------------------------------------------------------------------------------------
# Development: mentoring, practice posts, yearly appraisal, Party path
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def mentorship_add(
    *,
    candidate: ReserveCandidate,
    by: User,
    mentor_type: str,
    mentor_name: str,
    start_date: datetime.date,
    mentor_title: str = "",
    mentor_person: Person | None = None,
    end_date: datetime.date | None = None,
    note: str = "",
) -> Mentorship:
    """导师帮带: one more mentor; several active mentors make it 多带一."""
    _require_actor(by)
    candidate = _locked(candidate, by)
    _require_open(candidate)
    types = codes(reserve_rules(start_date.year), "mentor_types")
    errors = {}
    if mentor_type not in types:
        errors["mentor_type"] = "请选择当年政策配置中的导师类型。"
    mentor_name = (mentor_name or "").strip()
    if not mentor_name:
        errors["mentor_name"] = "请填写导师姓名。"
    if start_date > core_dates.today():
        errors["start_date"] = "帮带开始日期不能晚于今天。"
    if end_date and end_date < start_date:
        errors["end_date"] = "帮带结束日期不能早于开始日期。"
    if mentor_name and candidate.mentorships.active().filter(mentor_name=mentor_name).exists():
        errors["mentor_name"] = f"{mentor_name}已在帮带此人。"
    if errors:
        raise ValidationError(errors)
    mentorship = Mentorship(
        candidate=candidate,
        mentor_type=mentor_type,
        mentor_type_name=types[mentor_type]["name"],
        mentor_name=mentor_name,
        mentor_title=mentor_title,
        mentor_person=mentor_person,
        start_date=start_date,
        end_date=end_date,
        note=note,
    )
    model_save(mentorship, by=by)
    return mentorship


@transaction.atomic
def mentorship_end(*, mentorship: Mentorship, by: User, end_date: datetime.date) -> Mentorship:
    _require_actor(by)
    mentorship = Mentorship.objects.select_for_update().get(pk=mentorship.pk)
    require_scope(by, mentorship, allow_system=False)
    if mentorship.end_date:
        raise ValidationError({"end_date": "该帮带关系已结束。"})
    if end_date < mentorship.start_date:
        raise ValidationError({"end_date": f"帮带结束日期不能早于开始日期（{rules.cn(mentorship.start_date)}）。"})
    mentorship.end_date = end_date
    model_save(mentorship, by=by, update_fields=["end_date"])
    return mentorship


@transaction.atomic
def practice_post_add(
    *,
    candidate: ReserveCandidate,
    by: User,
    post: str,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    assessment: str = "",
) -> PracticePost:
    """定岗锻炼 on a practice post from the year's policy."""
    _require_actor(by)
    candidate = _locked(candidate, by)
    _require_open(candidate)
    posts = codes(reserve_rules(start_date.year), "practice_posts")
    errors = {}
    if post not in posts:
        errors["post"] = "请选择当年政策配置中的定岗锻炼岗位。"
    if start_date > core_dates.today():
        errors["start_date"] = "开始日期不能晚于今天。"
    if end_date and end_date < start_date:
        errors["end_date"] = "结束日期不能早于开始日期。"
    if post in posts and candidate.practice_posts.active().filter(post=post).exists():
        errors["post"] = f"此人正在“{posts[post]['name']}”岗位锻炼。"
    if errors:
        raise ValidationError(errors)
    practice = PracticePost(
        candidate=candidate,
        post=post,
        post_name=posts[post]["name"],
        start_date=start_date,
        end_date=end_date,
        assessment=assessment,
    )
    model_save(practice, by=by)
    return practice


@transaction.atomic
def practice_post_assess(
    *, practice: PracticePost, by: User, assessment: str, end_date: datetime.date | None = None
) -> PracticePost:
    """Close a practice post and/or record its assessment."""
    _require_actor(by)
    practice = PracticePost.objects.select_for_update().get(pk=practice.pk)
    require_scope(by, practice, allow_system=False)
    if end_date and end_date < practice.start_date:
        raise ValidationError({"end_date": f"结束日期不能早于开始日期（{rules.cn(practice.start_date)}）。"})
    if not assessment.strip() and end_date is None:
        raise ValidationError({"assessment": "请填写锻炼评价或结束日期。"})
    practice.assessment = assessment.strip() or practice.assessment
    practice.end_date = end_date or practice.end_date
    model_save(practice, by=by, update_fields=["assessment", "end_date"])
    return practice


@transaction.atomic
def appraisal_record(
    *,
    candidate: ReserveCandidate,
    by: User,
    year: int,
    result: str,
    date: datetime.date | None = None,
    note: str = "",
) -> Appraisal:
    """年度测评. A poor result marks the record for adjustment (调整出库并补充, 动态调整)."""
    _require_actor(by)
    candidate = _locked(candidate, by)
    _require_open(candidate)
    date = _not_future(date, "date")
    results = codes(reserve_rules(year), "appraisal_results")
    errors = {}
    if result not in results:
        errors["result"] = "请选择当年政策配置中的测评结果。"
    if year > date.year or year < candidate.surveyed_on.year:
        errors["year"] = f"测评年度应在{candidate.surveyed_on.year}年至{date.year}年之间。"
    if not errors and Appraisal.objects.filter(candidate=candidate, year=year).exists():
        errors["year"] = f"{year}年度已有测评结果。"
    if errors:
        raise ValidationError(errors)
    row = results[result]
    appraisal = Appraisal(
        candidate=candidate,
        year=year,
        result=result,
        result_name=row["name"],
        is_poor=bool(row.get("poor")),
        date=date,
        note=note,
        recorded_by=by,
    )
    model_save(appraisal, by=by)
    if appraisal.is_poor and candidate.adjustment_proposed_on is None:
        candidate.adjustment_proposed_on = date
        candidate.adjustment_note = f"{year}年度测评“{row['name']}”：建议调整出库，并从本村择优补充推荐后备力量。"
        model_save(candidate, by=by, update_fields=["adjustment_proposed_on", "adjustment_note"])
    return appraisal


@transaction.atomic
def party_stage_record(
    *,
    candidate: ReserveCandidate,
    by: User,
    stage: str,
    date: datetime.date,
    until: datetime.date | None = None,
    note: str = "",
) -> PartyStageRecord:
    """One dated stage of the Party path, with the minimum intervals enforced (rules.py).

    Becoming a probationary member or a full member also updates the person's political status
    in the register (through the register's own service).
    """
    _require_actor(by)
    candidate = _locked(candidate, by)
    _require_open(candidate)
    history = [(r.stage, r.date, r.until) for r in candidate.party_stages.all()]
    person = candidate.person
    if not history and person.political_status == PoliticalStatus.MEMBER:
        raise ValidationError({"stage": "此人已是中共党员，无需记录入党进程。"})
    errors = rules.party_stage_errors(history, stage=stage, on=date, until=until, today=core_dates.today())
    if errors:
        raise ValidationError(errors)
    record = PartyStageRecord(candidate=candidate, stage=stage, date=date, until=until, note=note, recorded_by=by)
    model_save(record, by=by)
    if stage == PartyStage.PROBATIONARY:
        register.person_update(person=person, by=by, political_status=PoliticalStatus.PROBATIONARY, party_join_date=date)
    elif stage == PartyStage.FULL:
        register.person_update(person=person, by=by, political_status=PoliticalStatus.MEMBER)
    return record
