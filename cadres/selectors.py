"""Reads for the register. Every selector starts from the scoping function."""

from __future__ import annotations

import datetime

from django.db.models import OuterRef, QuerySet
from django.http import QueryDict

from core import dates as core_dates
from core.access import can
from core.expressions import SubqueryCount
from core.history import RelatedRows, _diffs, can_view_history, diff_entries, nonempty_by_id
from core.policy import policy_for_year
from core.scope import get_scoped_or_404, scoped

from . import choices
from .figures import (  # noqa: F401  (the headline-figure registry, offered to the other apps here)
    FigureScope,
    FigureValue,
    HeadlineFigure,
    figure_values,
    register_figure,
)
from .filters import (
    AppointmentFilter,
    FirstSecretaryFilter,
    PersonFilter,
    QualificationReviewFilter,
    TownshipFilter,
    UserFilter,
    VillageFilter,
)
from .models import (
    Appointment,
    AppointmentRequest,
    DepartmentVerdict,
    FamilyMember,
    FilingEvent,
    FirstSecretary,
    FirstSecretaryGrade,
    Person,
    PersonRecord,
    PresenceMonth,
    QualificationReview,
    ResumeEntry,
    SpotCheck,
    Township,
    User,
    Village,
    VillageFlag,
    appointment_current_q,
)


def _filtered(filterset_class, qs, filters, request=None):
    if filters is None:
        return qs
    fs = filterset_class(filters, queryset=qs, request=request)
    return fs.qs if fs.is_valid() else qs.none()


def township_list(*, user, filters=None, request=None) -> QuerySet[Township]:
    qs = (
        scoped(user, Township)
        .annotate(  # scalar subqueries: no join, so the page's COUNT is a plain count of townships
            village_count=SubqueryCount(Village.objects.filter(township=OuterRef("pk"))),
            community_count=SubqueryCount(Village.objects.filter(township=OuterRef("pk"), kind=choices.VillageKind.COMMUNITY)),
            secretary_count=SubqueryCount(
                Appointment.objects.filter(
                    appointment_current_q(core_dates.today()), village__township=OuterRef("pk"), post=choices.SECRETARY
                )
            ),
        )
        .order_by("sort_order", "code")
    )
    return _filtered(TownshipFilter, qs, filters, request)


def township_get(*, user, pk: int) -> Township:
    return get_scoped_or_404(user, township_list(user=user), pk=pk)


def village_list(*, user, filters=None, request=None) -> QuerySet[Village]:
    qs = scoped(user, Village).with_related()
    return _filtered(VillageFilter, qs, filters, request)


def village_get(*, user, pk: int) -> Village:
    return get_scoped_or_404(user, scoped(user, Village).with_related(), pk=pk)


def village_members(*, village: Village, on: datetime.date | None = None) -> list[Appointment]:
    """Current 两委 and other posts of a village (held on ``on``, default today), secretary first."""
    posts = {p["code"]: p.get("sort", 0) for p in policy_for_year().section("register")["posts"]}
    rows = list(Appointment.objects.current(on).filter(village=village).select_related("person"))
    return sorted(rows, key=lambda a: (posts.get(a.post, 9999), a.start_date))


def village_pending_members(*, village: Village, on: datetime.date | None = None) -> list[Appointment]:
    """待任: filed appointments of the village whose start date is still to come."""
    return list(Appointment.objects.pending(on).filter(village=village).select_related("person").order_by("start_date", "post"))


def village_flags(*, village: Village) -> QuerySet[VillageFlag]:
    return village.flags.order_by("-start_date")


def person_list(*, user, filters=None, request=None) -> QuerySet[Person]:
    qs = scoped(user, Person).with_related()
    return _filtered(PersonFilter, qs, filters, request)


def person_get(*, user, pk: int) -> Person:
    return get_scoped_or_404(user, Person.objects.select_related("registered_township"), pk=pk)


