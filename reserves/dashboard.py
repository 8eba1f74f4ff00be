"""The reserve pool's part of the home dashboard (cadres.dashboard): pool members of the current
换届 cohort against the per-village target, and coverage by township."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from cadres.models import Township, Village
from cadres.selectors import FigureValue, HeadlineFigure, register_figure
from core.dashboard import Chart, DashboardContext, DataTable, Figure, QueueItem, bar_option, register_dashboard_provider
from core.scope import scoped

from .choices import Status
from .filters import ReserveCandidateFilter
from .models import PartyStageRecord, ReserveCandidate
from .policy_section import reserve_rules
from .selectors import default_cohort, pooled_count


def _rules(ctx: DashboardContext) -> tuple[int, int]:
    """(current cohort, target per village) from the year's policy."""
    section = ctx.once("reserves_rules", lambda: reserve_rules(ctx.today.year)["eligibility"])
    return int(section["current_cohort"]), int(section["target_per_village"])


def township_coverage(user, ctx: DashboardContext) -> dict[int, dict]:
    """{township id: {villages, meeting, members}} in one GROUP BY: villages in scope (and the
    drill-down township) with their count of 入库 members of the current cohort (the same rule
    as reserves.selectors.village_coverage)."""
    cohort, target = _rules(ctx)

    def compute():
        pooled = (
            ReserveCandidate.objects.filter(village=OuterRef("pk"), cohort=cohort, status=Status.POOLED)
            .order_by()
            .values("village")
            .annotate(n=Count("id"))
            .values("n")
        )
        villages = ctx.scoped(Village, "township_id").order_by()
        rows = (
            villages.annotate(pool=Coalesce(Subquery(pooled, output_field=IntegerField()), Value(0)))
            .values("township_id")
            .annotate(villages=Count("id"), meeting=Count("id", filter=Q(pool__gte=target)))
        )
        return {r["township_id"]: {"villages": r["villages"], "meeting": r["meeting"]} for r in rows}

    return ctx.once("reserves_township_coverage", compute)


def _pooled(user, ctx: DashboardContext, **params):
    cohort, _target = _rules(ctx)
    return ctx.filtered(
        ReserveCandidateFilter,
        scoped(user, ReserveCandidate),
        "reserves:candidate_list",
        status=Status.POOLED,
        cohort=cohort,
        **params,
    )


POOLED_DEFINITION = (
    "截至统计日，县委组织部确定的本届换届届次下状态为“入库”的后备力量人数（按后备力量所在村(社区)统计）；"
    "摸底、考察、推荐中和已退出的不计入。"
)


def _pooled_figure(scope) -> FigureValue:
    cohort = default_cohort(scope.on.year)
    value = pooled_count(user=scope.user, cohort=cohort, township_id=scope.township_id)
    return FigureValue(value, label=f"{cohort}年届后备力量入库人数")


register_figure(
    HeadlineFigure(
        "reserves_pooled", "后备力量入库人数", "人", POOLED_DEFINITION, _pooled_figure, order=20, icon="bi-person-plus"
    )
)


def _figures(user, ctx: DashboardContext) -> list[Figure]:
    cohort, target = _rules(ctx)
    _qs, link = _pooled(user, ctx)
    # the headline figure's own selector (cadres.figures registry: same as 统计报表 and the API)
    members = ctx.once("reserves_pooled", lambda: pooled_count(user=user, cohort=cohort, township_id=ctx.drill_id))
    per = township_coverage(user, ctx)
    villages = sum(r["villages"] for r in per.values())
    meeting = sum(r["meeting"] for r in per.values())
    goal = villages * target
    return [
        Figure(
            "reserves_pooled",
            f"{cohort}年届后备力量入库人数",
            members,
            "人",
            link,
            tone="success" if goal and members >= goal else "warning" if goal else "",
            note=f"目标 {goal:,} 人（每村 {target} 人 × {villages:,} 个村(社区)）；达标村 {meeting:,} / {villages:,}",
            icon="bi-person-plus",
            definition=POOLED_DEFINITION,
        )
    ]


def _charts(user, ctx: DashboardContext) -> list[Chart]:
    cohort, target = _rules(ctx)
    per = township_coverage(user, ctx)
    townships = list(ctx.scoped(Township, "pk").order_by("sort_order", "code").values_list("id", "name"))
    townships = [(pk, name) for pk, name in townships if pk in per]
    if not townships:
        return []
    qs, _link = _pooled(user, ctx)
    members = {
        r["village__township_id"]: r["n"]
        for r in qs.order_by().values("village__township_id").annotate(n=Count("id")).values("village__township_id", "n")
    }
    names = [name for _pk, name in townships]
    meeting = [per[pk]["meeting"] for pk, _ in townships]
    below = [per[pk]["villages"] - per[pk]["meeting"] for pk, _ in townships]
    # Each bar and cell opens that township's coverage (villages and shortfalls), not the county's.
    coverage_links = [ctx.link("reserves:coverage", cohort=cohort, township=pk) for pk, _ in townships]
    member_links = [ctx.link("reserves:candidate_list", township=pk, status=Status.POOLED, cohort=cohort) for pk, _ in townships]
    rows = [
        [name, per[pk]["villages"], m, b, members.get(pk, 0), per[pk]["villages"] * target]
        for (pk, name), m, b in zip(townships, meeting, below, strict=True)
    ]
    rows.append(["合计", *(sum(r[i] for r in rows) for i in range(1, 6))])
    return [
        Chart(
            id="reserves-coverage",
            title=f"各乡镇(街道)后备力量覆盖情况（{cohort}年届）",
            option=bar_option(
                names, [("达标村(社区)", meeting), ("未达标村(社区)", below)], horizontal=True, stack="r", unit="个"
            ),
            table=DataTable(
                headers=["乡镇(街道)", "村(社区)数", "达标村(社区)", "未达标村(社区)", "入库人数", "目标人数"],
                rows=rows,
                cell_links=[[cov, cov, cov, cov, link, ""] for cov, link in zip(coverage_links, member_links, strict=True)],
            ),
            links=[coverage_links, coverage_links],
            note=(
                f"达标：村(社区)入库后备力量不少于 {target} 人（年度政策配置）。"
                "点击条形打开该乡镇的覆盖情况，查看各村人数与缺口。"
            ),
            height=max(320, min(28 * len(townships) + 80, 640)),
        )
    ]


def _queues(user, ctx: DashboardContext) -> list[QueueItem]:
    qs, link = ctx.filtered(ReserveCandidateFilter, scoped(user, ReserveCandidate), "reserves:candidate_list", party_due="true")
    return [
        QueueItem(key="reserves_party_due", label="后备力量入党阶段已到期可办理", count=qs.count(), link=link, severity="info")
    ]


register_dashboard_provider(
    "reserves",
    order=20,
    figures=_figures,
    charts=_charts,
    queues=_queues,
    depends_on=[ReserveCandidate, PartyStageRecord, Village, Township],
)
