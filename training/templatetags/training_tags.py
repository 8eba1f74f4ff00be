"""Tags of the training pages."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

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
