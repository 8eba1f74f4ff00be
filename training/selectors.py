"""Reads of the training app. Every user-facing queryset starts from ``core.scope.scoped``.

The coverage report ("不漏一人") is built in a fixed number of queries whatever the size of
the county: one for the posts held in the year, one aggregate of hours per person, one for the
trainings of new members, one for the townships (plus the policy profile).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from cadres.choices import SECRETARY, FilingStatus
from cadres.models import Appointment, Person, Township, holds_on
from core import dates as core_dates
from core.scope import get_scoped_or_404, scoped

from . import rules
from .choices import COUNTY_OR_ABOVE, InductionStatus, SubsidyKind
from .filters import EducationUpgradeFilter, EnrollmentFilter, SessionFilter
from .models import Attendance, EducationUpgrade, Enrollment, TrainingSession
from .policy_section import hour_rules, requirement_table, training_rules, training_rules_for_years

# ---------------------------------------------------------------------------------------------
# Sessions and rosters
# ---------------------------------------------------------------------------------------------


def _filtered(filterset_class, qs, filters):
    """The filtered list; none at all when a filter is invalid (the form shows its error)."""
    if filters is None:
        return qs
    fs = filterset_class(filters, queryset=qs)
    return fs.qs if fs.is_valid() else qs.none()


def session_list(*, user, filters=None) -> QuerySet[TrainingSession]:
    qs = scoped(user, TrainingSession).with_related()
    return _filtered(SessionFilter, qs, filters)


def session_get(*, user, pk: int) -> TrainingSession:
    return get_scoped_or_404(user, TrainingSession.objects.select_related("township"), pk=pk)


def session_roster(*, user, session: TrainingSession) -> QuerySet[Enrollment]:
    """The part of the roster the user may see, with each person's attendance (2 queries)."""
    return (
        scoped(user, Enrollment)
        .filter(session=session)
        .select_related("person", "village", "township")
        .prefetch_related(Prefetch("attendance", queryset=Attendance.objects.order_by("date"), to_attr="marks"))
        .order_by("township__sort_order", "village__code", "person__name", "pk")
    )


def enrollment_list(*, user, filters=None) -> QuerySet[Enrollment]:
    # The people of the page in a query of their own: joined, PostgreSQL read the person of every
    # enrollment of the newest session (thousands at prefecture scale) before sorting out the
    # page's fifty (37 ms → 11 ms).
    qs = (
        scoped(user, Enrollment)
        .select_related("village", "township", "session")
        .prefetch_related(Prefetch("person", queryset=Person.objects.only("id", "name")))
    )
    return _filtered(EnrollmentFilter, qs, filters)


def enrollment_get(*, user, pk: int) -> Enrollment:
    return get_scoped_or_404(user, Enrollment.objects.select_related("session", "person", "village", "township"), pk=pk)


def roster_grid(*, session: TrainingSession, roster) -> list[dict]:
    """Rows for the attendance grid and the sign-in sheet: the person and one cell per day."""
    days = session.days()
    out = []
    for e in roster:
        marks = {a.date: a for a in getattr(e, "marks", [])}
        out.append({"enrollment": e, "cells": [(day, length, marks.get(day)) for day, length in days]})
    return out


def enrollable_people(*, user, session: TrainingSession) -> QuerySet[Person]:
    """People the user may add to the session (in scope, not yet on the roster)."""
    return (
        scoped(user, Person).exclude(pk__in=Enrollment.objects.filter(session=session).values("person_id")).order_by("name", "pk")
    )


# ---------------------------------------------------------------------------------------------
# Education upgrades
# ---------------------------------------------------------------------------------------------


def upgrade_list(*, user, filters=None) -> QuerySet[EducationUpgrade]:
    qs = scoped(user, EducationUpgrade).with_related()
    return _filtered(EducationUpgradeFilter, qs, filters)


def upgrade_get(*, user, pk: int) -> EducationUpgrade:
    return get_scoped_or_404(user, EducationUpgrade.objects.with_related(), pk=pk)


