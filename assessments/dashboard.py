"""The annual review's part of the home dashboard (cadres.dashboard): entry progress of the latest
campaign, its grade distribution and the reviews still missing data."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q

from cadres.models import Township
from core.dashboard import (
    Chart,
    DashboardContext,
    DataTable,
    Figure,
    QueueItem,
    bar_option,
    percent,
    register_dashboard_provider,
)

from .choices import RaterGroup, ReviewEntryStatus
from .models import AnnualReview, BallotTally, ReviewCampaign, ReviewResult
from .policy_section import KEY, section_for_year


def _campaign_year(ctx: DashboardContext) -> int | None:
    """The latest campaign up to this year (campaigns are county-wide)."""
    return ctx.once(
        "assessments_year",
        lambda: (
            ctx.scoped(ReviewCampaign).filter(year__lte=ctx.today.year).order_by("-year").values_list("year", flat=True).first()
        ),
    )


def _progress(ctx: DashboardContext, year: int) -> dict:
    """{reviews, entered}: a review is entered when both ballot tallies (乡镇党委、党员群众) and the
    daily score are in, as on the campaign's progress table. One aggregate query."""

    def compute():
        def ballot(group):
            return Exists(BallotTally.objects.filter(review=OuterRef("pk"), group=group))

        return (
            ctx.scoped(AnnualReview, "township_id")
            .filter(year=year)
            .order_by()
            .alias(tb=ballot(RaterGroup.TOWNSHIP), mb=ballot(RaterGroup.MEMBERS))
            .aggregate(reviews=Count("id"), entered=Count("id", filter=Q(tb=True, mb=True, daily_score__isnull=False)))
        )

    return ctx.once("assessments_progress", compute)


def _figures(user, ctx: DashboardContext) -> list[Figure]:
    year = _campaign_year(ctx)
    if year is None:
        return []
    p = _progress(ctx, year)
    share = percent(p["entered"], p["reviews"])
    return [
        Figure(
            "review_progress",
            f"{year}年度双述双评录入进度",
            share,
            "%",
            ctx.link("assessments:review_list", year),
            tone="" if share is None else "success" if share >= 100 else "warning",
            note=f"已录入 {p['entered']:,} 人 / 考核对象 {p['reviews']:,} 人（两类测评票和日常考核分均已录入）",
            icon="bi-clipboard-check",
        )
    ]


def _queues(user, ctx: DashboardContext) -> list[QueueItem]:
    year = _campaign_year(ctx)
    if year is None:
        return []
    p = _progress(ctx, year)
    return [
        QueueItem(
            "reviews_not_entered",
            f"{year}年度考核未录入完毕",
            p["reviews"] - p["entered"],
            ctx.link("assessments:review_list", year, status=ReviewEntryStatus.MISSING.value),
            "warning",
            note="测评票或日常考核分未录入；打开未录入完毕的考核对象名单",
        )
    ]


def _charts(user, ctx: DashboardContext) -> list[Chart]:
    year = _campaign_year(ctx)
    if year is None:
        return []
    counts = {
        r["grade"]: r["n"]
        for r in ctx.scoped(ReviewResult, "township_id").filter(year=year).order_by().values("grade").annotate(n=Count("id"))
    }
    # The build's policy profile when the campaign is this year's (no extra query), else that year's.
    section = ctx.policy_section(KEY) if year == ctx.today.year else section_for_year(year)
    grades = sorted(section.get("grades", []), key=lambda g: int(g.get("rank") or 0))
    codes = [g["code"] for g in grades] + [c for c in counts if c and c not in {g["code"] for g in grades}]
    labels = [g["name"] for g in grades] + codes[len(grades) :]
    links = [ctx.link("assessments:result_list", year, grade=code) for code in codes]
    if counts.get(""):
        codes.append("")
        labels.append("未定等次")
        links.append(ctx.link("assessments:result_list", year))
    values = [counts.get(code, 0) for code in codes]
    total = sum(values)
    rows = [[label, n, percent(n, total)] for label, n in zip(labels, values, strict=True)]
    rows.append(["合计", total, percent(total, total)])
    return [
        Chart(
            id="review-grades",
            title=f"{year}年度考核等次分布",
            option=bar_option(labels, [("人数", values)]),
            table=DataTable(headers=["等次", "人数", "占比（%）"], rows=rows, cell_links=[["", link, ""] for link in links]),
            links=[links],
            note="按当年考核结果（含未发布的计算结果）统计；点击条形打开该等次的考核结果名单。",
        )
    ]


register_dashboard_provider(
    "assessments",
    order=40,
    figures=_figures,
    charts=_charts,
    queues=_queues,
    depends_on=[ReviewCampaign, AnnualReview, BallotTally, ReviewResult, Township],
)
