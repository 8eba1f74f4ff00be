"""The demo county's plan: fixed dates, shares and distributions, and small helpers."""

from __future__ import annotations

import contextlib
import datetime
import random
from dataclasses import dataclass, field

from django.utils import timezone

from cadres import choices
from cadres.choices import Education as Edu
from cadres.models import (
    Township,
    Village,
)

ID_AREA = "430122"  # the demo county's area code, used for every generated ID number
REF = datetime.date(2026, 1, 1)  # ages are drawn relative to this fixed date (deterministic IDs)
ELECTION_YEAR = 2021
PREVIOUS_COHORT = 2017
BATCH = 2000
REASON = "演示数据初始化"

POST_NAMES = {p["code"]: p["name"] for p in choices.DEFAULT_POSTS}
PARTY_POSTS = {"secretary", "deputy_secretary", "party_member"}
# share of villagers'-committee seats (other than the chair) held by a Party committee member (交叉任职)
CROSS_POST_SHARE = 0.2
# share of current 党员 among holders of each post (party posts: all of them)
MEMBER_SHARE = {
    "chair": 0.85,
    "vice_chair": 0.7,
    "committee_member": 0.55,
    "supervision_chair": 0.8,
    "supervision_member": 0.5,
    "clerk": 0.6,
    "group_leader": 0.35,
}
FEMALE_SHARE = {
    "secretary": 0.09,
    "deputy_secretary": 0.2,
    "party_member": 0.25,
    "chair": 0.1,
    "vice_chair": 0.25,
    "committee_member": 0.35,
    "supervision_chair": 0.15,
    "supervision_member": 0.3,
    "clerk": 0.4,
    "group_leader": 0.12,
    "women_member": 0.92,  # 妇女委员: the villagers' committee should have a woman member
    "first_secretary": 0.3,
}
EDU_SECRETARY = [(Edu.JUNIOR, 3), (Edu.SENIOR, 27), (Edu.VOCATIONAL, 18), (Edu.COLLEGE, 38), (Edu.BACHELOR, 14)]
EDU_MEMBER = [(Edu.JUNIOR, 18), (Edu.SENIOR, 35), (Edu.VOCATIONAL, 15), (Edu.COLLEGE, 25), (Edu.BACHELOR, 7)]
EDU_GROUP = [(Edu.PRIMARY, 5), (Edu.JUNIOR, 45), (Edu.SENIOR, 35), (Edu.VOCATIONAL, 10), (Edu.COLLEGE, 5)]
EDU_FIRST_SEC = [(Edu.COLLEGE, 8), (Edu.BACHELOR, 72), (Edu.POSTGRAD, 20)]
# The previous term (上届, the 2017 换届): on file for most villages, with its own 两委. Older, less
# schooled, fewer women and far fewer 一肩挑 than the 2021 term (the 2021 换届 pushed 一肩挑 and
# younger, better-educated secretaries), so the dashboard's 上届 bars and 统计报表 differ.
PREVIOUS_SHARE = 0.9  # villages whose 2017 term is on file
PREVIOUS_YIJIANTIAO_SHARE = 0.45
PREVIOUS_CROSS_POST_SHARE = 0.3
PREVIOUS_CONTINUING_SHARE = 0.2  # 2021 secretaries who sat on the 2017 两委 (副书记/委员)
PREVIOUS_MIDTERM_SHARE = 0.12  # 2017 members who left before the 2021 换届
PREVIOUS_AGE = {"secretary": (50, 72, 62), "chair": (45, 72, 60), "member": (36, 74, 57)}  # at REF
PREVIOUS_FEMALE_SHARE = {"secretary": 0.04, "chair": 0.05, "party": 0.15, "committee": 0.22, "women_member": 0.9}
EDU_PREVIOUS_SECRETARY = [
    (Edu.PRIMARY, 2),
    (Edu.JUNIOR, 14),
    (Edu.SENIOR, 42),
    (Edu.VOCATIONAL, 16),
    (Edu.COLLEGE, 21),
    (Edu.BACHELOR, 5),
]
EDU_PREVIOUS_MEMBER = [
    (Edu.PRIMARY, 7),
    (Edu.JUNIOR, 36),
    (Edu.SENIOR, 35),
    (Edu.VOCATIONAL, 10),
    (Edu.COLLEGE, 10),
    (Edu.BACHELOR, 2),
]
END_REASONS_PREVIOUS_MIDTERM = [
    (choices.EndReason.RESIGNED, 35),
    (choices.EndReason.RETIRED, 25),
    (choices.EndReason.TRANSFERRED, 15),
    (choices.EndReason.DECEASED, 10),
    (choices.EndReason.REMOVED, 10),
    (choices.EndReason.RECALLED, 5),
]
END_REASONS_MIDTERM = [
    (choices.EndReason.PROMOTED, 30),
    (choices.EndReason.RESIGNED, 25),
    (choices.EndReason.TRANSFERRED, 15),
    (choices.EndReason.RETIRED, 15),
    (choices.EndReason.REMOVED, 10),
    (choices.EndReason.DECEASED, 5),
]


def add_years(d: datetime.date, years: int) -> datetime.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def first_of_month(d: datetime.date, months_back: int = 0) -> datetime.date:
    y, m = divmod(d.year * 12 + d.month - 1 - months_back, 12)
    return datetime.date(y, m + 1, 1)


def aware(d: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(d.year, d.month, d.day, hour, tzinfo=timezone.get_current_timezone())


@contextlib.contextmanager
def explicit_timestamps(*fields):
    """Let bulk_create keep the historical dates we set on ``auto_now_add`` fields (录入时间 of a
    2021 appointment is in 2021, not today)."""
    saved = [(f, f.auto_now_add) for f in fields]
    for f, _ in saved:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f, value in saved:
            f.auto_now_add = value


def weighted(rng: random.Random, pairs):
    values = [v for v, _ in pairs]
    weights = [w for _, w in pairs]
    return rng.choices(values, weights)[0]


def quota(rng: random.Random, items: list, share: float, minimum: int = 1) -> list:
    """Exactly round(share·n) items (at least ``minimum`` when there are items)."""
    k = min(len(items), max(minimum if items else 0, round(share * len(items))))
    return rng.sample(items, k)


@dataclass(eq=False)
class VillagePlan:
    village: Village
    township: Township
    yijiantiao: bool = False
    vacant: bool = False
    queue: str = ""  # "", draft or township_approved: a secretary candidate in the filing queue
    midterm: bool = False
    previous: bool = False
    party_start: datetime.date = REF
    committee_start: datetime.date = REF
    flags: list[str] = field(default_factory=list)


@dataclass
class Stats:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, n: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + n