def person_appointments(*, user, person: Person) -> QuerySet[Appointment]:
    return (
        scoped(user, Appointment)
        .filter(person=person)
        .select_related("village__township", "qualification_review")
        .order_by("end_date", "-start_date")
    )


def person_records(*, user, person: Person) -> QuerySet[PersonRecord]:
    return scoped(user, PersonRecord).filter(person=person).order_by("-date")


def person_family(*, user, person: Person) -> QuerySet[FamilyMember]:
    """家庭主要成员及重要社会关系, in the order of the form."""
    return scoped(user, FamilyMember).filter(person=person).order_by("sort", "id")


def person_resume(*, user, person: Person) -> QuerySet[ResumeEntry]:
    """简历 lines in date order."""
    return scoped(user, ResumeEntry).filter(person=person).order_by("start_date", "id")


def person_appointment_requests(*, user, person: Person) -> QuerySet[AppointmentRequest]:
    return (
        scoped(user, AppointmentRequest)
        .filter(person=person)
        .select_related("appointment__village", "created_by")
        .order_by("-created_at", "-id")
    )


def family_member_list(*, user) -> QuerySet[FamilyMember]:
    return scoped(user, FamilyMember).select_related("person").order_by("person_id", "sort", "id")


def resume_entry_list(*, user) -> QuerySet[ResumeEntry]:
    return scoped(user, ResumeEntry).select_related("person").order_by("person_id", "start_date", "id")


def family_member_get(*, user, pk: int) -> FamilyMember:
    return get_scoped_or_404(user, FamilyMember.objects.select_related("person"), pk=pk)


def resume_entry_get(*, user, pk: int) -> ResumeEntry:
    return get_scoped_or_404(user, ResumeEntry.objects.select_related("person"), pk=pk)


def appointment_request_get(*, user, pk: int) -> AppointmentRequest:
    return get_scoped_or_404(user, AppointmentRequest.objects.select_related("person", "appointment__village__township"), pk=pk)


def person_reviews(*, user, person: Person) -> QuerySet[QualificationReview]:
    return scoped(user, QualificationReview).filter(person=person).select_related("village")


def person_postings(*, user, person: Person) -> QuerySet[FirstSecretary]:
    return scoped(user, FirstSecretary).filter(person=person).select_related("village__township")


def appointment_list(*, user, filters=None, request=None) -> QuerySet[Appointment]:
    qs = scoped(user, Appointment).with_related()
    return _filtered(AppointmentFilter, qs, filters, request)


def appointment_get(*, user, pk: int) -> Appointment:
    return get_scoped_or_404(user, scoped(user, Appointment).with_related(), pk=pk)


def filing_events(*, appointment: Appointment) -> QuerySet[FilingEvent]:
    return appointment.filing_events.select_related("by")


def filing_queue(*, user) -> QuerySet[Appointment]:
    """What waits for this user's step: clerks approve drafts, county files approved ones."""
    qs = scoped(user, Appointment).with_related()
    if can(user, "cadres.file_appointment"):
        return qs.filter(status__in=[choices.FilingStatus.DRAFT, choices.FilingStatus.TOWNSHIP_APPROVED])
    return qs.filter(status=choices.FilingStatus.DRAFT)


# Batch work: what a batch may pick up (批量备案, 批量离任, the 联审 grid)
BATCH_ACTIONS = ("file", "end")


def batch_candidates(*, user, action: str, query: str = "") -> QuerySet[Appointment]:
    """Every row of the appointment list (its tab and filters, given as the list's query string)
    that the batch ``action`` can take: township-approved rows for 批量备案, current posts for
    批量离任."""
    params = QueryDict(query)
    qs = filing_queue(user=user) if params.get("tab", "queue") != "all" else appointment_list(user=user, filters=params)
    if action == "file":
        return qs.filter(status=choices.FilingStatus.TOWNSHIP_APPROVED)
    return qs.filter(appointment_current_q())


