"""Template filters of the pay ledger."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

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


@register.simple_tag
def township_totals_rows(rows, bank_sheet_url: str, posted: bool) -> str:
    """The 按乡镇合计 rows of a pay run (``selectors.run_totals_by_township``), written in Python:
    a county run has a row per township, 360 in a prefecture, which the template engine took a
    third of the page over. Each row: township, people, amount, and, once posted, its 代发表."""
    out = []
    for t in rows:
        link = f'<a class="small" href="{escape(bank_sheet_url)}?township={int(t["township_id"])}">代发表</a>' if posted else ""
        out.append(
            f'<tr><td>{escape(t["township__name"])}</td><td class="text-end">{int(t["people"])}</td>'
            f'<td class="text-end">{escape(yuan(t["total"]))}</td><td>{link}</td></tr>'
        )
    return mark_safe("\n".join(out))  # every value escaped above
