"""Template filters of the pay ledger."""

from django import template

from subsidies.choices import RunStatus
from subsidies.rules import fmt_yuan, money

register = template.Library()

RUN_BADGES = {
    RunStatus.QUEUED: "text-bg-secondary",
    RunStatus.COMPUTING: "text-bg-info",
    RunStatus.PREVIEW: "text-bg-warning",
    RunStatus.PREPARED: "text-bg-primary",
    RunStatus.POSTING: "text-bg-info",
    RunStatus.APPROVED: "text-bg-success",
    RunStatus.PAID: "text-bg-dark",
    RunStatus.FAILED: "text-bg-danger",
    RunStatus.POST_FAILED: "text-bg-danger",
    RunStatus.CANCELLED: "text-bg-light",
}


@register.filter
def yuan(value) -> str:
    """¥4,860 / ¥2,250.05 / —."""
    if value is None or value == "":
        return "—"
    return fmt_yuan(value)


@register.filter
def money2(value) -> str:
    """4,860.00 — an amount on a printed form: two decimals, thousands separated, no ¥."""
    if value is None or value == "":
        return ""
    d = money(value)
    return f"{'−' if d < 0 else ''}{abs(d):,.2f}"


@register.filter
def run_badge(status: str) -> str:
    return RUN_BADGES.get(status, "text-bg-secondary")
