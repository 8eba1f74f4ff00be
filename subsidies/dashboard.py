"""The pay ledger's part of the home dashboard (cadres.dashboard): pay runs waiting for a step,
past periods not yet locked, and this year's ledger totals by month."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from core.access import can
from core.dashboard import Chart, DashboardContext, DataTable, Figure, QueueItem, bar_option, register_dashboard_provider
from core.scope import scoped

from .choices import PeriodKind, RunStatus
from .filters import PayRunFilter, ended_periods_q
from .models import LedgerEntry, PayPeriod, PayRun

# (status, queue label, severity) of runs waiting for someone's step.
PENDING = (
    (RunStatus.PREVIEW, "发放批次：待乡镇确认", "warning"),
    (RunStatus.PREPARED, "发放批次：待县级审批入账", "warning"),
    (RunStatus.APPROVED, "发放批次：已入账待发放", "info"),
)


def _runs(user, ctx: DashboardContext, status: str):
    def compute():
        qs, link = ctx.filtered(PayRunFilter, scoped(user, PayRun), "subsidies:run_list", status=status)
        return qs.count(), link

    return ctx.once(("subsidies_runs", status), compute)


def _figures(user, ctx: DashboardContext) -> list[Figure]:
    if not can(user, "subsidies.view_payrun"):
        return []
    n, link = _runs(user, ctx, RunStatus.PREPARED)
    return [
        Figure(
            "pay_runs_pending",
            "待县级审批的发放批次",
            n,
            "批",
            link,
            tone="warning" if n else "success",
            note="乡镇已确认预览，等待县级审批入账",
            icon="bi-cash-coin",
        )
    ]


def _queues(user, ctx: DashboardContext) -> list[QueueItem]:
    items = []
    for status, label, severity in PENDING if can(user, "subsidies.view_payrun") else ():
        n, link = _runs(user, ctx, status)
        items.append(QueueItem(f"pay_runs_{status}", label, n, link, severity))
    if user.sees_all_townships and can(user, "subsidies.view_payperiod"):
        # Periods are county-wide and locked by county staff: months before the current one and
        # years before the current one that are still open.
        today = ctx.today
        unlocked = ctx.scoped(PayPeriod).filter(locked_at__isnull=True).filter(ended_periods_q(today)).count()
        items.append(
            QueueItem(
                "periods_unlocked",
                "已过期间未锁定",
                unlocked,
                ctx.link("subsidies:period_list", locked="false", ended="true"),
                "info",
                note="期间结束后请核对台账并锁定；锁定后只能录入冲销更正",
            )
        )
    return items


def _charts(user, ctx: DashboardContext) -> list[Chart]:
    if not can(user, "subsidies.view_ledgerentry"):
        return []
    year = ctx.today.year
    sums = {
        r["period__month"]: r["total"] or Decimal("0.00")
        for r in ctx.scoped(LedgerEntry, "township_id")
        .filter(period__kind=PeriodKind.MONTH, period__year=year)
        .order_by()
        .values("period__month")
        .annotate(total=Sum("amount"))
    }
    months = list(range(1, 13))
    values = [sums.get(m, Decimal("0.00")) for m in months]
    labels = [f"{m}月" for m in months]
    links = [ctx.link("subsidies:entry_list", period=f"{year}-{m:02d}") for m in months]
    rows = [[label, v] for label, v in zip(labels, values, strict=True)]
    rows.append(["合计", sum(values, Decimal("0.00"))])
    option = bar_option(labels, [("台账金额", [float(v) for v in values])], unit="元")
    option["yAxis"].pop("minInterval", None)
    return [
        Chart(
            id="pay-months",
            title=f"{year}年各月报酬补贴台账金额",
            option=option,
            table=DataTable(headers=["月份", "金额（元）"], rows=rows, cell_links=[["", link] for link in links]),
            links=[links],
            note="按月度期间合计台账金额（含冲销更正）；年度期间的金额不计入。点击条形打开该月台账。",
        )
    ]


register_dashboard_provider(
    "subsidies",
    order=50,
    figures=_figures,
    charts=_charts,
    queues=_queues,
    depends_on=[PayRun, PayPeriod, LedgerEntry],
)
