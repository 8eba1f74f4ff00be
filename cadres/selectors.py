"""Reads for the register. Every selector starts from the scoping function."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet

from core import dates as core_dates
from core.access import can
from core.history import _diffs, can_view_history
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
    DepartmentVerdict,
    FilingEvent,
    FirstSecretary,
    Person,
    PersonRecord,
    PresenceMonth,
    QualificationReview,
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
        .annotate(
            village_count=Count("villages", distinct=True),
            community_count=Count("villages", filter=Q(villages__kind=choices.VillageKind.COMMUNITY), distinct=True),
            secretary_count=Count(
                "villages__appointments",
                filter=Q(villages__appointments__post=choices.SECRETARY)
                & appointment_current_q(core_dates.today(), prefix="villages__appointments__"),
                distinct=True,
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
    the yearly results from their app's source (one query a person). The photo is read from storage."""
    from django.db.models import Prefetch

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
    return [
        (p, _lrmx_document(p, results=_results_text(yearly_results(user=user, person=p)), today=today, filler=filler, lrmx=lrmx))
        for p in people
    ]


def _results_text(rows: list[tuple[int, str]]) -> str:
    """年度考核结果: "2023年度：称职；2024年度：优秀" (oldest first)."""
    return "；".join(f"{year}年度：{label}" for year, label in sorted(rows))


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


def person_history(*, user, person: Person) -> list[dict]:
    """Every change to the person and the records hanging off the person, newest first.

    Appointments are collected from the history table by person id, so a deleted appointment
    still shows (删除, with who and when); a clerk sees only appointments in villages of the own
    township (the village of the historical row decides)."""
    if not (can(user, "cadres.view_person") and can_view_history(user)):
        return []
    skip = {"id", "person", "updated_at", "created_at"}
    appointment_history = Appointment.history.filter(person_id=person.pk)
    if not user.sees_all_townships:
        appointment_history = appointment_history.filter(village_id__in=scoped(user, Village).values("id"))
    sources = [
        (Person.history.filter(id=person.pk), "人员信息"),
        (appointment_history, "任职"),
        (PersonRecord.history.filter(person_id=person.pk), "奖惩/去向"),
        (QualificationReview.history.filter(person_id=person.pk), "资格联审"),
        (FirstSecretary.history.filter(person_id=person.pk), "驻村第一书记"),
    ]
    from .person_sections import PERSON_HISTORY_SOURCES

    sources += [(source(user=user, person=person), label) for label, source in PERSON_HISTORY_SOURCES]
    entries = []
    for qs, label in sources:
        entries.extend(_diffs(qs.select_related("history_user").order_by("id", "history_date"), label, skip))
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries


def village_history(*, user, village: Village) -> list[dict]:
    if not can_view_history(user):
        return []
    skip = {"id", "village"}
    entries = _diffs(Village.history.filter(id=village.pk).select_related("history_user"), "村(社区)信息", skip)
    entries += _diffs(VillageFlag.history.filter(village_id=village.pk).select_related("history_user"), "村类型", skip)
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
