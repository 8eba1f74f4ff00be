"""Demo training data for ``manage.py seed_demo`` (built on top of the demo register).

Like the register's demo builder this bypasses the services for speed (trusted, generated data)
and keeps their rules by construction: stored hours and certificates are computed with the same
pure rules (training.rules) and the year's policy, one enrolment per person per session, every
attendance day inside its session. Sessions and upgrades are written with
``bulk_create_with_history``; enrolments and attendance, the largest tables, by COPY with their
history rows (``core.fastwrite``).

What it builds, for last year and this year (sessions up to *today* only):
- five county rotation sessions at the Party school (5 days, the last a half day) with about
  95 % of the secretaries — so the coverage report has a few secretaries "not trained" by name;
- one township session per township (4½ days) for every 两委 member, a few missing it — so that
  most cadres reach their yearly hours and a realistic few do not;
- an induction session for members who took a post this year;
- attendance mostly 出勤, a few 请假 / 缺勤 / 迟到早退 (a few lose the certificate);
- education upgrades (农民大学生) for about 3 % of cadres, some graduated with subsidies fixed.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from simple_history.utils import bulk_create_with_history

from cadres.choices import SECRETARY
from cadres.models import Appointment, Township
from core.fastwrite import insert_with_history

from . import rules
from .choices import AttendanceStatus, Kind, Level, UpgradeKind, UpgradeStatus
from .models import Attendance, EducationUpgrade, Enrollment, TrainingSession
from .policy_section import hour_rules, requirement_table, training_rules

REASON = "演示数据初始化"
SCHOOLS = [
    ("湖南农业大学", "农村区域发展"),
    ("国家开放大学", "行政管理"),
    ("湖南广播电视大学", "农业经济管理"),
    ("长沙县委党校", "经济管理"),
]


def _weekday_on_or_after(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def _mark(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.97:
        return AttendanceStatus.PRESENT
    if r < 0.98:
        return AttendanceStatus.LEAVE
    if r < 0.99:
        return AttendanceStatus.ABSENT
    return AttendanceStatus.LATE_EARLY


def seed_demo(*, rng: random.Random, today: datetime.date, stdout) -> None:
    townships = list(Township.objects.order_by("sort_order", "code").values_list("pk", "name"))
    if not townships:
        return
    section = training_rules(today.year)
    counted = set(requirement_table(section))
    appts = list(
        Appointment.objects.current(today)
        .filter(post__in=counted)
        .order_by("village__township__sort_order", "village__code", "post", "pk")
        .values_list("person_id", "village_id", "village__township_id", "post", "post_name", "start_date")
    )
    holders: dict[int, tuple] = {}
    for a in appts:  # one row per person: the secretary post first
        if a[0] not in holders or a[3] == SECRETARY:
            holders[a[0]] = a
    secretaries = [a for a in holders.values() if a[3] == SECRETARY]
    members = [a for a in holders.values() if a[3] != SECRETARY]
    topics = [t["code"] for t in section["topics"]]

    sessions: list[TrainingSession] = []
    rosters: list[tuple[TrainingSession, list[tuple]]] = []
    for year in (today.year - 1, today.year):
        n = 0

        def new_session(*, year: int = year, **kw) -> TrainingSession:
            nonlocal n
            n += 1
            s = TrainingSession(code=f"PX{year}-{n:03d}", topics=rng.sample(topics, 3), **kw)
            sessions.append(s)
            return s

        # County rotation: 5 sessions, secretaries shared out, about 5 % left out.
        shuffled = secretaries[:]
        rng.shuffle(shuffled)
        chosen = shuffled[: int(len(shuffled) * 0.95)]
        for k in range(5):
            start = _weekday_on_or_after(datetime.date(year, 3 + k, 10))
            end = start + datetime.timedelta(days=4)
            if end >= today:
                continue
            s = new_session(
                title=f"{year}年全县村(社区)党组织书记轮训班（第{k + 1}期）",
                level=Level.COUNTY,
                kind=Kind.ROTATION,
                organiser="县委党校",
                place="县委党校",
                start_date=start,
                end_date=end,
                half_days=[end.isoformat()],
                audiences=["secretaries"],
                capacity=max(1, len(chosen) // 5 + 5),
            )
            rosters.append((s, chosen[k::5]))
        # One township session (4½ days, 36 hours) for all 两委 members, secretaries included (about
        # 95 % attend): with the county rotation a secretary reaches the 56 hours, a member the 32.
        for index, (tid, tname) in enumerate(townships):
            start = _weekday_on_or_after(datetime.date(year, 9, 1) + datetime.timedelta(days=index % 20))
            end = start + datetime.timedelta(days=4)
            if end >= today:
                continue
            people = [a for a in (*secretaries, *members) if a[2] == tid and rng.random() < 0.95]
            s = new_session(
                title=f"{tname}{year}年村“两委”成员培训班",
                level=Level.TOWNSHIP,
                kind=Kind.THEMATIC,
                organiser=f"{tname}党委",
                place=f"{tname}党群服务中心",
                start_date=start,
                end_date=end,
                township_id=tid,
                half_days=[end.isoformat()],
                audiences=["members", "secretaries"],
            )
            rosters.append((s, people))
        # Induction for members who took a post this year (most of them).
        fresh = [a for a in holders.values() if a[5].year == year and a[5] < today - datetime.timedelta(days=30)]
        if fresh:
            start = _weekday_on_or_after(max(a[5] for a in fresh) + datetime.timedelta(days=14))
            if start + datetime.timedelta(days=2) < today:
                s = new_session(
                    title=f"{year}年新任村“两委”成员任职培训班",
                    level=Level.COUNTY,
                    kind=Kind.INDUCTION,
                    organiser="县委组织部",
                    place="县委党校",
                    start_date=start,
                    end_date=start + datetime.timedelta(days=2),
                    audiences=["members", "secretaries"],
                )
                rosters.append((s, [a for a in fresh if rng.random() < 0.8]))
    if not sessions:
        return
    bulk_create_with_history(sessions, TrainingSession, default_change_reason=REASON)
    by_code = dict(TrainingSession.objects.filter(code__in=[s.code for s in sessions]).values_list("code", "pk"))

    enrollments, marks = [], []
    for s, people in rosters:
        s.pk = by_code[s.code]
        hr = hour_rules(training_rules(s.start_date.year))
        days = s.days()
        for person_id, village_id, township_id, _post, post_name, _start in people:
            day_marks = {day: _mark(rng) for day, _ in days}
            enrollments.append(
                {
                    "session_id": s.pk,
                    "person_id": person_id,
                    "township_id": township_id,
                    "village_id": village_id,
                    "post_name": post_name,
                    "hours_credited": rules.credited_hours(days, day_marks, hr, s.hours_override),
                    "missed": rules.missed_count(days, day_marks, hr),
                    "certificate": rules.certificate(days, day_marks, hr),
                }
            )
            marks.append(day_marks)
    # COPY with one history row each (core.fastwrite): at prefecture scale these are the seed's
    # largest tables, and bulk_create spent most of the training seed preparing them.
    ids = insert_with_history(Enrollment, enrollments, user=None, reason=REASON)
    attendance = [
        {"enrollment_id": pk, "date": day, "status": status}
        for pk, day_marks in zip(ids, marks, strict=True)
        for day, status in day_marks.items()
    ]
    insert_with_history(Attendance, attendance, user=None, reason=REASON)

    upgrades = []
    rule = section["education"]
    for a in holders.values():
        if rng.random() >= 0.03:
            continue
        school, programme = rng.choice(SCHOOLS)
        enrolled = datetime.date(today.year - rng.randint(1, 4), 9, 1)
        expected = enrolled.replace(year=enrolled.year + 3, month=7)
        fee = Decimal(rng.choice([3600, 4800, 6000]))
        u = EducationUpgrade(
            person_id=a[0],
            township_id=a[2],
            village_id=a[1],
            kind=UpgradeKind.FARMER_COLLEGE if rng.random() < 0.7 else UpgradeKind.DEGREE,
            school=school,
            programme=programme,
            level="5_college" if rng.random() < 0.7 else "6_bachelor",
            enrolled_on=enrolled,
            expected_graduation=expected,
            tuition_fee=fee,
            tuition_subsidy=rules.tuition_subsidy(fee, percent=rule["tuition_subsidy_percent"], cap=rule["tuition_subsidy_cap"]),
            tuition_subsidy_date=datetime.date(enrolled.year, 11, 15),
        )
        if expected < today and rng.random() < 0.8:
            u.status = UpgradeStatus.GRADUATED
            u.actual_graduation = expected
            u.diploma_subsidy = rules.q_money(rule["diploma_subsidy_amount"])
            u.diploma_subsidy_date = (
                expected + datetime.timedelta(days=60) if expected + datetime.timedelta(days=60) <= today else today
            )
        upgrades.append(u)
    bulk_create_with_history(upgrades, EducationUpgrade, default_change_reason=REASON)
    stdout.write(
        f"  教育培训：培训班 {len(sessions)} 个，参训 {len(enrollments)} 人次，"
        f"考勤 {len(attendance)} 条，学历提升 {len(upgrades)} 人"
    )
