"""Tags of the training pages."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.safestring import mark_safe

from training.choices import Certificate

register = template.Library()


@lru_cache(maxsize=32)
def _options(statuses: tuple, current) -> str:
    return "".join(
        f'<option value="{escape(value)}"{" selected" if value == current else ""}>{escape(text)}</option>'
        for value, text in statuses
    )


@register.simple_tag
def attendance_select(enrollment, day, mark, day_number: int, statuses) -> str:
    """One cell of the attendance grid: the day's mark selector (``m_<enrollment>_<yyyymmdd>``),
    written in Python: a page of 50 people × 5 days is 1,500 options, which the template engine
    takes ~10× longer to loop over."""
    name = f"m_{enrollment.pk}_{day:%Y%m%d}"
    label = escape(f"{enrollment.person.name} 第{day_number}天")
    options = _options(tuple((str(v), str(t)) for v, t in statuses), mark.status if mark else None)
    return mark_safe(f'<select class="form-select form-select-sm" name="{name}" aria-label="{label}">{options}</select>')


CERTIFICATE_BADGES = {Certificate.ISSUED: "text-bg-success", Certificate.WITHHELD: "text-bg-danger"}


@register.simple_tag
def roster_rows(grid, first_serial: int, can_mark: bool, statuses) -> str:
    """The rows of a session's attendance grid (``selectors.roster_grid``), written in Python: a
    page of 50 people × a week of days took the template engine two-thirds of the page. Each
    row: serial, township, village, name (to the person's page), post, a cell per day (the mark's
    selector, or the mark when the user may not mark), hours, absences, certificate, and 移出
    while the person has no mark of the first day (``roster_remove_forms`` holds its forms)."""
    out = []
    for serial, row in enumerate(grid, start=first_serial):
        e = row["enrollment"]
        cells = []
        for number, (day, _length, mark) in enumerate(row["cells"], start=1):
            if can_mark:
                cells.append(f"<td>{attendance_select(e, day, mark, number, statuses)}</td>")
            else:
                cells.append(f"<td>{escape(mark.get_status_display()) if mark else '—'}</td>")
        remove = ""
        if can_mark and not (row["cells"] and row["cells"][0][2]):
            remove = f'<button class="btn btn-link btn-sm text-danger p-0" type="submit" form="remove-{e.pk}">移出</button>'
        village = e.village.name if e.village_id else ""
        badge = CERTIFICATE_BADGES.get(e.certificate, "text-bg-secondary")
        out.append(
            f"<tr><td>{serial}</td><td>{escape(e.township.name)}</td><td>{escape(village or '—')}</td>"
            f'<td><a href="{reverse("cadres:person_detail", args=[e.person_id])}">{escape(e.person.name)}</a></td>'
            f"<td>{escape(e.post_name or '—')}</td>{''.join(cells)}"
            f"<td>{localize(e.hours_credited)}</td><td>{e.missed}</td>"
            f'<td><span class="badge {badge}">{escape(e.get_certificate_display())}</span></td><td>{remove}</td></tr>'
        )
    return mark_safe("\n".join(out))  # every value escaped above


@register.simple_tag(takes_context=True)
def roster_remove_forms(context, grid) -> str:
    """The 移出 forms of the grid's rows (outside the grid's own form, which cannot hold them)."""
    token = CsrfTokenNode().render(context)  # {% csrf_token %}'s input, written once for all the forms
    return mark_safe(
        "".join(
            f'<form id="remove-{row["enrollment"].pk}" method="post" action="'
            f'{reverse("training:enrollment_remove", args=[row["enrollment"].pk])}" data-confirm="确定移出名单？">'
            f"{token}</form>"
            for row in grid
        )
    )
