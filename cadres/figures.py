"""Headline figures (主要指标): ONE definition (口径) and ONE computation per figure.

The home page (cadres.dashboard and the other apps' providers), 统计报表 (cadres.reports, page and
xlsx) and the API (``/api/v1/figures/``) all read the figures from here, so the same figure can
never differ between pages. A figure is computed for a scope — the viewer (core.scope: county
staff see every township, a clerk only the own), optionally one township (the home page's
drill-down, the report's township) — and a statistics date ``on`` (统计日, default today).

"Current on a date" is the register's one rule (cadres.models.appointment_current_q and
first_secretary_current_q): filed, started on or before the date, not ended by it. An
appointment filed with a later start date (待任) is counted from its start date on.

People are counted once per scope: a person holding several posts (一肩挑, 交叉任职) is one
member; the posts considered are those in the villages of the scope.

Other apps add their figures (后备力量, 书记参训率 …) with :func:`register_figure` from their
dashboard module, computing them through their own selectors; the register never imports them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, models
from django.db.models import Exists, F, Max, OuterRef, Q
from django.db.models.functions import Greatest

from core import dates as core_dates
from core.policy import policy_for_year
from core.scope import scoped

from . import choices
from .models import Appointment, FirstSecretary, Village

# ---------------------------------------------------------------------------------------------
# Groups shared by every structure table and chart
# ---------------------------------------------------------------------------------------------

# Age bands (inclusive ages on the statistics date). 35 is the youth line of reserve and talent
# schemes; 55/60 are the usual retirement-age lines for 村干部.
AGE_BANDS: list[tuple[str, int | None, int | None]] = [
    ("35岁及以下", None, 35),
    ("36–45岁", 36, 45),
    ("46–55岁", 46, 55),
    ("56–60岁", 56, 60),
    ("61岁及以上", 61, None),
]
# Education: the highest of full-time and in-service education, one group per level, and 未填.
EDUCATION_GROUPS: list[tuple[str, str]] = [*choices.Education.choices, ("", "未填")]

TWO_COMMITTEE_BODIES = ("party", "committee")  # 村"两委": 村党组织 + 村民委员会 (policy post table "body")
PARTY_MEMBERSHIP = (choices.PoliticalStatus.MEMBER, choices.PoliticalStatus.PROBATIONARY)


def percent(part: int, whole: int) -> Decimal | None:
    """part/whole as a percentage with one decimal, ROUND_HALF_UP; None when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def birth_limit(age: int, on: datetime.date) -> datetime.date:
    """Birthdays on or before this date are ``age`` or older on ``on`` (PersonFilter's rule)."""
    try:
        return on.replace(year=on.year - age)
    except ValueError:  # 29 Feb
        return on.replace(year=on.year - age, day=28)


def age_band_case(on: datetime.date, field: str = "birth_date") -> models.Case:
    whens = []
    for index, (_label, low, high) in enumerate(AGE_BANDS):
        cond = Q()
        if low is not None:
            cond &= Q(**{f"{field}__lte": birth_limit(low, on)})
        if high is not None:
            cond &= Q(**{f"{field}__gt": birth_limit(high + 1, on)})
        whens.append(models.When(cond, then=models.Value(index)))
    return models.Case(*whens, default=models.Value(-1), output_field=models.IntegerField())


def two_committee_posts(posts: list[dict]) -> list[str]:
    """Codes of the 两委 posts in a policy post table."""
    return [p["code"] for p in posts if p.get("body") in TWO_COMMITTEE_BODIES]


def posts_of_body(posts: list[dict], body: str) -> list[str]:
    return [p["code"] for p in posts if p.get("body") == body]


# ---------------------------------------------------------------------------------------------
# Scope
# ---------------------------------------------------------------------------------------------


@dataclass
class FigureScope:
    """Who asks (scope), for which township (optional) and on which date."""

    user: object
    on: datetime.date = field(default_factory=core_dates.today)
    township_id: int | None = None
    memo: dict = field(default_factory=dict)  # results shared between figures of one computation
    # the policy's post table of the statistics year (the home page passes its own, already loaded)
    post_table: Callable[[], list[dict]] | None = None

    def posts(self) -> list[dict]:
        if self.post_table is not None:
            return self.post_table()
        return self.once("posts", lambda: policy_for_year(self.on.year).section("register")["posts"])

    def once(self, key, compute: Callable):
        key = ("figures", key, self.on, self.township_id)
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    def villages(self):
        qs = scoped(self.user, Village)
        return qs.filter(township_id=self.township_id) if self.township_id else qs

    def appointments(self):
        """Appointments current on ``on`` in the villages of the scope."""
        qs = scoped(self.user, Appointment).current(self.on)
        return qs.filter(village__township_id=self.township_id) if self.township_id else qs

    def first_secretaries(self):
        qs = scoped(self.user, FirstSecretary).current(self.on)
        return qs.filter(village__township_id=self.township_id) if self.township_id else qs