def education_subsidies_for_year(*, year: int, township_ids: list[int] | None = None) -> list[dict]:
    """Tuition and diploma subsidies fixed in ``year``, for the pay ledger (subsidies app), which
    posts each as a ledger entry of its own type. A system-level read (no user): the caller
    narrows by ``township_ids`` to what it is allowed to post.

    Keys: upgrade_id, person_id, township_id, kind ("tuition"/"diploma"), amount (Decimal),
    date (datetime.date), label (Chinese)."""
    qs = EducationUpgrade.objects.filter(
        Q(tuition_subsidy_date__year=year, tuition_subsidy__gt=0) | Q(diploma_subsidy_date__year=year, diploma_subsidy__gt=0)
    ).order_by("pk")
    if township_ids is not None:
        qs = qs.filter(township_id__in=township_ids)
    out = []
    for u in qs.values(
        "pk",
        "person_id",
        "township_id",
        "school",
        "programme",
        "level",
        "tuition_subsidy",
        "tuition_subsidy_date",
        "diploma_subsidy",
        "diploma_subsidy_date",
    ):
        from cadres.choices import Education

        level = Education(u["level"]).label if u["level"] in Education.values else u["level"]
        what = f"{u['school']}{u['programme']}（{level}）"
        if u["tuition_subsidy_date"] and u["tuition_subsidy_date"].year == year and u["tuition_subsidy"]:
            out.append(
                {
                    "upgrade_id": u["pk"],
                    "person_id": u["person_id"],
                    "township_id": u["township_id"],
                    "kind": SubsidyKind.TUITION.value,
                    "amount": rules.q_money(u["tuition_subsidy"]),
                    "date": u["tuition_subsidy_date"],
                    "label": f"学历提升学费补贴：{what}",
                }
            )
        if u["diploma_subsidy_date"] and u["diploma_subsidy_date"].year == year and u["diploma_subsidy"]:
            out.append(
                {
                    "upgrade_id": u["pk"],
                    "person_id": u["person_id"],
                    "township_id": u["township_id"],
                    "kind": SubsidyKind.DIPLOMA.value,
                    "amount": rules.q_money(u["diploma_subsidy"]),
                    "date": u["diploma_subsidy_date"],
                    "label": f"学历提升学历补贴：{what}",
                }
            )
    return out


# ---------------------------------------------------------------------------------------------
# Coverage report (不漏一人)
# ---------------------------------------------------------------------------------------------


@dataclass
class MemberRow:
    person_id: int
    name: str
    id_number: str
    township_id: int
    township: str
    village: str
    posts: str
    is_secretary: bool
    required: Decimal
    county_required: bool
    hours: Decimal = Decimal("0.0")
    county_sessions: int = 0

    @property
    def trained(self) -> bool:
        """Secretaries: at least one county-or-above session with hours credited in the year."""
        return self.county_sessions > 0 if self.county_required else self.hours > 0

    @property
    def short(self) -> Decimal:
        return max(self.required - self.hours, Decimal("0.0"))


@dataclass
class InductionRow:
    person_id: int
    name: str
    township_id: int
    township: str
    village: str
    post_name: str
    start: datetime.date
    result: rules.Induction
    today: datetime.date  # the report's day: overdue days are counted up to it

    @property
    def overdue_days(self) -> int | None:
        since = self.result.overdue_since
        if since is None:
            return None
        end = self.result.completed_on or self.today
        return (end - self.result.deadline).days


@dataclass
class TownshipCoverage:
    township_id: int | None
    name: str
    secretaries: list[MemberRow] = field(default_factory=list)
    short_members: list[MemberRow] = field(default_factory=list)
    inductions: list[InductionRow] = field(default_factory=list)

    @property
    def trained(self) -> list[MemberRow]:
        return [r for r in self.secretaries if r.trained]

    @property
    def not_trained(self) -> list[MemberRow]:
        return [r for r in self.secretaries if not r.trained]

    @property
    def rate(self) -> str:
        if not self.secretaries:
            return "—"
        return f"{Decimal(100 * len(self.trained)) / len(self.secretaries):.1f}%"

    @property
    def inductions_late(self) -> list[InductionRow]:
        return [r for r in self.inductions if r.result.status in (InductionStatus.OVERDUE, InductionStatus.LATE)]


@dataclass
class Coverage:
    year: int
    ref_date: datetime.date
    townships: list[TownshipCoverage]
    county: TownshipCoverage
    policy: dict


