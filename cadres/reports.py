"""Standard reports: 村“两委”成员花名册 per village (一村一册) and per township (一镇一库), and the
structure table per township (counts and shares by sex, age band, education, party, 一肩挑,
交叉任职, returned graduates, veterans). All start from the scoping function."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

from django import forms as djforms
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.safestring import mark_safe

from core import dates as core_dates
from core.cache import cached_per_scope
from core.dashboard import format_number
from core.exports import ExportColumn as C
from core.exports import export_queryset, log_export, xlsx_response
from core.filters import VillageSelect, scoped_villages, village_mismatch
from core.forms import escape
from core.imports.workbooks import write_xlsx
from core.policy import policy_for_year
from core.scope import get_scoped_or_404, scoped
from core.views import PageView

from . import choices, figures
from .models import Appointment, Township, Village


def _share(n: int, total: int) -> str:
    value = figures.percent(n, total)
    return "—" if value is None else f"{value}%"


# Columns of the structure table: (key, header). Age bands and education groups are the ones of
# the home page's charts (cadres.figures), so the two pages can never disagree.
STRUCTURE_COLUMNS: list[tuple[str, str]] = [
    ("female", "女性"),
    *[(f"age{i}", label) for i, (label, _lo, _hi) in enumerate(figures.AGE_BANDS)],
    *[(f"edu:{value}", f"学历：{label}") for value, label in figures.EDUCATION_GROUPS],
    ("party", "中共党员"),
    ("one_shoulder", "一肩挑"),
    ("cross", "交叉任职"),
    ("graduate", "返乡大学生"),
    ("veteran", "退役军人"),
]
STRUCTURE_KEYS = [header for _key, header in STRUCTURE_COLUMNS]
STRUCTURE_NOTES = (
    "人数：截至统计日在任的村“两委”成员（只看书记时为村党组织书记），一人多职计一人；"
    "在两个乡镇(街道)任职的，在各乡镇各计一次，全县合计只计一次。"
    + figures.STRUCTURE_DEFINITIONS["age"]
    + figures.STRUCTURE_DEFINITIONS["education"]
    + "一肩挑的占比以现任书记人数为分母；其余占比以本行人数为分母。"
    "交叉任职：同时在村党组织和村民委员会任职。"
)


def _row(label: str, rows: list[dict], flag: str) -> dict:
    group = [r for r in rows if r[flag]]
    n = figures.count(group)
    n_sec = figures.count(rows, sec=True)
    ages, edus = figures.tally(group)
    counts = {
        "female": figures.count(group, female=True),
        **{f"age{i}": n_i for i, n_i in enumerate(ages)},
        **{f"edu:{value}": edus.get(value, 0) for value, _label in figures.EDUCATION_GROUPS},
        "party": figures.count(group, party=True),
        "one_shoulder": figures.count(group, sec=True, chair=True),
        "cross": figures.count(group, party_body=True, committee_body=True),
        "graduate": figures.count(group, graduate=True),
        "veteran": figures.count(group, veteran=True),
    }
    shares = {k: _share(v, n_sec if k == "one_shoulder" else n) for k, v in counts.items()}
    return {
        "township": label,
        "total": n,
        "cells": [(counts[k], shares[k]) for k, _h in STRUCTURE_COLUMNS],
        "counts": {h: counts[k] for k, h in STRUCTURE_COLUMNS},
        "shares": {h: shares[k] for k, h in STRUCTURE_COLUMNS},
    }


def structure_table(
    *, user, on: datetime.date | None = None, secretaries_only: bool = False, memo: dict | None = None
) -> list[dict]:
    """One row per township in scope plus the total, from the same holders as the headline
    figures (cadres.figures.holder_rows): two GROUP BY queries whatever the number of people
    (``memo`` shares the total's query and the policy with the headline figures)."""
    scope = figures.FigureScope(user=user, on=on or core_dates.today(), memo={} if memo is None else memo)
    flag = "sec" if secretaries_only else "member"
    per_township = figures.structure_by_township(scope)
    townships = list(scoped(user, Township).order_by("sort_order", "code").values_list("id", "name"))
    rows_of: dict[int, list[dict]] = {}
    for r in per_township:
        rows_of.setdefault(r["tw"], []).append(r)
    result = [_row(name, rows_of.get(pk, []), flag) for pk, name in townships]
    result.append(_row("合计", figures.holder_rows(scope), flag))
    return result


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


def roster_queryset(*, user, village: Village | None = None, township: Township | None = None, on=None):
    """Appointments current on ``on`` (default today) in scope, ordered so that one person's
    posts in a village are adjacent."""
    qs = scoped(user, Appointment).current(on).select_related("person", "village__township")
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
    """The roster export's choice of township or village (rendered only; the export view reads
    ``?township=`` / ``?village=`` itself). The townships come from one value query; the villages
    carry their township, so choosing a township narrows them in the browser (VillageSelect)."""

    township = djforms.ChoiceField(label="乡镇(街道)", choices=(), required=False)
    village = djforms.ModelChoiceField(label="村(社区)", queryset=Village.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        townships = scoped(user, Township).order_by("sort_order", "code").values_list("pk", "name")
        self.fields["township"].choices = [("", "全部"), *townships]
        villages = scoped_villages(user)
        self.fields["village"].queryset = villages
        chosen = self.data.get("township") if self.is_bound else None
        self.fields["village"].widget = VillageSelect(villages, empty_label="全部", township=chosen)  # narrowed by the township
        for f in self.fields.values():
            f.widget.attrs["class"] = "form-select"


class StatDateForm(djforms.Form):
    """统计日 of the report (default today)."""

    on = djforms.DateField(
        label="统计日",
        required=False,
        widget=djforms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d"),
        error_messages={"invalid": "“统计日”应为日期，如 2025-12-31。"},
    )
    who = djforms.CharField(required=False, widget=djforms.HiddenInput)

    def clean_on(self):
        on = self.cleaned_data.get("on")
        if on is not None and not (datetime.date(1990, 1, 1) <= on <= core_dates.today()):
            raise djforms.ValidationError("“统计日”应在1990年1月1日至今天之间。")
        return on


def _cell(value):
    """A figure in a spreadsheet cell: numbers stay numbers (87.5, not "87.5"); none is "—"."""
    if value is None:
        return "—"
    return float(value) if isinstance(value, Decimal) else value


def headline_rows(*, user, on: datetime.date, memo: dict | None = None) -> list[dict]:
    """The headline figures (cadres.figures: the home page's and the API's values and 口径)."""
    return [
        {
            "key": spec.key,
            "label": value.label or spec.label,
            "value": value.value,
            "display": format_number(value.value),
            "unit": spec.unit,
            "note": value.note,
            "definition": spec.definition,
        }
        for spec, value in figures.figure_values(user=user, on=on, memo=memo)
    ]


REPORT_CACHE_SECONDS = 6 * 3600


def cached_figures(*, user, parts: tuple, compute):
    """``compute()`` cached per scope (role, township, all-townships and superuser flags), ``parts``
    (statistics day, drill-down, group…) and data version: the holders of a prefecture are two
    aggregates over ~100,000 posts (~0.5–1 s), and figures are read far more often than the
    register changes. The version is the home page's (core.dashboard.version_token over every
    provider's tables): any write that could move a figure moves it, so no page and no API answer
    shows figures older than the data. 统计报表 and the figures API read through it."""
    from core.dashboard import PROVIDERS, version_token

    return cached_per_scope(
        "cadres:figures",
        user=user,
        parts=(*parts, version_token(PROVIDERS.values())),
        compute=compute,
        seconds=REPORT_CACHE_SECONDS,
    )


def report_figures(*, user, on: datetime.date, secretaries_only: bool) -> tuple[list[dict], list[dict]]:
    """(structure table, headline rows) of 统计报表, cached (cached_figures) per scope, statistics
    day, group and data version."""

    def compute():
        memo: dict = {}
        table = structure_table(user=user, on=on, secretaries_only=secretaries_only, memo=memo)
        return table, headline_rows(user=user, on=on, memo=memo)

    return cached_figures(user=user, parts=("report", on.isoformat(), int(secretaries_only)), compute=compute)


def structure_body_html(table: list[dict]) -> str:
    """The structure table's <tbody> rows, built here rather than in the template (a prefecture's
    360 townships × 16 columns; template loops cost ~10× more per cell). The last row is the total."""
    rows = []
    for i, r in enumerate(table):
        css = "fw-bold table-light" if i == len(table) - 1 else ""
        cells = "".join(f'<td>{n} <span class="text-muted">({escape(share)})</span></td>' for n, share in r["cells"])
        rows.append(f'<tr class="{css}"><th scope="row">{escape(r["township"])}</th><td>{r["total"]}</td>{cells}\n  </tr>')
    return mark_safe("".join(rows))


class ReportsView(PageView):
    template_name = "cadres/reports.html"
    title = "统计报表"

    def get(self, request):
        secretaries_only = request.GET.get("who") == "secretaries"
        date_form = StatDateForm(request.GET or None)
        on = (date_form.cleaned_data.get("on") if date_form.is_valid() else None) or core_dates.today()
        export = request.GET.get("export")
        if export == "figures":
            rows = headline_rows(user=request.user, on=on)
            data = write_xlsx(
                ["指标", "数值", "单位", "说明", "统计口径"],
                ([r["label"], _cell(r["value"]), r["unit"], r["note"], r["definition"]] for r in rows),
                sheet_title="主要指标",
                title=f"村干部队伍主要指标（统计日：{on:%Y年%m月%d日}）",
                widths=[28, 10, 6, 30, 80],
            )
            log_export(user=request.user, what="主要指标", filters=request.GET.dict(), rows=len(rows))
            return xlsx_response(data, "村干部队伍主要指标")
        if export == "structure":
            table = structure_table(user=request.user, on=on, secretaries_only=secretaries_only)
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
                title=f"村“两委”成员结构分析表（{'书记' if secretaries_only else '全体两委成员'}，统计日：{on:%Y年%m月%d日}）",
            )
            log_export(user=request.user, what="结构分析表", filters=request.GET.dict(), rows=len(table))
            return xlsx_response(data, "村两委成员结构分析表")
        table, headline = report_figures(user=request.user, on=on, secretaries_only=secretaries_only)
        return self.render(
            {
                "table": table,
                "keys": STRUCTURE_KEYS,
                "structure_notes": STRUCTURE_NOTES,
                "headline": headline,
                "table_body": structure_body_html(table),
                "on": on,
                "date_form": date_form if date_form.is_bound else StatDateForm(initial={"on": on}),
                "form": ReportForm(user=request.user),
                "secretaries_only": secretaries_only,
            }
        )


class RosterExportView(PageView):
    """一村一册 (?village=) or 一镇一库 (?township=)."""

    def get(self, request):
        village = township = None
        mismatch = village_mismatch(request.user, request.GET.get("township"), request.GET.get("village"))
        if mismatch:
            messages.error(request, f"未导出花名册：{mismatch}")
            return redirect("cadres:reports")
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
