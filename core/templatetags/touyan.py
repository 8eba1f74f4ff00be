"""Presentation helpers shared by every page: dates in one Chinese format, query strings, badges,
and the permission gate (``{% can "subsidies.approve_payrun" run as ok %}``)."""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

register = template.Library()

EMPTY = "—"


@register.filter
def cn_date(value) -> str:
    """2024-03-01 — the one date format of every table and page."""
    if not value:
        return EMPTY
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value:%Y-%m-%d}"


@register.filter
def cn_month(value) -> str:
    return f"{value.year}年{value.month}月" if value else EMPTY


@register.filter
def cn_datetime(value) -> str:
    if not value:
        return EMPTY
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{value:%Y-%m-%d %H:%M}"


@register.simple_tag(takes_context=True)
def can(context, action: str, obj=None) -> bool:
    """``{% can "app.action" obj as ok %}{% if ok %}…{% endif %}`` — the one permission gate
    (:func:`core.access.can`: permission or role, the object's scope and the action's rule)."""
    from core.access import can as _can

    user = context.get("user") or getattr(context.get("request"), "user", None)
    return _can(user, action, obj)


@register.filter(name="can")
def can_filter(user, action: str) -> bool:
    """``{% if user|can:"cadres.add_person" %}`` — the gate without an object (for ``{% if %}``
    expressions); with an object use the ``{% can %}`` tag."""
    from core.access import can as _can

    return _can(user, action)


@register.simple_tag(takes_context=True)
def query(context, **changes) -> str:
    """The current query string with some parameters replaced (None removes one)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    for position in ("page", "after", "before"):  # a page position (number or keyset cursor) never carries over
        if position not in changes:
            params.pop(position, None)
    encoded = urlencode(sorted((k, v) for k in params for v in params.getlist(k)))
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def query_param(context, name: str, value) -> str:
    """The current query string with one parameter (whose name is a variable) replaced."""
    return query(context, **{name: value})


# Badge colours of workflow states, registered by the apps that own the states (AppConfig.ready):
# register_badges("filing", {"draft": "text-bg-warning", …}); templates use ``status|badge:"filing"``
# (or the named filters below).
BADGES: dict[str, dict[str, str]] = {}


def register_badges(kind: str, classes: dict[str, str]) -> None:
    BADGES.setdefault(kind, {}).update(classes)


@register.filter
def badge(value: str, kind: str) -> str:
    return BADGES.get(kind, {}).get(value, "text-bg-light")


@register.filter
def filing_badge(status: str) -> str:
    return badge(status, "filing")


@register.filter
def vetting_badge(result: str) -> str:
    return badge(result, "vetting")


@register.filter
def posting_badge(status: str) -> str:
    return badge(status, "posting")


@register.filter
def yesno_cn(value) -> str:
    return "是" if value else "否"


@register.filter
def mask_phone(value):
    from core.masking import mask_phone as _mask

    return _mask(value or "")


@register.filter
def active_filters(form) -> int:
    """How many of a list page's filters are set (visible fields with a value in the query string):
    the count on the phone's 筛选 button, and whether the filter opens by itself there."""
    if form is None or not getattr(form, "is_bound", False):
        return 0
    data = form.data
    count = 0
    for field in form.visible_fields():
        values = data.getlist(field.html_name) if hasattr(data, "getlist") else [data.get(field.html_name)]
        count += any(v not in (None, "") for v in values)
    return count


@register.simple_tag
def select_options(choices, selected, blank_label: str = "") -> str:
    """The ``<option>`` elements of a select, written in Python: a grid of a hundred forms with a
    25-item list each costs milliseconds instead of a template loop per option. ``blank_label``
    replaces the label of the empty choice."""
    chosen = "" if selected is None else str(selected)
    parts = []
    for value, label in choices:
        text = blank_label if blank_label and value in ("", None) else label
        mark = " selected" if str(value) == chosen else ""
        parts.append(f'<option value="{conditional_escape(value)}"{mark}>{conditional_escape(text)}</option>')
    return mark_safe("".join(parts))


@register.simple_tag
def township_options(townships, selected, blank_label: str = "全部") -> str:
    """The options of a township drop-down, ``blank_label`` (any township) first: a queryset is
    read as (id, name) rows, not model instances, and written by :func:`select_options` — a
    prefecture's 360 townships looped over in the template cost a list page several ms."""
    rows = townships.values_list("pk", "name") if hasattr(townships, "values_list") else [(t.pk, t.name) for t in townships]
    return select_options([("", blank_label), *rows], selected)


@register.simple_tag
def count_table_rows(rows) -> str:
    """The body of a count table (a row per township, a cell per category, the 合计 row with its
    占比 row), written in Python: hundreds of townships × a dozen columns, five tables on a page,
    cost a template loop per cell (most of a 300 ms page at prefecture scale). Each row: ``name``,
    ``total``, ``cells``; the total row also ``is_total`` and ``shares`` (percent)."""

    def cell(value) -> str:
        if value.__class__ is int:  # most cells: what localize() writes for an int (no thousands separator)
            return str(value)
        return conditional_escape(localize(value))

    out = []
    for row in rows:
        is_total = row.get("is_total")
        cells = "".join(f"<td>{cell(n)}</td>" for n in row["cells"])
        head = f"<td>{cell(row['name'])}</td><td>{cell(row['total'])}</td>"
        out.append(f'<tr class="{"fw-bold" if is_total else ""}">{head}{cells}</tr>')
        if is_total:
            shares = "".join(f"<td>{cell(s)}%</td>" for s in row["shares"])
            out.append(f'<tr class="text-muted small"><td>占比</td><td>100%</td>{shares}</tr>')
    return mark_safe("\n".join(out))  # every value escaped above