def batch_appointments(*, user, ids) -> QuerySet[Appointment]:
    """The chosen rows, scoped (an id of another township is simply not there)."""
    return scoped(user, Appointment).with_related().filter(pk__in=ids)


def pending_reviews(*, user, township_id: int | None = None) -> QuerySet[QualificationReview]:
    """Reviews still waiting for departments, oldest first (the 联审 grid's rows)."""
    qs = scoped(user, QualificationReview).with_related().filter(outcome=choices.VettingResult.PENDING)
    if township_id:
        qs = qs.filter(village__township_id=township_id)
    return qs.order_by("requested_at", "id")


def grid_verdicts(*, user, review_ids) -> QuerySet[DepartmentVerdict]:
    """The department rows of these reviews in one query (the grid's cells)."""
    if not can(user, "cadres.view_vetting_details"):
        return DepartmentVerdict.objects.none()
    return scoped(user, DepartmentVerdict).filter(review_id__in=review_ids).order_by("review_id", "sort", "id")


def qualification_review_list(*, user, filters=None, request=None) -> QuerySet[QualificationReview]:
    qs = scoped(user, QualificationReview).with_related()
    return _filtered(QualificationReviewFilter, qs, filters, request)


def qualification_review_get(*, user, pk: int) -> QualificationReview:
    return get_scoped_or_404(user, scoped(user, QualificationReview).with_related(), pk=pk)


def qualification_review_verdicts(*, user, review: QualificationReview) -> QuerySet[DepartmentVerdict]:
    """Department details only for users allowed to see them; township users see the outcome."""
    if not can(user, "cadres.view_vetting_details"):
        return DepartmentVerdict.objects.none()
    return review.verdicts.select_related("reviewed_by")


# ---------------------------------------------------------------------------------------------
# The 干部任免审批表 exchange file (.lrmx)
# ---------------------------------------------------------------------------------------------


def lrmx_people(
    *, user, person: Person | None = None, village: Village | None = None, township: Township | None = None
) -> QuerySet[Person]:
    """The people a .lrmx download holds: one person, or those holding a post in a village or a
    township today; within ``user``'s scope, by name."""
    if person is not None:
        return scoped(user, Person).filter(pk=person.pk)
    held = Appointment.objects.current()
    held = held.filter(village=village) if village is not None else held.filter(village__township=township)
    return scoped(user, Person).filter(pk__in=held.order_by().values("person_id")).order_by("name", "id")


def lrmx_documents(*, user, people: QuerySet[Person]) -> list[tuple[Person, dict]]:
    """(person, .lrmx document) for each of ``people`` (already scoped): one query each for the
    people, current posts, family, 简历, 奖惩 and the latest 任免 request whatever their count, and
    the yearly results (one query for all). The photo is read from storage."""
    from django.db.models import Prefetch

    from . import appointment_form as af
    from . import lrmx
    from .dossier_models import AppointmentRequest
    from .person_sections import yearly_results

    people = list(
        people.prefetch_related(
            Prefetch(
                "appointments",
                queryset=Appointment.objects.current()
                .select_related("village__township")
                .order_by("village_id", "start_date", "post"),
                to_attr="lrmx_posts",
            ),
            "family_members",
            "resume_entries",
            Prefetch(
                "records",
                queryset=PersonRecord.objects.exclude(kind=choices.RecordKind.CAREER).order_by("date", "id"),
                to_attr="lrmx_records",
            ),
            Prefetch(
                "appointment_requests",
                queryset=AppointmentRequest.objects.order_by("-created_at", "-id"),
                to_attr="lrmx_requests",
            ),
        )
    )
    today = core_dates.today()
    filler = (user.full_name or user.username) if user.is_authenticated else ""
    results = {pk: af.assessment_text(rows) for pk, rows in yearly_results(user=user, person_ids=[p.pk for p in people]).items()}
    return [(p, _lrmx_document(p, results=results.get(p.pk, ""), today=today, filler=filler, lrmx=lrmx)) for p in people]