# ---------------------------------------------------------------------------------------------
# Holders: one GROUP BY per scope, shared by the figures, the charts and the report's table
# ---------------------------------------------------------------------------------------------

FLAG_KEYS = ("sec", "chair", "member", "party_body", "committee_body")
ATTR_KEYS = ("band", "edu", "female", "party", "veteran", "graduate")


def holder_flags(posts: list[dict]) -> dict[str, Q]:
    return {
        "sec": Q(post=choices.SECRETARY),
        "chair": Q(post=choices.CHAIR),
        "member": Q(post__in=two_committee_posts(posts)),
        "party_body": Q(post__in=posts_of_body(posts, "party")),
        "committee_body": Q(post__in=posts_of_body(posts, "committee")),
    }


def per_person_rows(appointments, on: datetime.date, flags: dict[str, Q], *, by_township: bool = False) -> list[dict]:
    """One GROUP BY over ``appointments`` (joined to the person): one row per person (per
    township with ``by_township``) with the person's age band on ``on``, highest education, sex,
    party membership, veteran and returned-graduate marks, and per flag whether any of the
    person's rows matches it; identical rows are then counted (``n``) by an outer GROUP BY, so a
    few dozen rows come back whatever the number of people."""

    def mark(cond: Q):
        one = models.When(cond, then=models.Value(1))
        return Max(models.Case(one, default=models.Value(0), output_field=models.IntegerField()))

    marks = {name: mark(cond) for name, cond in flags.items()}

    group = {"tw": F("village__township_id")} if by_township else {}
    attrs = {
        # the person's own values (the same on each of their rows), taken with MAX so that the
        # groups are by person alone (SQLite then streams the groups in index order)
        "band": Max(age_band_case(on, "person__birth_date")),
        "edu": Max(Greatest("person__education_fulltime", "person__education_inservice")),
        "female": mark(Q(person__sex=choices.Sex.FEMALE)),
        "party": mark(Q(person__political_status__in=PARTY_MEMBERSHIP)),
        "veteran": mark(Q(person__is_veteran=True)),
        "graduate": mark(Q(person__is_returned_graduate=True)),
    }
    keys = (*(("tw",) if by_township else ()), *ATTR_KEYS, *marks)
    per_person = (
        appointments.order_by()
        .values("person_id", **group)
        .annotate(**attrs, **marks)
        .values_list(*keys)  # still grouped by person (values() before annotate)
    )
    cols = ", ".join(connection.ops.quote_name(k) for k in keys)
    inner, params = per_person.query.sql_with_params()
    sql = f"SELECT {cols}, COUNT(*) FROM ({inner}) per_person GROUP BY {cols}"  # noqa: S608  (names from code, values as params)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return [{**dict(zip(keys, row[:-1], strict=True)), "n": row[-1]} for row in cur.fetchall()]


def holder_rows(scope: FigureScope, *, by_township: bool = False) -> list[dict]:
    """Current holders of the scope (see per_person_rows), one query, memoised per scope."""

    def compute():
        flags = holder_flags(scope.posts())
        return per_person_rows(scope.appointments(), scope.on, flags, by_township=by_township)

    return scope.once(("holders", by_township), compute)


def tally(rows: list[dict], **required: bool) -> tuple[list[int], dict[str, int]]:
    """(counts per AGE_BANDS index, counts per highest education value) of the rows whose flags match."""
    ages = [0] * len(AGE_BANDS)
    edus: dict[str, int] = {}
    for row in rows:
        if any(bool(row[k]) != v for k, v in required.items()):
            continue
        if row["band"] >= 0:
            ages[row["band"]] += row["n"]
        edus[row["edu"] or ""] = edus.get(row["edu"] or "", 0) + row["n"]
    return ages, edus


def count(rows: list[dict], **required: bool) -> int:
    return sum(r["n"] for r in rows if all(bool(r[k]) == v for k, v in required.items()))