def coverage_report(*, user, year: int, township_id: int | None = None, today: datetime.date | None = None) -> Coverage:
    today = today or core_dates.today()
    section = training_rules(year)
    table = requirement_table(section)
    prorate = bool(section["hours"].get("prorate_mid_year", True))
    ind = section["induction"]
    year_start, year_end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    ref = min(today, year_end)
    months = int(ind["months"])
    # Posts taken up to ``months`` before the year still owe their induction in it; their eve
    # (to tell a new member from a re-elected one) needs the posts held the day before.
    window_start = rules.add_months(year_start, -months)

    appts = scoped(user, Appointment).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=window_start - datetime.timedelta(days=1)),
        status=FilingStatus.FILED,
        post__in=list(table),
        start_date__lte=year_end,
    )
    if township_id:
        appts = appts.filter(village__township_id=township_id)
    spans: dict[int, list[tuple]] = defaultdict(list)
    for a in appts.order_by().values_list(
        "person_id",
        "person__name",
        "person__id_number",
        "post",
        "post_name",
        "start_date",
        "end_date",
        "village__name",
        "village__code",
        "village__township_id",
        "village__township__name",
    ):
        spans[a[0]].append(a)

    hours = {
        row["person_id"]: row
        for row in Enrollment.objects.filter(person_id__in=appts.order_by().values("person_id"), session__start_date__year=year)
        .values("person_id")
        .annotate(
            hours=Sum("hours_credited"),
            county=Count("id", filter=Q(session__level__in=COUNTY_OR_ABOVE, hours_credited__gt=0)),
        )
        .order_by()
    }

    townships = scoped(user, Township).order_by("sort_order", "code")
    if township_id:
        townships = townships.filter(pk=township_id)
    by_township = {t.pk: TownshipCoverage(t.pk, t.name) for t in townships}
    county = TownshipCoverage(None, "全县合计")

    new_posts: list[tuple] = []
    for person_id, rows in spans.items():
        person_spans = [rules.PostSpan(r[3], r[5], r[6]) for r in rows]
        holding = [r for r in rows if holds_on(r[5], r[6], ref)]  # the register's "current on ref" (filed rows only)
        for r, span in zip(rows, person_spans, strict=True):
            if (
                rules.induction_window_in_year(r[5], months, year)
                and (r[6] is None or r[6] >= year_start)
                and rules.is_new_post(span, person_spans)
            ):
                new_posts.append(r)
        if not holding:
            continue
        holding.sort(key=lambda r: (r[3] != SECRETARY, r[8]))
        first = holding[0]
        req = rules.required_for_year(person_spans, year, table, prorate=prorate)
        agg = hours.get(person_id, {})
        row = MemberRow(
            person_id=person_id,
            name=first[1],
            id_number=first[2],
            township_id=first[9],
            township=first[10],
            village=first[7],
            posts="、".join(dict.fromkeys(r[4] for r in holding)),
            is_secretary=any(r[3] == SECRETARY for r in holding),
            required=req.hours,
            county_required=req.county_session,
            hours=rules.q_hours(agg.get("hours") or 0),
            county_sessions=agg.get("county") or 0,
        )
        bucket = by_township.get(row.township_id)
        for target in (bucket, county) if bucket else (county,):
            if row.is_secretary:
                target.secretaries.append(row)
            if row.hours < row.required:
                target.short_members.append(row)

    if new_posts:
        trainings: dict[int, list] = defaultdict(list)
        earliest = min(r[5] for r in new_posts)
        for person_id, end, credited in Enrollment.objects.filter(
            person_id__in={r[0] for r in new_posts}, hours_credited__gt=0, session__end_date__gte=earliest
        ).values_list("person_id", "session__end_date", "hours_credited"):
            trainings[person_id].append((end, credited))
        for r in new_posts:
            result = rules.induction(r[5], trainings[r[0]], months=months, min_hours=Decimal(str(ind["min_hours"])), today=today)
            irow = InductionRow(r[0], r[1], r[9], r[10], r[7], r[4], r[5], result, today)
            bucket = by_township.get(r[9])
            for target in (bucket, county) if bucket else (county,):
                target.inductions.append(irow)

    for t in [*by_township.values(), county]:
        t.secretaries.sort(key=lambda m: (m.trained, m.township_id, m.village, m.name))
        t.short_members.sort(key=lambda m: (m.township_id, -(m.short), m.name))
        t.inductions.sort(key=lambda i: (i.result.deadline, i.name))
    return Coverage(year=year, ref_date=ref, townships=list(by_township.values()), county=county, policy=section)


