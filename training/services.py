"""Writes of the training app. The only place where its rules change data.

Keyword-only arguments, one transaction each, role and data-scope checks, Chinese messages keyed
by field, history with who and when (simple_history user taken from ``by``).

Who does what: county staff create county-or-above sessions and do everything; a township clerk
creates the own township's sessions, enrols the own township's people (also into county
sessions) and records their attendance; money (education-upgrade subsidies) is county-only;
auditors only read.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from cadres.choices import SECRETARY
from cadres.models import Appointment, FirstSecretary, Person, Township, User, Village
from core import dates as core_dates
from core.access import require
from core.scope import in_scope
from core.services import model_save, require_scope

from . import rules
from .access import GRANT_SUBSIDY, MAINTAIN
from .choices import AttendanceStatus, Audience, Level, UpgradeKind, UpgradeStatus
from .models import Attendance, EducationUpgrade, Enrollment, TrainingSession
from .policy_section import hour_rules, topic_choices, training_rules

MAX_SESSION_DAYS = 15
COUNTY_ONLY = "该操作由县委组织部办理。"

# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _require_actor(by: User | None, *, county: bool = False) -> None:
    """The gate (core.access): fixing subsidies (county), or keeping training records."""
    if by is None:
        raise PermissionDenied("请先登录。")
    require(by, GRANT_SUBSIDY if county else MAINTAIN)


def _require_township(by: User, township_id: int | None) -> None:
    if by.is_clerk and township_id != by.township_id:
        raise PermissionDenied("只能维护本乡镇的培训数据。")


# ---------------------------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------------------------

SESSION_FIELDS = [
    "title",
    "level",
    "kind",
    "topics",
    "audiences",
    "organiser",
    "place",
    "start_date",
    "end_date",
    "half_days",
    "off_days",
    "hours_override",
    "capacity",
    "township",
    "note",
]


def _clean_session(values: dict, *, by: User) -> dict:
    """Field-keyed checks of a session's values (shared by create and update)."""
    errors: dict[str, str] = {}
    start, end = values.get("start_date"), values.get("end_date")
    if start and end:
        if end < start:
            errors["end_date"] = "结束日期不能早于开始日期。"
        elif (end - start).days + 1 > MAX_SESSION_DAYS:
            errors["end_date"] = f"一期培训不能超过{MAX_SESSION_DAYS}天；网络学习等长期课程请按结业日期登记并填写认定总学时。"
    for name in ("half_days", "off_days"):
        listed = []
        for raw in values.get(name) or []:
            day = raw if isinstance(raw, datetime.date) else datetime.date.fromisoformat(str(raw))
            if start and end and not start <= day <= end:
                errors[name] = f"{day:%Y-%m-%d} 不在培训日期范围内。"
            listed.append(day.isoformat())
        values[name] = sorted(set(listed))
    both = sorted(set(values["half_days"]) & set(values["off_days"]))
    if both:
        errors["off_days"] = f"{both[0]} 不能既是半天又不安排。"
    if start and end and not errors.get("end_date") and end >= start:
        days = rules.session_days(start, end, off_days=[datetime.date.fromisoformat(d) for d in values["off_days"]])
        if not days:
            errors["off_days"] = "培训日期内至少要安排一天。"
    section = training_rules(start.year if start else None)
    topics = dict(topic_choices(section))
    bad = [t for t in values.get("topics") or [] if t not in topics]
    if bad:
        errors["topics"] = f"培训内容“{'、'.join(bad)}”不在当年政策配置的内容清单中。"
    bad = [a for a in values.get("audiences") or [] if a not in Audience.values]
    if bad:
        errors["audiences"] = "培训对象无效。"
    level, township = values.get("level"), values.get("township")
    if by.is_clerk:
        values["township"] = township = by.township
        if level != Level.TOWNSHIP:
            errors["level"] = "乡镇只能登记乡镇级培训；县级及以上培训由县委组织部登记。"
    if level == Level.TOWNSHIP and township is None:
        errors["township"] = "乡镇级培训须选择组织乡镇。"
    if level and level != Level.TOWNSHIP and township is not None:
        errors["township"] = "县级及以上培训不填组织乡镇。"
    if values.get("capacity") is not None and values["capacity"] < 1:
        errors["capacity"] = "计划人数须大于0。"
    if errors:
        raise ValidationError(errors)
    return values