def _lrmx_document(person: Person, *, results: str, today: datetime.date, filler: str, lrmx) -> dict:
    posts: dict[int, list[Appointment]] = {}
    # 书记 first, then 主任, then the rest by start: "甲一村党组织书记、村民委员会主任"
    order = lambda a: (a.post != choices.SECRETARY, a.post != choices.CHAIR, a.start_date, a.post)  # noqa: E731
    for appt in sorted(person.lrmx_posts, key=order):
        posts.setdefault(appt.village_id, []).append(appt)
    current = "；".join(
        f"{appts[0].village.township.name}{appts[0].village.name}{_post_name(appts[0])}"
        + "".join(f"、{a.post_name}" for a in appts[1:])
        for appts in posts.values()
    )
    request = person.lrmx_requests[0] if person.lrmx_requests else None
    records = "\r\n".join(f"{r.date:%Y.%m} {r.title}" + (f"（{r.issuer}）" if r.issuer else "") for r in person.lrmx_records)
    party = lrmx.month_text(person.party_join_date)
    if not party and person.political_status in (choices.PoliticalStatus.LEAGUE, choices.PoliticalStatus.DEMOCRATIC):
        party = person.get_political_status_display()
    education = {
        key: choices.Education(getattr(person, key)).label if getattr(person, key) else ""
        for key in ("education_fulltime", "education_inservice")
    }
    return {
        "XingMing": person.name,
        "XingBie": person.get_sex_display(),
        "ChuShengNianYue": lrmx.month_text(person.birth_date),
        "MinZu": person.ethnicity,
        "JiGuan": person.native_place,
        "ChuShengDi": person.birthplace,
        "RuDangShiJian": party,
        "CanJiaGongZuoShiJian": lrmx.month_text(person.work_start_date),
        "JianKangZhuangKuang": person.health,
        "ZhuanYeJiShuZhiWu": person.professional_title,
        "ShuXiZhuanYeYouHeZhuanChang": person.specialty,
        "QuanRiZhiJiaoYu_XueLi": education["education_fulltime"],
        "QuanRiZhiJiaoYu_XueWei": person.degree_fulltime,
        "QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi": person.school_major,
        "QuanRiZhiJiaoYu_XueWei_BiYeYuanXiaoXi": person.school_major if person.degree_fulltime else "",
        "ZaiZhiJiaoYu_XueLi": education["education_inservice"],
        "ZaiZhiJiaoYu_XueWei": person.degree_inservice,
        "ZaiZhiJiaoYu_XueLi_BiYeYuanXiaoXi": person.school_major_inservice,
        "ZaiZhiJiaoYu_XueWei_BiYeYuanXiaoXi": person.school_major_inservice if person.degree_inservice else "",
        "XianRenZhiWu": current,
        "NiRenZhiWu": request.proposed_post if request else "",
        "NiMianZhiWu": request.proposed_removal if request else "",
        "JianLi": lrmx.resume_text([lrmx.ResumeLine(e.start_date, e.end_date, e.text) for e in person.resume_entries.all()]),
        "JiangChengQingKuang": records,
        "NianDuKaoHeJieGuo": results,
        "RenMianLiYou": request.reason if request else "",
        lrmx.FAMILY: [
            {
                "ChengWei": m.relation,
                "XingMing": m.name,
                "ChuShengRiQi": lrmx.month_text(m.birth_date),
                "ZhengZhiMianMao": m.political_status,
                "GongZuoDanWeiJiZhiWu": m.work_unit,
            }
            for m in person.family_members.all()
        ],
        "ChengBaoDanWei": request.reporting_unit if request else "",
        "JiSuanNianLingShiJian": lrmx.day_text(today),
        "TianBiaoShiJian": lrmx.day_text(request.filled_on if request and request.filled_on else today),
        "TianBiaoRen": request.filled_by if request and request.filled_by else filler,
        "ShenFenZheng": person.id_number,
        lrmx.PHOTO: _photo_bytes(person),
    }


