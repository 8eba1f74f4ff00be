"""Standard reports: 村“两委”成员花名册 per village (一村一册) and per township (一镇一库), and the
structure table per township (counts and shares by sex, age band, education, party, 一肩挑,
交叉任职, returned graduates, veterans). All start from the scoping function."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby

from django import forms as djforms

from core import dates as core_dates
from core.exports import ExportColumn as C
from core.exports import export_queryset, log_export, xlsx_response
from core.imports.workbooks import write_xlsx
from core.policy import policy_for_year
from core.scope import get_scoped_or_404, scoped
from core.views import PageView

from . import choices
from .models import Appointment, Township, Village

AGE_BANDS = [(0, 35, "35岁及以下"), (36, 45, "36–45岁"), (46, 55, "46–55岁"), (56, 200, "56岁及以上")]
EDU_BANDS = [
    (
        "高中及以下",
        {choices.Education.PRIMARY, choices.Education.JUNIOR, choices.Education.SENIOR, choices.Education.VOCATIONAL, ""},
    ),
    ("大专", {choices.Education.COLLEGE}),
    ("本科及以上", {choices.Education.BACHELOR, choices.Education.POSTGRAD}),
]
PARTY_BODIES = {"party"}
COMMITTEE_BODIES = {"committee"}


def _age(birth: datetime.date, on: datetime.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _share(n: int, total: int) -> str:
    if not total:
        return "—"
    return f"{(Decimal(n) * 100 / Decimal(total)).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def structure_table(*, user, on: datetime.date | None = None, secretaries_only: bool = False) -> list[dict]:
    """One row per township in scope plus a county total; each person counted once per township."""
    on = on or core_dates.today()
    bodies = {p["code"]: p.get("body", "") for p in policy_for_year(on.year).section("register")["posts"]}
    qs = scoped(user, Appointment).current()
    rows = qs.values_list(
        "village__township_id",
        "person_id",
        "post",
        "person__sex",
        "person__birth_date",
        "person__education_fulltime",
        "person__education_inservice",
        "person__political_status",
        "person__is_veteran",
        "person__is_returned_graduate",
    )
    people: dict[int, dict[int, dict]] = defaultdict(dict)
    for tid, pid, post, sex, birth, edu_f, edu_i, pol, veteran, graduate in rows.iterator(chunk_size=5000):
        p = people[tid].setdefault(
            pid,
            {
                "posts": set(),
                "sex": sex,
                "birth": birth,
                "edu": max(edu_f or "", edu_i or ""),
                "party": pol in (choices.PoliticalStatus.MEMBER, choices.PoliticalStatus.PROBATIONARY),
                "veteran": veteran,
                "graduate": graduate,
            },
        )
        p["posts"].add(post)
    townships = list(scoped(user, Township).order_by("sort_order", "code"))
    result = []
    total_people: dict[int, dict] = {}
    for t in [*townships, None]:
        group = people.get(t.pk, {}) if t else total_people
        if secretaries_only:
            group = {k: v for k, v in group.items() if choices.SECRETARY in v["posts"]}
        n = len(group)
        counts = {
            "女性": sum(1 for p in group.values() if p["sex"] == choices.Sex.FEMALE),
            **{label: sum(1 for p in group.values() if lo <= _age(p["birth"], on) <= hi) for lo, hi, label in AGE_BANDS},
            **{label: sum(1 for p in group.values() if p["edu"] in levels) for label, levels in EDU_BANDS},
            "中共党员": sum(1 for p in group.values() if p["party"]),
            "一肩挑": sum(1 for p in group.values() if {choices.SECRETARY, choices.CHAIR} <= p["posts"]),
            "交叉任职": sum(
                1
                for p in group.values()
                if {bodies.get(x) for x in p["posts"]} & PARTY_BODIES and {bodies.get(x) for x in p["posts"]} & COMMITTEE_BODIES
            ),
            "返乡大学生": sum(1 for p in group.values() if p["graduate"]),
            "退役军人": sum(1 for p in group.values() if p["veteran"]),
        }
        result.append(
            {
                "township": t.name if t else "合计",
                "total": n,
                "counts": counts,
                "shares": {k: _share(v, n) for k, v in counts.items()},
            }
        )
        if t:
            for pid, p in people.get(t.pk, {}).items():
                total_people.setdefault(pid, p)
    return result


STRUCTURE_KEYS = [
    "女性",
    *[b[2] for b in AGE_BANDS],
    *[b[0] for b in EDU_BANDS],
    "中共党员",
    "一肩挑",
    "交叉任职",
    "返乡大学生",
    "退役军人",
]


def _d(day: datetime.date | None) -> str:
    """Month precision as 1985.03; a real day kept (1985.03.12), so re-importing changes nothing."""
    if day is None:
        return ""
    return f"{day:%Y.%m}" if day.day == 1 else f"{day:%Y.%m.%d}"


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


@dataclass
class RosterRow:
    """One person in one village with all current posts there (as the importer reads it back)."""

    person: object
    village: object
    appointments: list

    @property
    def posts(self) -> set[str]:
        return {a.post for a in self.appointments}

    def post_names(self) -> str:
        return "、".join(a.post_name for a in self.appointments)

    def start_dates(self) -> str:
        dates = [_d(a.start_date) for a in self.appointments]
        return dates[0] if len(set(dates)) == 1 else "、".join(dates)

    def cohort(self):
        cohorts = {a.cohort for a in self.appointments if a.cohort}
        return cohorts.pop() if len(cohorts) == 1 else ""


def _roster_columns():
    return [
        C("乡镇(街道)", lambda r: r.village.township.name),
        C("村(社区)", lambda r: r.village.name),
        C("姓名", lambda r: r.person.name),
        C("性别", lambda r: r.person.get_sex_display()),
        C("民族", lambda r: r.person.ethnicity),
        C("出生年月", lambda r: f"{r.person.birth_date:%Y.%m}"),
        C("身份证号", lambda r: r.person.id_number, personal="id", width=21),
        C("政治面貌", lambda r: r.person.get_political_status_display()),
        C("入党时间", lambda r: _d(r.person.party_join_date)),
        C("全日制学历", lambda r: r.person.get_education_fulltime_display()),
        C("在职学历", lambda r: r.person.get_education_inservice_display()),
        C("现任职务", lambda r: r.post_names(), width=16),
        C("任职时间", lambda r: r.start_dates(), width=12),
        C("换届届次", lambda r: r.cohort()),
        C("是否一肩挑", lambda r: _yes({choices.SECRETARY, choices.CHAIR} <= r.posts)),
        C("是否退役军人", lambda r: _yes(r.person.is_veteran)),
        C("联系电话", lambda r: r.person.phone, personal="phone", width=14),
    ]


def roster_queryset(*, user, village: Village | None = None, township: Township | None = None):
    """Current appointments in scope, ordered so that one person's posts in a village are adjacent."""
    qs = scoped(user, Appointment).current().select_related("person", "village__township")
    if village is not None:
        qs = qs.filter(village=village)
    if township is not None:
        qs = qs.filter(village__township=township)
    return qs.order_by("village__code", "person__name", "person_id", "post")


