"""Training's part of the home dashboard (cadres.dashboard): this year's coverage of secretaries
(as on the coverage page) and hours credited by township."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from cadres.models import Appointment, Person, Township
from cadres.selectors import FigureValue, HeadlineFigure, register_figure
from core.dashboard import Chart, DashboardContext, DataTable, Figure, bar_option, percent, register_dashboard_provider

from .models import Attendance, Enrollment, TrainingSession
from .selectors import secretary_training_counts

COVERAGE_DEFINITION = (
    "截至统计日在任的村(社区)党组织书记中，当年参加县级及以上培训并取得认定学时的人数 ÷ 在任书记人数"
    "（当年不要求参加县级培训的，按培训覆盖情况页的认定办法），保留一位小数。"
)


def _coverage_figure(scope) -> FigureValue:
    year = scope.on.year
    total, trained = secretary_training_counts(user=scope.user, year=year, township_id=scope.township_id, today=scope.on)
    return FigureValue(
        percent(trained, total),
        note=f"已参训 {trained:,} 人 / 现任书记 {total:,} 人",
        label=f"{year}年书记参训率",
    )


register_figure(
    HeadlineFigure("training_coverage", "书记参训率", "%", COVERAGE_DEFINITION, _coverage_figure, order=30, icon="bi-mortarboard")
)


def _figures(user, ctx: DashboardContext) -> list[Figure]:
    # The coverage page's headline numbers (same rule, two COUNT queries; equality is tested).
    total, trained = secretary_training_counts(user=user, year=ctx.today.year, township_id=ctx.drill_id, today=ctx.today)
    share = percent(trained, total)
    return [
        Figure(
            "training_coverage",
            f"{ctx.today.year}年书记参训率",
            share,
            "%",
            ctx.link("training:coverage", year=ctx.today.year),
            tone="" if share is None else "success" if share >= 100 else "warning",
            note=f"已参训 {trained:,} 人 / 现任书记 {total:,} 人（当年参加县级及以上培训并取得学时）",
            icon="bi-mortarboard",
            definition=COVERAGE_DEFINITION,
        )
    ]


def _charts(user, ctx: DashboardContext) -> list[Chart]:
    year = ctx.today.year
    townships = list(ctx.scoped(Township, "pk").order_by("sort_order", "code").values_list("id", "name"))
    if not townships:
        return []
    hours = {
        r["township_id"]: r["hours"] or Decimal("0.0")
        for r in ctx.scoped(Enrollment, "township_id")
        .filter(session__start_date__year=year)
        .order_by()
        .values("township_id")
        .annotate(hours=Sum("hours_credited"))
    }
    values = [hours.get(pk, Decimal("0.0")) for pk, _ in townships]
    links = [ctx.link("training:coverage", year=year, township=pk) for pk, _ in townships]
    rows = [[name, value] for (_pk, name), value in zip(townships, values, strict=True)]
    rows.append(["合计", sum(values, Decimal("0.0"))])
    return [
        Chart(
            id="training-hours",
            title=f"{year}年各乡镇(街道)培训认定学时",
            option=bar_option([n for _pk, n in townships], [("认定学时", [float(v) for v in values])], unit="学时"),
            table=DataTable(headers=["乡镇(街道)", "认定学时"], rows=rows, cell_links=[["", link] for link in links]),
            links=[links],
            note="按参训人员所属乡镇合计当年开班的培训认定学时。点击条形打开该乡镇的培训覆盖情况（每人学时与应修学时）。",
        )
    ]


register_dashboard_provider(
    "training",
    order=30,
    figures=_figures,
    charts=_charts,
    depends_on=[TrainingSession, Enrollment, Attendance, Appointment, Person, Township],
)