def _post_name(appt: Appointment) -> str:
    """甲一村 + 村党组织书记 reads 甲一村党组织书记 (as on the 任免审批表)."""
    return appt.post_name[1:] if appt.post_name.startswith("村党") else appt.post_name


def _photo_bytes(person: Person) -> bytes:
    """The person's photo as stored ("" when none, or when the file is missing from storage)."""
    if not person.photo:
        return b""
    try:
        with person.photo.open("rb") as fh:
            return fh.read()
    except OSError:
        return b""


def first_secretary_list(*, user, filters=None, request=None) -> QuerySet[FirstSecretary]:
    qs = scoped(user, FirstSecretary).with_related()
    return _filtered(FirstSecretaryFilter, qs, filters, request)


def first_secretary_get(*, user, pk: int) -> FirstSecretary:
    return get_scoped_or_404(user, scoped(user, FirstSecretary).with_related(), pk=pk)


def first_secretaries_expiring(*, user, within_days: int | None = None) -> QuerySet[FirstSecretary]:
    if within_days is None:
        within_days = int(policy_for_year().section("register")["first_secretary"]["expiry_warning_days"])
    today = core_dates.today()
    return first_secretary_list(user=user).filter(
        status=choices.FirstSecretaryStatus.ACTIVE, term_end__lte=today + datetime.timedelta(days=within_days)
    )


def spot_check_list(*, user) -> QuerySet[SpotCheck]:
    """Spot checks of the first secretaries in the user's scope (API, exports)."""
    return scoped(user, SpotCheck).with_related()


def spot_checks_of(*, posting: FirstSecretary) -> list[SpotCheck]:
    """A posting's checks, newest first (the posting itself was fetched through the scope)."""
    return list(posting.spot_checks.select_related("recorded_by").order_by("-date", "-id"))


def first_secretary_grade_list(*, user) -> QuerySet[FirstSecretaryGrade]:
    return scoped(user, FirstSecretaryGrade).select_related("posting__person", "posting__village__township")


def first_secretary_year_summary(*, posting: FirstSecretary, checks: list[SpotCheck]) -> list[dict]:
    """Per year of the posting's checks and grades: checks, unexcused absences, the cap the policy
    sets and the grade with its reason (newest year first)."""
    from .policy_section import spot_check_caps
    from .rules import grade_label, spot_check_cap

    grades = {g.year: g for g in posting.grades.all()}
    years = sorted({c.date.year for c in checks} | set(grades), reverse=True)
    out = []
    for year in years:
        of_year = [c for c in checks if c.date.year == year]
        absences = sum(1 for c in of_year if c.counted)
        cap = spot_check_cap(absences=absences, caps=spot_check_caps(year))
        out.append(
            {
                "year": year,
                "checks": len(of_year),
                "absences": absences,
                "excused": sum(1 for c in of_year if c.excused),
                "cap_label": grade_label(cap) if cap else "",
                "grade": grades.get(year),
            }
        )
    return out


def presence_months(*, posting: FirstSecretary) -> list[PresenceMonth]:
    """Months with the shortfall flag of the rule in force in that month's year."""
    rows = list(posting.presence.order_by("-month"))
    minimums: dict[int, int] = {}
    for row in rows:
        if row.month.year not in minimums:
            minimums[row.month.year] = int(
                policy_for_year(row.month.year).section("register")["first_secretary"]["min_days_per_month"]
            )
        row.min_days = minimums[row.month.year]
        row.shortfall = row.days_in_village < row.min_days
    return rows


# ---------------------------------------------------------------------------------------------
# History shown on the person page (一人一档)
# ---------------------------------------------------------------------------------------------


