"""Pure training rules: day hours, credited hours, certificates, yearly requirements, induction.

No ORM here. Every figure comes in as data from the year's policy section "training" (see
``policy_section.training_rules``), so the rules can be table-tested and old years recomputed.

Hour accounting (DOMAIN §9): a full day counts ``full_day_hours`` (8), a half day
``half_day_hours`` (4). Per person and day: 出勤 credits the day, 迟到早退 credits
``late_credit_percent`` of it, 请假 and 缺勤 credit nothing. A certificate is withheld when the
person was absent or late/left early ``certificate_absence_limit`` (3) times or more, or
attended nothing; it is pending while any day is unrecorded.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from core.dates import add_months

from .choices import AttendanceStatus, Certificate, DayLength, InductionStatus

HOURS_QUANTUM = Decimal("0.1")
MONEY_QUANTUM = Decimal("0.01")


def q_hours(value) -> Decimal:
    return Decimal(str(value)).quantize(HOURS_QUANTUM, rounding=ROUND_HALF_UP)


def q_money(value) -> Decimal:
    return Decimal(str(value)).quantize(MONEY_QUANTUM, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class HourRules:
    full_day_hours: Decimal = Decimal(8)
    half_day_hours: Decimal = Decimal(4)
    late_credit_percent: Decimal = Decimal(50)
    certificate_absence_limit: int = 3
    leave_counts_as_absence: bool = False

    @classmethod
    def from_policy(cls, group: Mapping) -> HourRules:
        return cls(
            full_day_hours=Decimal(str(group["full_day_hours"])),
            half_day_hours=Decimal(str(group["half_day_hours"])),
            late_credit_percent=Decimal(str(group["late_credit_percent"])),
            certificate_absence_limit=int(group["certificate_absence_limit"]),
            leave_counts_as_absence=bool(group.get("leave_counts_as_absence", False)),
        )


# ---------------------------------------------------------------------------------------------
# Sessions and attendance
# ---------------------------------------------------------------------------------------------


def calendar_schedule(
    start: datetime.date,
    end: datetime.date,
    half_days: Iterable[datetime.date] = (),
    off_days: Iterable[datetime.date] = (),
) -> list[tuple[datetime.date, str]]:
    """Every calendar day from start to end with its length: 全天 (default), 半天 or 不安排.
    A day listed both as half and off is off."""
    halves, offs = set(half_days), set(off_days)
    out = []
    day = start
    while day <= end:
        out.append((day, DayLength.OFF if day in offs else DayLength.HALF if day in halves else DayLength.FULL))
        day += datetime.timedelta(days=1)
    return out


def session_days(
    start: datetime.date,
    end: datetime.date,
    half_days: Iterable[datetime.date] = (),
    off_days: Iterable[datetime.date] = (),
) -> list[tuple[datetime.date, str]]:
    """The scheduled days of a session, in order, each full or half (days 不安排 left out). The
    Nth item is 第N天 of the attendance grid, the printed sign-in sheet and the sheet import."""
    return [(day, length) for day, length in calendar_schedule(start, end, half_days, off_days) if length != DayLength.OFF]


def weekend_days(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """Saturdays and Sundays from start to end (the session form's "周末不安排")."""
    return [day for day, _ in calendar_schedule(start, end) if day.weekday() >= 5]


def day_hours(length: str, rules: HourRules) -> Decimal:
    return rules.half_day_hours if length == DayLength.HALF else rules.full_day_hours


def session_hours(days: list[tuple[datetime.date, str]], rules: HourRules, override: Decimal | None = None) -> Decimal:
    """Hours of the whole session: the override (e.g. an online course's platform hours) or the day rule."""
    if override is not None:
        return q_hours(override)
    return q_hours(sum((day_hours(length, rules) for _, length in days), Decimal(0)))


def credit_factor(status: str | None, rules: HourRules) -> Decimal:
    if status == AttendanceStatus.PRESENT:
        return Decimal(1)
    if status == AttendanceStatus.LATE_EARLY:
        return rules.late_credit_percent / Decimal(100)
    return Decimal(0)


def credited_hours(
    days: list[tuple[datetime.date, str]],
    attendance: Mapping[datetime.date, str],
    rules: HourRules,
    override: Decimal | None = None,
) -> Decimal:
    """Hours one person earns in one session. With an override the day rule gives the share."""
    earned = sum((day_hours(length, rules) * credit_factor(attendance.get(day), rules) for day, length in days), Decimal(0))
    if override is not None:
        full = sum((day_hours(length, rules) for _, length in days), Decimal(0))
        earned = Decimal(override) * earned / full if full else Decimal(0)
    return q_hours(earned)


def missed_count(days: list[tuple[datetime.date, str]], attendance: Mapping[datetime.date, str], rules: HourRules) -> int:
    counted = {AttendanceStatus.ABSENT, AttendanceStatus.LATE_EARLY}
    if rules.leave_counts_as_absence:
        counted.add(AttendanceStatus.LEAVE)
    return sum(1 for day, _ in days if attendance.get(day) in counted)


def certificate(days: list[tuple[datetime.date, str]], attendance: Mapping[datetime.date, str], rules: HourRules) -> str:
    if missed_count(days, attendance, rules) >= rules.certificate_absence_limit:
        return Certificate.WITHHELD
    if any(attendance.get(day) is None for day, _ in days):
        return Certificate.PENDING
    if credited_hours(days, attendance, rules) <= 0:
        return Certificate.WITHHELD
    return Certificate.ISSUED


# ---------------------------------------------------------------------------------------------
# Yearly requirement
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostSpan:
    post: str
    start: datetime.date
    end: datetime.date | None  # None = still holding


@dataclass(frozen=True)
class Requirement:
    hours: Decimal
    county_session: bool


def months_in_year(start: datetime.date, end: datetime.date | None, year: int) -> int:
    """Calendar months of ``year`` in which the post was held at least one day (0–12)."""
    first = max(start, datetime.date(year, 1, 1))
    last = min(end or datetime.date(year, 12, 31), datetime.date(year, 12, 31))
    if last < first:
        return 0
    return (last.year - first.year) * 12 + last.month - first.month + 1


def required_for_year(spans: Iterable[PostSpan], year: int, table: Mapping[str, Mapping], *, prorate: bool = True) -> Requirement:
    """The person's requirement for the year, month by month: each calendar month in which the
    person held a counted post (at least one day) adds the largest yearly requirement among the
    posts held that month, divided by 12. So a secretary who is also chair (一肩挑) needs the
    secretary's hours (not the sum), a member who took the post in July needs half, and a member
    who moved from one post to another mid-year is not pro-rated. Without pro-rating the largest
    requirement of any post held in the year applies in full. ``table``: post code →
    {required_hours, county_session}."""
    year_first, year_last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    held = []  # (first month, last month, yearly hours, county rule) of each counted post in the year
    for span in spans:
        row = table.get(span.post)
        if row is None:
            continue
        first, last = max(span.start, year_first), min(span.end or year_last, year_last)
        if last >= first:
            held.append((first.month, last.month, Decimal(str(row.get("required_hours") or 0)), bool(row.get("county_session"))))
    if not held:
        return Requirement(hours=Decimal("0.0"), county_session=False)
    county = any(h[3] for h in held)
    if not prorate:
        hours = max(h[2] for h in held)
    elif len(held) == 1:
        first_month, last_month, base, _ = held[0]
        hours = base * (last_month - first_month + 1) / 12
    else:
        monthly = sum((max((h[2] for h in held if h[0] <= m <= h[1]), default=Decimal(0)) for m in range(1, 13)), Decimal(0))
        hours = monthly / 12
    return Requirement(hours=q_hours(hours), county_session=county)


# ---------------------------------------------------------------------------------------------
# Induction of new members
# ---------------------------------------------------------------------------------------------


def induction_window_in_year(start: datetime.date, months: int, year: int) -> bool:
    """Whether a post's induction period (start … start + ``months``) touches ``year``: posts taken
    in the year, and posts taken in the last ``months`` months before it (appointed in November,
    due in February: listed in both years' reports)."""
    return start <= datetime.date(year, 12, 31) and add_months(start, months) >= datetime.date(year, 1, 1)


def is_new_post(span: PostSpan, others: Iterable[PostSpan]) -> bool:
    """New member: held none of the counted posts the day before this one began (a re-elected
    member or a member who moves from committee member to secretary is not new)."""
    eve = span.start - datetime.timedelta(days=1)
    return not any(o.start <= eve and (o.end is None or o.end >= eve) for o in others if o is not span)


@dataclass(frozen=True)
class Induction:
    status: str
    deadline: datetime.date
    completed_on: datetime.date | None = None

    @property
    def overdue_since(self) -> datetime.date | None:
        return (
            self.deadline + datetime.timedelta(days=1) if self.status in (InductionStatus.OVERDUE, InductionStatus.LATE) else None
        )


def induction(
    start: datetime.date,
    trainings: Iterable[tuple[datetime.date, Decimal]],
    *,
    months: int,
    min_hours: Decimal,
    today: datetime.date,
) -> Induction:
    """``trainings``: (last day of a session, hours credited) for the person. Training from the
    post's start counts; the induction is complete on the day the running total reaches
    ``min_hours`` (at least some hours when the minimum is 0)."""
    deadline = add_months(start, months)
    total = Decimal(0)
    completed = None
    for day, hours in sorted((d, Decimal(str(h))) for d, h in trainings if d >= start and Decimal(str(h)) > 0):
        total += hours
        if total >= max(min_hours, Decimal("0.1")):
            completed = day
            break
    if completed is not None:
        return Induction(InductionStatus.ON_TIME if completed <= deadline else InductionStatus.LATE, deadline, completed)
    return Induction(InductionStatus.OVERDUE if today > deadline else InductionStatus.DUE, deadline)


# ---------------------------------------------------------------------------------------------
# Education upgrade subsidies
# ---------------------------------------------------------------------------------------------


def tuition_subsidy(fee: Decimal | None, *, percent, cap) -> Decimal:
    """Percent of the tuition actually paid, capped (0 cap = no cap); cents, half up."""
    if not fee or fee <= 0:
        return Decimal("0.00")
    amount = Decimal(str(fee)) * Decimal(str(percent)) / Decimal(100)
    cap = Decimal(str(cap or 0))
    if cap > 0:
        amount = min(amount, cap)
    return q_money(amount)