GROUPS = {"secretaries": ("sec", "村(社区)党组织书记"), "two_committee_members": ("member", "村“两委”成员")}


def structure(scope: FigureScope, group: str) -> dict:
    """年龄结构 and 学历结构 of a group ("secretaries" or "two_committee_members"):
    ``{"age": [(label, n), …], "education": [(label, n), …], "total": n}`` — the bars of the home
    page's charts, the report's columns and the API's structures."""
    flag, _title = GROUPS[group]
    ages, edus = tally(holder_rows(scope), **{flag: True})
    return {
        "age": [(label, n) for (label, _lo, _hi), n in zip(AGE_BANDS, ages, strict=True)],
        "education": [(label, edus.get(value, 0)) for value, label in EDUCATION_GROUPS],
        "total": count(holder_rows(scope), **{flag: True}),
    }


STRUCTURE_DEFINITIONS = {
    "age": "年龄按统计日计算的周岁分组：35岁及以下、36–45岁、46–55岁、56–60岁、61岁及以上。",
    "education": "学历取全日制学历与在职学历中较高者；两者均未填写的计入“未填”。",
}


# ---------------------------------------------------------------------------------------------
# The registry of headline figures
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureValue:
    value: int | Decimal | None
    note: str = ""  # e.g. "一肩挑 7 人 / 现任书记 8 人"
    label: str = ""  # when the label depends on the data (e.g. the reserve cohort year)


@dataclass(frozen=True)
class HeadlineFigure:
    key: str
    label: str
    unit: str
    definition: str  # 口径, shown beside the figure (Chinese, for the department)
    compute: Callable[[FigureScope], FigureValue]
    order: int = 100
    icon: str = "bi-bar-chart"


FIGURES: dict[str, HeadlineFigure] = {}


def register_figure(figure: HeadlineFigure) -> None:
    """Add (or replace) a headline figure; apps call this from their dashboard module."""
    FIGURES[figure.key] = figure


def figure_values(
    *,
    user,
    on: datetime.date | None = None,
    township_id: int | None = None,
    keys: list[str] | None = None,
    memo: dict | None = None,
    post_table: Callable[[], list[dict]] | None = None,
) -> list[tuple[HeadlineFigure, FigureValue]]:
    """The headline figures (all, or ``keys`` in that order) for the scope, in display order."""
    scope = FigureScope(
        user=user,
        on=on or core_dates.today(),
        township_id=township_id,
        memo={} if memo is None else memo,
        post_table=post_table,
    )
    figures = [FIGURES[k] for k in keys] if keys is not None else sorted(FIGURES.values(), key=lambda f: (f.order, f.key))
    return [(f, f.compute(scope)) for f in figures]


def figure_value(key: str, scope: FigureScope) -> FigureValue:
    return FIGURES[key].compute(scope)


# ---------------------------------------------------------------------------------------------
# The register's figures
# ---------------------------------------------------------------------------------------------


def _villages(kind):
    def compute(scope: FigureScope) -> FigureValue:
        return FigureValue(scope.once(("villages", kind), scope.villages().filter(kind=kind).count))

    return compute


def vacant_villages(scope: FigureScope):
    has = Exists(Appointment.objects.current(scope.on).secretaries().filter(village=OuterRef("pk")))
    return scope.villages().filter(~has)


def _vacant(scope: FigureScope) -> FigureValue:
    return FigureValue(scope.once("vacant", vacant_villages(scope).count))


def _secretaries(scope: FigureScope) -> FigureValue:
    return FigureValue(count(holder_rows(scope), sec=True))


def _one_shoulder(scope: FigureScope) -> FigureValue:
    rows = holder_rows(scope)
    n_sec, n_os = count(rows, sec=True), count(rows, sec=True, chair=True)
    return FigureValue(percent(n_os, n_sec), note=f"一肩挑 {n_os:,} 人 / 现任书记 {n_sec:,} 人")


def _members(scope: FigureScope) -> FigureValue:
    return FigureValue(count(holder_rows(scope), member=True))


def _first_secretaries(scope: FigureScope) -> FigureValue:
    return FigureValue(scope.once("first_secretaries", scope.first_secretaries().count))


def _members_share(flag: str, label: str):
    def compute(scope: FigureScope) -> FigureValue:
        rows = holder_rows(scope)
        total, part = count(rows, member=True), count(rows, member=True, **{flag: True})
        return FigureValue(percent(part, total), note=f"{label} {part:,} 人 / 两委成员 {total:,} 人")

    return compute