def _appointments_in_scope(rows, *, user, person):
    """A clerk sees the posts in villages of the own township (the village of the historical row
    decides, so a deleted post still shows)."""
    if user.sees_all_townships:
        return rows
    return rows.filter(village_id__in=scoped(user, Village).values("id"))


def _history_sources() -> list:
    from .person_sections import PERSON_HISTORY_SOURCES, HistorySource

    return [
        HistorySource("人员信息", Person, person_field="id"),
        HistorySource("任职", Appointment, narrow=_appointments_in_scope),
        HistorySource("奖惩/去向", PersonRecord),
        HistorySource("资格联审", QualificationReview),
        HistorySource("驻村第一书记", FirstSecretary),
        HistorySource("简历", ResumeEntry),
        HistorySource("家庭成员", FamilyMember),
        HistorySource("任免审批", AppointmentRequest),
        *PERSON_HISTORY_SOURCES,
    ]


def person_history(*, user, person: Person) -> list[dict]:
    """Every change to the person and the records hanging off the person, newest first.

    Appointments are collected from the history table by person id, so a deleted appointment
    still shows (删除, with who and when); a clerk sees only appointments in villages of the own
    township (the village of the historical row decides)."""
    if not (can(user, "cadres.view_person") and can_view_history(user)):
        return []
    # ids of linked rows and sort numbers mean nothing to a reader (the row's own text says what it is)
    skip = {"id", "person", "updated_at", "created_at", "created_by", "appointment", "sort"}
    sources = _history_sources()
    related = RelatedRows(seed=[person])  # the rows the entries name, read once for the page
    # one query, compiled once, tells which tables hold anything for the person
    found = nonempty_by_id(tuple(sources), lambda person_id: [s.probe(person_id) for s in sources], person.pk)
    # the tables that hold rows, read unordered and without joins: diff_entries orders each
    # record's rows and reads who made the changes once for all of them
    tables = [
        (source.rows(user=user, person=person).order_by(), source.label)
        for source, any_rows in zip(sources, found, strict=True)
        if any_rows
    ]
    entries = diff_entries(tables, skip, related)
    entries += _verdict_history(user=user, person=person)
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries


def _verdict_history(*, user, person: Person) -> list[dict]:
    """Each department's verdict on the person's reviews as it was entered (who, when; also from
    the 联审 grid), for users who may see the details (a township sees the review's outcome).
    Opening the verdict rows is the review's own 新增 entry, so only the entries are listed."""
    if not can(user, "cadres.view_vetting_details"):
        return []
    rows = DepartmentVerdict.history.filter(review_id__in=QualificationReview.objects.filter(person_id=person.pk).values("id"))
    skip = {"id", "review", "sort", "department_code", "negative_item_code", "reviewed_by", "reviewed_at"}
    return [e for e in _diffs(rows, "部门审查意见", skip) if e["action"] != "新增"]


def village_history(*, user, village: Village) -> list[dict]:
    if not can_view_history(user):
        return []
    skip = {"id", "village"}
    related = RelatedRows(seed=[village])
    tables = [
        (Village.history.filter(id=village.pk), "村(社区)信息"),
        (VillageFlag.history.filter(village_id=village.pk), "村类型"),
    ]
    entries = diff_entries(tables, skip, related)
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries


# ---------------------------------------------------------------------------------------------
# Users (系统管理 → 用户管理; the views admit system administrators only)
# ---------------------------------------------------------------------------------------------


def user_list(*, user, filters=None, request=None) -> QuerySet[User]:
    """Accounts in the user's scope (a clerk's scope holds the own township's accounts only)."""
    qs = scoped(user, User).select_related("township").order_by("-is_active", "role", "township__sort_order", "username")
    return _filtered(UserFilter, qs, filters, request)


def user_get(*, user, pk: int) -> User:
    return get_scoped_or_404(user, User.objects.select_related("township"), pk=pk)