def roster_rows(appointments: Iterable, *, on: datetime.date | None = None) -> Iterator[RosterRow]:
    """One row per person and village, posts in the policy's order ("书记、主任"), streaming."""
    on = on or core_dates.today()
    order = {p["code"]: i for i, p in enumerate(policy_for_year(on.year).section("register")["posts"])}
    for _key, group in groupby(appointments, key=lambda a: (a.village_id, a.person_id)):
        appts = sorted(group, key=lambda a: (order.get(a.post, len(order)), a.post))
        yield RosterRow(person=appts[0].person, village=appts[0].village, appointments=appts)


class ReportForm(djforms.Form):
    township = djforms.ModelChoiceField(label="乡镇(街道)", queryset=Township.objects.none(), required=False)
    village = djforms.ModelChoiceField(label="村(社区)", queryset=Village.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = scoped(user, Township)
        self.fields["village"].queryset = (
            scoped(user, Village).select_related("township").order_by("township__sort_order", "code")
        )
        for f in self.fields.values():
            f.widget.attrs["class"] = "form-select"


class ReportsView(PageView):
    template_name = "cadres/reports.html"
    title = "统计报表"

    def get(self, request):
        secretaries_only = request.GET.get("who") == "secretaries"
        table = structure_table(user=request.user, secretaries_only=secretaries_only)
        if request.GET.get("export") == "structure":
            data = write_xlsx(
                ["乡镇(街道)", "人数", *[f"{k}（人）" for k in STRUCTURE_KEYS], *[f"{k}（占比）" for k in STRUCTURE_KEYS]],
                (
                    [
                        r["township"],
                        r["total"],
                        *[r["counts"][k] for k in STRUCTURE_KEYS],
                        *[r["shares"][k] for k in STRUCTURE_KEYS],
                    ]
                    for r in table
                ),
                sheet_title="结构分析",
                title=f"村“两委”成员结构分析表（{'书记' if secretaries_only else '全体两委成员'}）",
            )
            log_export(user=request.user, what="结构分析表", filters=request.GET.dict(), rows=len(table))
            return xlsx_response(data, "村两委成员结构分析表")
        return self.render(
            {"table": table, "keys": STRUCTURE_KEYS, "form": ReportForm(user=request.user), "secretaries_only": secretaries_only}
        )


class RosterExportView(PageView):
    """一村一册 (?village=) or 一镇一库 (?township=)."""

    def get(self, request):
        village = township = None
        if request.GET.get("village"):
            village = get_scoped_or_404(request.user, Village.objects.select_related("township"), pk=request.GET["village"])
            name = f"{village.township.name}{village.name}村两委成员花名册"
        elif request.GET.get("township"):
            township = get_scoped_or_404(request.user, Township, pk=request.GET["township"])
            name = f"{township.name}村两委成员花名册"
        else:
            name = "全县村两委成员花名册"
            if request.user.is_clerk:
                township = request.user.township
                name = f"{township.name}村两委成员花名册"
        qs = roster_queryset(user=request.user, village=village, township=township)
        return export_queryset(
            user=request.user,
            queryset=roster_rows(qs.iterator(chunk_size=2000)),
            columns=_roster_columns(),
            what=name[:31],
            filters=request.GET.dict(),
            title=name,
        )