CODE_ATTEMPTS = 5


def _next_code(year: int) -> str:
    """The next free number of the year, read without a lock (an aggregate cannot be locked):
    a clash with a concurrent allocation is caught by the unique index and retried, see
    ``_insert_with_code``. Longest code first, so PX2025-1000 follows PX2025-999."""
    prefix = f"PX{year}-"
    last = (
        TrainingSession.objects.filter(code__startswith=prefix)
        .order_by(Length("code").desc(), "-code")
        .values_list("code", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:03d}"


def _insert_with_code(session: TrainingSession, *, by: User) -> None:
    """Save a new session under the next code of its year; when another request took that code
    in the meantime, the insert fails in its savepoint and the next number is tried."""
    session._history_user = by
    session.full_clean(exclude=["code"])
    for _ in range(CODE_ATTEMPTS):
        session.code = _next_code(session.start_date.year)
        try:
            with transaction.atomic():
                session.save(force_insert=True)
        except IntegrityError:
            if not TrainingSession.objects.filter(code=session.code).exists():
                raise  # some other constraint: not a code clash
            session.pk = None
            continue
        return
    raise ValidationError({"title": "培训班编号分配冲突（同时登记的培训班较多），请稍后重新提交。"})


@transaction.atomic
def session_create(
    *,
    by: User,
    title: str,
    level: str,
    kind: str,
    organiser: str,
    start_date: datetime.date,
    end_date: datetime.date,
    topics: Iterable[str] = (),
    audiences: Iterable[str] = (),
    place: str = "",
    half_days: Iterable[datetime.date] = (),
    off_days: Iterable[datetime.date] = (),
    hours_override: Decimal | None = None,
    capacity: int | None = None,
    township: Township | None = None,
    note: str = "",
) -> TrainingSession:
    _require_actor(by)
    values = _clean_session(
        {
            "title": title,
            "level": level,
            "kind": kind,
            "organiser": organiser,
            "start_date": start_date,
            "end_date": end_date,
            "topics": list(topics),
            "audiences": list(audiences),
            "place": place,
            "half_days": list(half_days),
            "off_days": list(off_days),
            "hours_override": hours_override,
            "capacity": capacity,
            "township": township,
            "note": note,
        },
        by=by,
    )
    session = TrainingSession(created_by=by, **values)
    _insert_with_code(session, by=by)
    return session


@transaction.atomic
def session_update(*, session: TrainingSession, by: User, **fields) -> TrainingSession:
    """Change a session; when its days or hours change, every enrolment's hours are recomputed."""
    _require_actor(by)
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    require_scope(by, session, allow_system=False)
    _require_township(by, session.township_id)
    unknown = set(fields) - set(SESSION_FIELDS)
    if unknown:
        raise ValidationError({k: "该项不能在此修改。" for k in unknown})
    current = {name: getattr(session, name) for name in SESSION_FIELDS}
    current.update(fields)
    values = _clean_session(current, by=by)
    days_before = session.days()
    changed = [name for name in SESSION_FIELDS if getattr(session, name) != values[name]]
    if not changed:
        return session
    for name in changed:
        setattr(session, name, values[name])
    if (
        session.days() != days_before
        and Attendance.objects.filter(enrollment__session=session).exclude(date__in=[d for d, _ in session.days()]).exists()
    ):
        raise ValidationError({"start_date": "已有考勤的日期不能移出培训日程（日期范围或不安排的日期），请先修改考勤。"})
    model_save(session, by=by, update_fields=changed)
    if {"start_date", "end_date", "half_days", "off_days", "hours_override"} & set(changed):
        session_recompute(session=session, by=by)
    return session


# ---------------------------------------------------------------------------------------------
# Enrolment
# ---------------------------------------------------------------------------------------------


def capacity_error(capacity: int | None, *, enrolled: int) -> str | None:
    """Why one more person cannot join a roster of ``enrolled`` (None: there is a seat). Shared by
    the enrol form/API and the sign-in import's walk-ins."""
    if capacity and enrolled >= capacity:
        return f"该培训班计划{capacity}人，名额已满。"
    return None


def person_home(person: Person, *, on: datetime.date | None = None) -> tuple[Township | None, Village | None, str]:
    """Where a person belongs for training purposes: the village of a current post (secretary
    first), else of an active first-secretary posting, else the township that keeps the file."""
    appts = sorted(
        Appointment.objects.current(on).filter(person=person).select_related("village__township"),
        key=lambda a: (a.post != SECRETARY, a.pk),
    )
    if appts:
        names = "、".join(a.post_name for a in appts if a.village_id == appts[0].village_id)
        return appts[0].village.township, appts[0].village, names
    posting = FirstSecretary.objects.current(on).filter(person=person).select_related("village__township").first()
    if posting:
        return posting.village.township, posting.village, "驻村第一书记"
    return person.registered_township, None, ""


@transaction.atomic
def enrollment_add(
    *, session: TrainingSession, person: Person, by: User, village: Village | None = None, note: str = ""
) -> Enrollment:
    _require_actor(by)
    require_scope(by, session, allow_system=False)
    if by.is_clerk and session.township_id not in (None, by.township_id):
        raise PermissionDenied("该记录不在您的数据范围内。")
    require_scope(by, person, allow_system=False)
    township, home_village, post_name = person_home(person)
    if village is not None:
        require_scope(by, village, allow_system=False)
        township, home_village = village.township, village
    if township is None:
        raise ValidationError({"village": "此人没有现任职务，请选择所在村(社区)。"})
    _require_township(by, township.pk)
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if Enrollment.objects.filter(session=session, person=person).exists():
        raise ValidationError({"person": "此人已在该培训班名单中。"})
    full = capacity_error(session.capacity, enrolled=session.enrollments.count())
    if full:
        raise ValidationError({"person": full})
    enrollment = Enrollment(
        session=session,
        person=person,
        township=township,
        village=home_village,
        post_name=post_name[:60],
        note=note,
        created_by=by,
    )
    model_save(enrollment, by=by)
    return enrollment


@transaction.atomic
def session_enroll_post_holders(*, session: TrainingSession, by: User, post: str, township: Township | None = None) -> int:
    """Enrol every current holder of ``post`` in the user's scope (optionally one township) who is
    not on the roster yet — e.g. all secretaries for the county's yearly rotation. Returns how
    many were added; capacity is respected (all or nothing)."""
    _require_actor(by)
    require_scope(by, session, allow_system=False)
    if by.is_clerk and session.township_id not in (None, by.township_id):
        raise PermissionDenied("该记录不在您的数据范围内。")
    if by.is_clerk:
        township = by.township
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    from core.scope import scoped

    holders = (
        scoped(by, Appointment)
        .current()
        .filter(post=post)
        .exclude(person_id__in=Enrollment.objects.filter(session=session).values("person_id"))
    )
    if township is not None:
        holders = holders.filter(village__township=township)
    new, seen = [], set()
    for a in holders.select_related("village").order_by("village__township__sort_order", "village__code", "pk"):
        if a.person_id in seen:
            continue
        seen.add(a.person_id)
        new.append(
            Enrollment(
                session=session,
                person_id=a.person_id,
                township_id=a.village.township_id,
                village=a.village,
                post_name=a.post_name[:60],
                created_by=by,
            )
        )
    if session.capacity and session.enrollments.count() + len(new) > session.capacity:
        raise ValidationError({"post": f"该培训班计划{session.capacity}人，加入{len(new)}人后将超出名额。"})
    if new:
        bulk_create_with_history(new, Enrollment, default_user=by)
    return len(new)


@transaction.atomic
def enrollment_remove(*, enrollment: Enrollment, by: User) -> None:
    _require_actor(by)
    require_scope(by, enrollment, allow_system=False)
    _require_township(by, enrollment.township_id)
    if enrollment.attendance.exists():
        raise ValidationError({"enrollment": "已有考勤记录，不能移出名单；缺勤请在考勤中登记。"})
    enrollment._history_user = by
    enrollment.delete()


# ---------------------------------------------------------------------------------------------
# Attendance and hours
# ---------------------------------------------------------------------------------------------


def enrollment_figures(
    session: TrainingSession, marks: Mapping[datetime.date, str], hr: rules.HourRules
) -> tuple[Decimal, int, str]:
    """(hours credited, missed count, certificate) for one enrolment: the pure rules."""
    days = session.days()
    return (
        rules.credited_hours(days, marks, hr, session.hours_override),
        rules.missed_count(days, marks, hr),
        rules.certificate(days, marks, hr),
    )


def _refresh(enrollments: list[Enrollment], *, by: User | None, reason: str | None = None) -> int:
    """Recompute stored hours/certificate of ``enrollments`` from their attendance; writes only
    the rows whose figures change. Returns how many changed."""
    if not enrollments:
        return 0
    marks: dict[int, dict] = defaultdict(dict)
    for enrollment_id, day, status in Attendance.objects.filter(enrollment__in=enrollments).values_list(
        "enrollment_id", "date", "status"
    ):
        marks[enrollment_id][day] = status
    hrs: dict[int, rules.HourRules] = {}
    changed = []
    for e in enrollments:
        year = e.session.start_date.year
        if year not in hrs:
            hrs[year] = hour_rules(training_rules(year))
        hours, missed, cert = enrollment_figures(e.session, marks[e.pk], hrs[year])
        if (e.hours_credited, e.missed, e.certificate) != (hours, missed, cert):
            e.hours_credited, e.missed, e.certificate = hours, missed, cert
            changed.append(e)
    if changed:
        bulk_update_with_history(
            changed, Enrollment, ["hours_credited", "missed", "certificate"], default_user=by, default_change_reason=reason
        )
    return len(changed)


@transaction.atomic
def attendance_record(
    *, enrollment: Enrollment, by: User, marks: Mapping[datetime.date, str | None], note: str = ""
) -> Enrollment:
    """Set the day statuses of one enrolment (``None`` = leave as is); recompute its hours."""
    _require_actor(by)
    require_scope(by, enrollment, allow_system=False)
    _require_township(by, enrollment.township_id)
    session_attendance_record(session=enrollment.session, by=by, marks={enrollment.pk: marks}, note=note)
    enrollment.refresh_from_db()
    return enrollment


@transaction.atomic
def session_attendance_record(
    *, session: TrainingSession, by: User, marks: Mapping[int, Mapping[datetime.date, str | None]], note: str = ""
) -> int:
    """The session page's attendance grid: {enrollment id: {day: status}}. All or nothing;
    returns the number of day entries that changed."""
    _require_actor(by)
    require_scope(by, session, allow_system=False)
    days = dict(session.days())
    enrollments = {e.pk: e for e in Enrollment.objects.filter(session=session, pk__in=list(marks)).select_related("session")}
    errors = {}
    for enrollment_id, day_marks in marks.items():
        e = enrollments.get(int(enrollment_id))
        if e is None or not in_scope(by, e):
            raise PermissionDenied("该记录不在您的数据范围内。")
        _require_township(by, e.township_id)
        for day, status in day_marks.items():
            if day not in days:
                errors["marks"] = f"{day:%Y-%m-%d} 不是该培训班的培训日期。"
            elif status is not None and status not in AttendanceStatus.values:
                errors["marks"] = f"考勤“{status}”无效。"
    if errors:
        raise ValidationError(errors)
    existing = {
        (a.enrollment_id, a.date): a
        # order_by(): the model's default ordering joins nullable relations, which PostgreSQL
        # cannot lock (FOR UPDATE on the nullable side of an outer join); lock only these rows.
        for a in Attendance.objects.filter(enrollment_id__in=list(enrollments)).order_by().select_for_update(of=("self",))
    }
    create, update = [], []
    for enrollment_id, day_marks in marks.items():
        for day, status in day_marks.items():
            if status is None:
                continue
            current = existing.get((int(enrollment_id), day))
            if current is None:
                create.append(Attendance(enrollment_id=int(enrollment_id), date=day, status=status, note=note, recorded_by=by))
            elif current.status != status:
                current.status, current.recorded_by = status, by
                update.append(current)
    if create:
        bulk_create_with_history(create, Attendance, default_user=by)
    if update:
        bulk_update_with_history(update, Attendance, ["status", "recorded_by"], default_user=by)
    touched = {a.enrollment_id for a in [*create, *update]}
    _refresh([enrollments[pk] for pk in touched], by=by)
    return len(create) + len(update)


@transaction.atomic
def session_recompute(*, session: TrainingSession, by: User | None = None) -> int:
    """Recompute every enrolment of a session (after its days or the year's policy changed)."""
    return _refresh(list(Enrollment.objects.filter(session=session).select_related("session")), by=by, reason="重算学时")


@transaction.atomic
def training_year_recompute(*, year: int, by: User | None = None) -> int:
    """Recompute stored hours of every enrolment of ``year`` (after the policy profile changed).
    Idempotent: a second run changes nothing."""
    total = 0
    qs = Enrollment.objects.for_year(year).select_related("session").order_by("pk")
    batch: list[Enrollment] = []
    for enrollment in qs.iterator(chunk_size=2000):
        batch.append(enrollment)
        if len(batch) >= 2000:
            total += _refresh(batch, by=by, reason="重算学时")
            batch = []
    return total + _refresh(batch, by=by, reason="重算学时")


# ---------------------------------------------------------------------------------------------
# Education upgrades (学历提升 / 农民大学生)
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def upgrade_create(
    *,
    by: User,
    person: Person,
    school: str,
    programme: str,
    level: str,
    enrolled_on: datetime.date,
    expected_graduation: datetime.date,
    kind: str = UpgradeKind.FARMER_COLLEGE,
    tuition_fee: Decimal | None = None,
    village: Village | None = None,
    note: str = "",
) -> EducationUpgrade:
    _require_actor(by)
    require_scope(by, person, allow_system=False)
    township, home_village, _ = person_home(person)
    if village is not None:
        require_scope(by, village, allow_system=False)
        township, home_village = village.township, village
    if township is None:
        raise ValidationError({"village": "此人没有现任职务，请选择所在村(社区)。"})
    _require_township(by, township.pk)
    errors = {}
    if enrolled_on > core_dates.today():
        errors["enrolled_on"] = "入学时间不能晚于今天。"
    if expected_graduation <= enrolled_on:
        errors["expected_graduation"] = "预计毕业时间须晚于入学时间。"
    if tuition_fee is not None and tuition_fee < 0:
        errors["tuition_fee"] = "学费不能为负。"
    if errors:
        raise ValidationError(errors)
    upgrade = EducationUpgrade(
        person=person,
        township=township,
        village=home_village,
        kind=kind,
        school=school,
        programme=programme,
        level=level,
        enrolled_on=enrolled_on,
        expected_graduation=expected_graduation,
        tuition_fee=tuition_fee,
        note=note,
        created_by=by,
    )
    model_save(upgrade, by=by)
    return upgrade


def _locked_upgrade(upgrade: EducationUpgrade, by: User) -> EducationUpgrade:
    fresh = EducationUpgrade.objects.select_for_update().get(pk=upgrade.pk)
    require_scope(by, fresh, allow_system=False)
    _require_township(by, fresh.township_id)
    return fresh


@transaction.atomic
def upgrade_graduate(*, upgrade: EducationUpgrade, by: User, actual_graduation: datetime.date) -> EducationUpgrade:
    _require_actor(by)
    upgrade = _locked_upgrade(upgrade, by)
    if upgrade.status != UpgradeStatus.STUDYING:
        raise ValidationError({"status": f"当前状态为“{upgrade.get_status_display()}”，不能登记毕业。"})
    if actual_graduation > core_dates.today():
        raise ValidationError({"actual_graduation": "毕业时间不能晚于今天。"})
    if actual_graduation <= upgrade.enrolled_on:
        raise ValidationError({"actual_graduation": "实际毕业时间须晚于入学时间。"})
    upgrade.actual_graduation = actual_graduation
    upgrade.status = UpgradeStatus.GRADUATED
    model_save(upgrade, by=by, update_fields=["actual_graduation", "status"])
    return upgrade


@transaction.atomic
def upgrade_withdraw(*, upgrade: EducationUpgrade, by: User, note: str) -> EducationUpgrade:
    _require_actor(by)
    upgrade = _locked_upgrade(upgrade, by)
    if upgrade.status != UpgradeStatus.STUDYING:
        raise ValidationError({"status": f"当前状态为“{upgrade.get_status_display()}”，不能登记退学。"})
    if not note.strip():
        raise ValidationError({"note": "请填写退学说明。"})
    upgrade.status = UpgradeStatus.WITHDRAWN
    upgrade.note = (upgrade.note + "\n" if upgrade.note else "") + f"退学：{note.strip()}"
    model_save(upgrade, by=by, update_fields=["status", "note"])
    return upgrade


@transaction.atomic
def upgrade_tuition_subsidy_grant(
    *, upgrade: EducationUpgrade, by: User, date: datetime.date, amount: Decimal | None = None
) -> EducationUpgrade:
    """Fix the tuition subsidy (default: the year's percentage of the fee, capped). Once fixed it
    is handed to the pay ledger and cannot be changed here."""
    _require_actor(by, county=True)
    upgrade = _locked_upgrade(upgrade, by)
    if upgrade.tuition_subsidy is not None:
        raise ValidationError({"tuition_subsidy": "学费补贴已核定，已转入补贴台账，不能重复核定。"})
    if upgrade.status == UpgradeStatus.WITHDRAWN:
        raise ValidationError({"tuition_subsidy": "已退学，不能核定学费补贴。"})
    if date > core_dates.today():
        raise ValidationError({"tuition_subsidy_date": "核定日期不能晚于今天。"})
    if amount is None:
        rule = training_rules(date.year)["education"]
        amount = rules.tuition_subsidy(
            upgrade.tuition_fee, percent=rule["tuition_subsidy_percent"], cap=rule["tuition_subsidy_cap"]
        )
    amount = rules.q_money(amount)
    if amount <= 0:
        raise ValidationError({"tuition_subsidy": "补贴金额须大于0（请先填写学费）。"})
    upgrade.tuition_subsidy, upgrade.tuition_subsidy_date = amount, date
    model_save(upgrade, by=by, update_fields=["tuition_subsidy", "tuition_subsidy_date"])
    return upgrade


@transaction.atomic
def upgrade_diploma_subsidy_grant(
    *, upgrade: EducationUpgrade, by: User, date: datetime.date, amount: Decimal | None = None
) -> EducationUpgrade:
    """One-off subsidy after graduation (default amount from the year's policy)."""
    _require_actor(by, county=True)
    upgrade = _locked_upgrade(upgrade, by)
    if upgrade.status != UpgradeStatus.GRADUATED:
        raise ValidationError({"diploma_subsidy": "取得学历（登记毕业）后才能核定学历补贴。"})
    if upgrade.diploma_subsidy is not None:
        raise ValidationError({"diploma_subsidy": "学历补贴已核定，已转入补贴台账，不能重复核定。"})
    if date > core_dates.today() or date < upgrade.actual_graduation:
        raise ValidationError({"diploma_subsidy_date": "核定日期须在毕业之后且不晚于今天。"})
    if amount is None:
        amount = Decimal(str(training_rules(date.year)["education"]["diploma_subsidy_amount"]))
    amount = rules.q_money(amount)
    if amount <= 0:
        raise ValidationError({"diploma_subsidy": "补贴金额须大于0。"})
    upgrade.diploma_subsidy, upgrade.diploma_subsidy_date = amount, date
    model_save(upgrade, by=by, update_fields=["diploma_subsidy", "diploma_subsidy_date"])
    return upgrade
