"""Policy profile forms, generated from the sections the apps register (core.policy)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from .forms import Form
from .policy import Column, Group, Table, section_defaults, split_codes


class PolicyProfileCreateForm(Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    title = forms.CharField(label="名称", max_length=100, required=False, help_text="留空则为“XXXX年度政策配置”。")


class CodesField(forms.MultipleChoiceField):
    """Several codes ticked from a list, stored as one comma-joined string."""

    widget = forms.CheckboxSelectMultiple

    def prepare_value(self, value):
        return split_codes(value) if isinstance(value, str) else value

    def clean(self, value):
        return ",".join(super().clean(value))


def _help(col: Column) -> str:
    bounds = ""
    if col.min_value is not None and col.max_value is not None:
        bounds = f"范围 {col.min_value}–{col.max_value}{col.unit}"
    elif col.min_value is not None:
        bounds = f"不小于 {col.min_value}{col.unit}"
    elif col.max_value is not None:
        bounds = f"不大于 {col.max_value}{col.unit}"
    elif col.unit:
        bounds = f"单位：{col.unit}"
    return "；".join(t for t in (col.help_text, bounds) if t)


def column_field(col: Column, data: dict | None = None) -> forms.Field:
    common = {"label": col.label, "required": col.required, "help_text": _help(col)}
    if col.kind == "int":
        return forms.IntegerField(min_value=col.min_value, max_value=col.max_value, **common)
    if col.kind == "decimal":
        return forms.DecimalField(min_value=col.min_value, max_value=col.max_value, **common)
    if col.kind == "bool":
        return forms.BooleanField(label=col.label, required=False, help_text=col.help_text)
    if col.kind == "choice":
        return forms.ChoiceField(choices=[("", "请选择"), *col.options(data or {})], **common)
    if col.kind == "codes":
        return CodesField(choices=col.options(data or {}), **common)
    return forms.CharField(max_length=300, **common)


def _json_value(value):
    return str(value) if isinstance(value, Decimal) else value


def group_form_class(group: Group, data: dict | None = None) -> type[Form]:
    return type(f"{group.key.title()}Form", (Form,), {col.key: column_field(col, data) for col in group.fields})


class BaseTableFormSet(forms.BaseFormSet):
    unique_key = "code"

    def clean(self):
        if any(self.errors):
            return
        seen: dict = {}
        for form in self.forms:
            if not form.cleaned_data or self._should_delete_form(form):
                continue
            value = form.cleaned_data.get(self.unique_key)
            if value in (None, ""):
                continue
            if value in seen:
                form.add_error(self.unique_key, f"代码“{value}”重复，每行代码须唯一。")
                form._bootstrap()
            seen[value] = form
        if any(self.errors):
            raise ValidationError("表格中有重复的代码。")

    def rows(self) -> list[dict]:
        rows = []
        for form in self.forms:
            if not form.cleaned_data or self._should_delete_form(form):
                continue
            rows.append({k: _json_value(v) for k, v in form.cleaned_data.items() if k != "DELETE"})
        return rows


def table_formset_class(table: Table, data: dict | None = None):
    row_form = type(f"{table.key.title()}RowForm", (Form,), {col.key: column_field(col, data) for col in table.columns})
    return forms.formset_factory(row_form, formset=BaseTableFormSet, extra=2, can_delete=True)


class SectionEditor:
    """One form or formset per part of a section; ``values()`` is what the service stores."""

    def __init__(self, section, current: dict, data=None, profile_data: dict | None = None):
        """``profile_data``: the whole profile's data, where columns find their code lists."""
        self.section = section
        profile_data = profile_data or {}
        self.parts = []
        for part in section.parts:
            if isinstance(part, Table):
                formset_class = table_formset_class(part, profile_data)
                formset_class.unique_key = part.unique_key
                initial = [{col.key: row.get(col.key) for col in part.columns} for row in current.get(part.key, [])]
                self.parts.append((part, "table", formset_class(data, initial=initial, prefix=part.key)))
            else:
                form_class = group_form_class(part, profile_data)
                # fields added to a group after a profile was saved start from their defaults
                initial = {**section_defaults(section.key).get(part.key, {}), **(current.get(part.key) or {})}
                self.parts.append((part, "group", form_class(data, initial=initial, prefix=part.key)))

    def is_valid(self) -> bool:
        return all([obj.is_valid() for _, _, obj in self.parts])

    def values(self) -> dict:
        values = {}
        for part, kind, obj in self.parts:
            if kind == "table":
                values[part.key] = obj.rows()
            else:
                values[part.key] = {k: _json_value(v) for k, v in obj.cleaned_data.items()}
        return values