# ---------------------------------------------------------------------------------------------
# Person page (一人一档): hours per year against the requirement
# ---------------------------------------------------------------------------------------------


def person_training(*, user, person: Person, today: datetime.date | None = None) -> dict:
    today = today or core_dates.today()
    enrollments = list(
        scoped(user, Enrollment).filter(person=person).select_related("session").order_by("-session__start_date", "-pk")
    )
    spans = [
        rules.PostSpan(post, start, end)
        for post, start, end in Appointment.objects.filter(person=person, status=FilingStatus.FILED).values_list(
            "post", "start_date", "end_date"
        )
    ]
    years = sorted({e.session.start_date.year for e in enrollments} | {today.year}, reverse=True)[:5]
    sections = training_rules_for_years(years)  # one query for the years shown, not one a year
    per_year = []
    for year in years:
        section = sections[year]
        req = rules.required_for_year(
            spans, year, requirement_table(section), prorate=bool(section["hours"].get("prorate_mid_year", True))
        )
        rows = [e for e in enrollments if e.session.start_date.year == year]
        got = rules.q_hours(sum((e.hours_credited for e in rows), Decimal(0)))
        county = sum(1 for e in rows if e.session.level in COUNTY_OR_ABOVE and e.hours_credited > 0)
        per_year.append(
            {
                "year": year,
                "hours": got,
                "required": req.hours,
                "county_required": req.county_session,
                "county_sessions": county,
                "met": got >= req.hours and (county > 0 or not req.county_session),
            }
        )
    upgrades = list(scoped(user, EducationUpgrade).filter(person=person).order_by("-enrolled_on"))
    return {"per_year": per_year, "enrollments": enrollments, "upgrades": upgrades}


def hour_rules_for(session: TrainingSession) -> rules.HourRules:
    return hour_rules(training_rules(session.start_date.year))


def secretary_training_counts(
    *, user, year: int, township_id: int | None = None, today: datetime.date | None = None
) -> tuple[int, int]:
    """(current secretaries, trained) — the coverage report's two headline numbers in two COUNT
    queries, for the dashboard (the full report builds a row per member: ~0.6 s at prefecture
    scale). Same rule as the report; when the year's policy does not require secretaries to attend a
    county-or-above session, the report itself decides (its rule then depends on each person's posts)."""
    today = today or core_dates.today()
    table = requirement_table(training_rules(year))
    if not (table.get(SECRETARY) or {}).get("county_session"):
        county = coverage_report(user=user, year=year, township_id=township_id, today=today).county
        return len(county.secretaries), len(county.trained)
    ref = min(today, datetime.date(year, 12, 31))
    appts = scoped(user, Appointment).current(ref).filter(post=SECRETARY)
    if township_id:
        appts = appts.filter(village__township_id=township_id)
    people = appts.order_by().values("person_id")
    total = Person.objects.filter(pk__in=people).count()
    trained = (
        Enrollment.objects.filter(
            person_id__in=people, session__start_date__year=year, session__level__in=COUNTY_OR_ABOVE, hours_credited__gt=0
        )
        .order_by()
        .values("person_id")
        .distinct()
        .count()
    )
    return total, trained


# ---------------------------------------------------------------------------------------------
# The coverage page: the report cached by the version of its data
# ---------------------------------------------------------------------------------------------

COVERAGE_CACHE_SECONDS = 6 * 3600


def coverage_report_cached(*, user, year: int, township_id: int | None = None) -> Coverage:
    """coverage_report for the page: computed once per scope, year, day and data version (a
    prefecture's report reads ~50,000 people; the page is opened far more often than the data
    changes). The export always computes afresh."""
    from cadres.models import Village
    from core.cache import cached_per_scope
    from core.dashboard import models_version

    today = core_dates.today()
    # everything the report reads — posts, people, villages, townships, sessions, enrolments (and
    # the yearly policy, always part of the version): any write moves it
    version = models_version((Appointment, Person, Village, Township, TrainingSession, Enrollment))
    return cached_per_scope(
        "training:coverage",
        user=user,
        parts=(year, township_id or 0, f"{today:%Y%m%d}", version),
        compute=lambda: coverage_report(user=user, year=year, township_id=township_id, today=today),
        seconds=COVERAGE_CACHE_SECONDS,
    )