# ---------------------------------------------------------------------------------------------
# 干部任免审批表 (the national appointment form)
# ---------------------------------------------------------------------------------------------


def photo_data_uri(person: Person) -> str:
    """The 一寸照 inline (``data:image/jpeg;base64,…``; the upload service stores every photo as
    JPEG) for the PDFs, which fetch nothing; "" when there is none or its file went missing."""
    import base64

    if not person.photo:
        return ""
    try:
        with person.photo.open("rb") as fh:
            data = fh.read()
    except (OSError, ValueError):  # print without it rather than fail
        return ""
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")


def appointment_form_file_boxes(*, user, person: Person) -> dict:
    """The boxes of the 干部任免审批表 that only this form keeps or composes (出生地, 健康状况, 专业技术
    职务, 专长, the two educations, 奖惩情况, 年度考核结果): what the person page's section shows,
    and part of :func:`appointment_form_data`. Two queries."""
    from . import appointment_form as af
    from .person_sections import yearly_results

    records = person_records(user=user, person=person).values_list("kind", "date", "title", "issuer")
    return {
        "birthplace": person.birthplace,
        "health": person.health,
        "professional_title": person.professional_title,
        "specialty": person.specialty,
        "fulltime": af.Education(
            "全日制教育", person.get_education_fulltime_display(), person.degree_fulltime, person.school_major
        ),
        "inservice": af.Education(
            "在职教育", person.get_education_inservice_display(), person.degree_inservice, person.school_major_inservice
        ),
        "records": af.record_lines(records),
        "assessments": af.assessment_text(yearly_results(user=user, person_ids=[person.pk]).get(person.pk, [])),
    }


def appointment_form_data(*, user, person: Person, request: AppointmentRequest | None = None):
    """The 干部任免审批表 of ``person`` (for one 任免审批 ``request``, or the person alone: then the
    latest request's texts when there is one), every box as text; ages on 填表时间 (or today).
    Every row read goes through the user's scope; ID number masked for masked roles."""
    from core.masking import can_see_personal, mask_id_number

    from . import appointment_form as af

    if request is None:
        request = person_appointment_requests(user=user, person=person).first()
    on = (request.filled_on if request and request.filled_on else None) or core_dates.today()
    posts = scoped(user, Appointment).current().filter(person=person).select_related("village__township").order_by("start_date")
    current_posts = "、".join(af.post_title(a.village.township.name, a.village.name, a.post_name) for a in posts)
    family = [
        af.FamilyRow(m.relation, m.name, af.family_age(m.birth_date, on), m.political_status, m.work_unit)
        for m in person_family(user=user, person=person)
    ]
    text = lambda name: getattr(request, name) if request else ""  # noqa: E731
    return af.FormData(
        name=person.name,
        sex=person.get_sex_display(),
        birth=af.birth_text(person.birth_date, on),
        ethnicity=person.ethnicity,
        native_place=person.native_place,
        party_join=af.party_join_text(person.get_political_status_display(), person.party_join_date),
        work_start=af.month_text(person.work_start_date),
        **appointment_form_file_boxes(user=user, person=person),
        current_posts=current_posts,
        proposed_post=text("proposed_post"),
        proposed_removal=text("proposed_removal"),
        resume_spans=[(af.resume_span(e.start_date, e.end_date), e.text) for e in person_resume(user=user, person=person)],
        reason=text("reason"),
        family=family,
        reporting_unit=text("reporting_unit"),
        reporting_opinion=text("reporting_opinion"),
        approval_opinion=text("approval_opinion"),
        filled_by=text("filled_by"),
        filled_on=f"{request.filled_on:%Y年%m月%d日}" if request and request.filled_on else "",
        id_number=person.id_number if can_see_personal(user) else mask_id_number(person.id_number),
        photo=photo_data_uri(person),
    )
