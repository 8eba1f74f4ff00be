"""Tags of the cadre pages."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from core.templatetags.touyan import select_options, vetting_badge

from ..forms import GridVerdictForm

register = template.Library()

RESULT_CHOICES = tuple(GridVerdictForm.base_fields["result"].choices)
NEGATIVE_BLANK = "负面清单情形（不通过时必选）"
NO_POST = '<span class="text-muted">—</span>'


@register.simple_tag
def person_rows(rows) -> str:
    """The rows of 人员名册 (``cadres.selectors.person_list``, current posts prefetched as
    ``current_appointments``), written in Python: the register's most used list spent a fifth of
    its time looping over 50 rows in the template. Each row: name (to the file), sex, age,
    ethnicity, political status, highest education, the masked ID number, the current posts."""
    out = []
    for p in rows:
        posts = "".join(
            f'<div class="small">{conditional_escape(a.village.township.name)}{conditional_escape(a.village.name)}'
            f" {conditional_escape(a.post_name)}</div>"
            for a in p.current_appointments
        )
        out.append(
            f'<tr><td><a href="{reverse("cadres:person_detail", args=[p.pk])}">{conditional_escape(p.name)}</a></td>'
            f"<td>{conditional_escape(p.get_sex_display())}</td><td>{p.age}</td><td>{conditional_escape(p.ethnicity)}</td>"
            f"<td>{conditional_escape(p.get_political_status_display())}</td>"
            f"<td>{conditional_escape(p.get_highest_education_display() or '—')}</td>"
            f'<td class="nowrap font-monospace small">{conditional_escape(p.masked_id_number)}</td>'
            f"<td>{posts or NO_POST}</td></tr>"
        )
    return mark_safe("\n".join(out))  # every value escaped above


@lru_cache(maxsize=64)
def _options(choices: tuple, selected: str, blank_label: str = "") -> str:
    return select_options(choices, selected, blank_label)


@register.simple_tag
def verdict_cells(review) -> str:
    """The cells of one candidate's row in the 联审 grid (``review.cells``: a department's verdict or
    ``None`` per column), written in Python: ten candidates × a dozen departments, each cell two
    selects and two inputs, took the template engine three-quarters of the page.

    A verdict still waiting carries ``negative_choices`` (its year's negative list) and ``form``: the
    bound form after a refused submit (its values and errors are shown), else ``None`` (empty)."""
    who = review.person.name
    return mark_safe("".join(_cell(who, v) for v in review.cells))  # every value escaped in _cell


def _cell(who: str, v) -> str:
    if v is None:
        return '<td class="grid-cell"><span class="text-muted small">—</span></td>'
    if not hasattr(v, "negative_choices"):  # answered: the department's verdict as it stands
        parts = [f'<span class="badge {vetting_badge(v.result)}">{conditional_escape(v.get_result_display())}</span>']
        if v.negative_item_text:
            parts.append(f'<div class="small">{conditional_escape(v.negative_item_text)}</div>')
        if v.warning_text:
            parts.append(f'<div class="small text-warning-emphasis">关注：{conditional_escape(v.warning_text)}</div>')
        return f'<td class="grid-cell">{"".join(parts)}</td>'
    form = v.form
    prefix = f"v{v.pk}"
    errors = form.errors if form is not None else {}
    label = conditional_escape(f"{who} {v.department_name}")

    def value(name: str) -> str:
        return "" if form is None else (form.data.get(f"{prefix}-{name}") or "")

    def after(name: str) -> str:  # the field's errors, under it
        return "".join(f'<div class="invalid-feedback d-block">{conditional_escape(e)}</div>' for e in errors.get(name, ()))

    def select(name: str, caption: str, choices: tuple, blank: str = "") -> str:
        invalid = " is-invalid" if name in errors else ""
        title = f' title="{blank}"' if blank else ""
        return (
            f'<label class="visually-hidden" for="id_{prefix}-{name}">{label} {caption}</label>'
            f'<select name="{prefix}-{name}" id="id_{prefix}-{name}" class="form-select form-select-sm mb-1{invalid}"{title}>'
            f"{_options(choices, value(name), blank)}</select>{after(name)}"
        )

    def text(name: str, caption: str, maxlength: int, css: str) -> str:
        return (
            f'<input type="text" name="{prefix}-{name}" id="id_{prefix}-{name}" value="{conditional_escape(value(name))}"'
            f' maxlength="{maxlength}" class="{css}" placeholder="{caption}" aria-label="{label} {caption}">{after(name)}'
        )

    top = "".join(f'<div class="text-danger small">{conditional_escape(e)}</div>' for e in errors.get("__all__", ()))
    return (
        f'<td class="grid-cell{" table-danger" if errors else ""}"><input type="hidden" name="cells" value="{v.pk}">{top}'
        + select("result", "审查结果", RESULT_CHOICES)
        + select("negative_item_code", "负面清单情形", v.negative_choices, NEGATIVE_BLANK)
        + text("warning_text", "关注提示", 200, "form-control form-control-sm mb-1")
        + text("note", "审查意见", 300, "form-control form-control-sm")
        + "</td>"
    )