def _young_share(scope: FigureScope) -> FigureValue:
    ages, _edus = tally(holder_rows(scope), member=True)
    total = sum(ages)
    return FigureValue(percent(ages[0], total), note=f"35岁及以下 {ages[0]:,} 人 / 两委成员 {total:,} 人")


def _college_share(scope: FigureScope) -> FigureValue:
    _ages, edus = tally(holder_rows(scope), member=True)
    total = sum(edus.values())
    college = sum(n for value, n in edus.items() if value and value >= choices.Education.COLLEGE)
    return FigureValue(percent(college, total), note=f"大专及以上 {college:,} 人 / 两委成员 {total:,} 人")


STAT_DATE = "截至统计日"
for _figure in (
    HeadlineFigure(
        "villages",
        "行政村",
        "个",
        "本人数据范围内登记的行政村个数（不含社区）。",
        _villages(choices.VillageKind.VILLAGE),
        order=0,
        icon="bi-houses",
    ),
    HeadlineFigure(
        "communities",
        "社区",
        "个",
        "本人数据范围内登记的社区个数。",
        _villages(choices.VillageKind.COMMUNITY),
        order=1,
        icon="bi-buildings",
    ),
    HeadlineFigure(
        "secretaries",
        "现任村(社区)党组织书记",
        "人",
        f"{STAT_DATE}在任的村(社区)党组织书记人数：已完成县级备案、任职时间已到且未离任；"
        "任职时间在统计日之后的为“待任”，不计入。",
        _secretaries,
        order=2,
        icon="bi-person-badge",
    ),
    HeadlineFigure(
        "one_shoulder_share",
        "书记、主任“一肩挑”比例",
        "%",
        f"{STAT_DATE}同时担任村(社区)党组织书记和村(居)民委员会主任的人数 ÷ 现任党组织书记人数，保留一位小数。",
        _one_shoulder,
        order=3,
        icon="bi-person-check",
    ),
    HeadlineFigure(
        "two_committee_members",
        "现任村“两委”成员",
        "人",
        f"{STAT_DATE}在任的村党组织委员和村民委员会委员（含书记、副书记、主任、副主任），一人多职计一人；"
        "不含村务监督委员会、村民小组长和村文书等其他职务。",
        _members,
        order=4,
        icon="bi-people",
    ),
    HeadlineFigure(
        "first_secretaries",
        "在岗驻村第一书记",
        "人",
        f"{STAT_DATE}在岗的驻村第一书记：驻村开始日期已到、未期满，且未召回或提前离村；尚未到岗的不计入。",
        _first_secretaries,
        order=5,
        icon="bi-flag",
    ),
    HeadlineFigure(
        "vacant",
        "书记空缺村(社区)",
        "个",
        f"{STAT_DATE}没有在任党组织书记的村(社区)个数（已备案的新书记任职时间未到的，仍计为空缺）。",
        _vacant,
        order=6,
        icon="bi-exclamation-diamond",
    ),
    HeadlineFigure(
        "young_member_share",
        "“两委”成员35岁及以下占比",
        "%",
        f"{STAT_DATE}现任“两委”成员中，按统计日计算年龄在35周岁及以下的人数 ÷ 现任“两委”成员人数。",
        _young_share,
        order=7,
        icon="bi-person-up",
    ),
    HeadlineFigure(
        "college_member_share",
        "“两委”成员大专及以上学历占比",
        "%",
        f"{STAT_DATE}现任“两委”成员中，全日制或在职学历为大专及以上的人数 ÷ 现任“两委”成员人数。",
        _college_share,
        order=8,
        icon="bi-mortarboard",
    ),
    HeadlineFigure(
        "female_member_share",
        "“两委”成员女性占比",
        "%",
        f"{STAT_DATE}现任“两委”成员中女性人数 ÷ 现任“两委”成员人数。",
        _members_share("female", "女性"),
        order=9,
        icon="bi-gender-female",
    ),
):
    register_figure(_figure)

REGISTER_FIGURES = [
    "villages",
    "communities",
    "secretaries",
    "one_shoulder_share",
    "two_committee_members",
    "first_secretaries",
    "vacant",
    "young_member_share",
    "college_member_share",
    "female_member_share",
]


def structure_by_township(scope: FigureScope) -> list[dict]:
    """The report's per-township rows: holder_rows grouped by township (a person holding posts
    in two townships counts in each; the county total, from holder_rows, counts them once)."""
    return holder_rows(scope, by_township=True)
