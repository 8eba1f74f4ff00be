"""Filters shared by every app's FilterSets and query forms: bounded numbers with Chinese errors
(years, ids), 全部 as the "any" option, the township choice limited to the user's scope."""

from __future__ import annotations

import django_filters as df
from django import forms

from .conf import township_model
from .scope import scoped

ANY = "全部"
# Bounds of query parameters: a year (年度, 换届届次) and a database id (bigint).
YEAR_MIN, YEAR_MAX = 2000, 2100
MAX_ID = 2**63 - 1


def bounded_integer_messages(label: str) -> dict[str, str]:
    return {
        "invalid": f"“{label}”须为整数。",
        "min_value": f"“{label}”不能小于%(limit_value)s。",
        "max_value": f"“{label}”不能大于%(limit_value)s。",
        "required": f"请提供“{label}”。",
    }


def bounded_integer_field(label: str, min_value: int, max_value: int, *, required: bool = False) -> forms.IntegerField:
    """A form field for a whole-number query parameter (``?cohort=``, ``?township=``) of a page or
    an API view that has no FilterSet: the same Chinese errors as BoundedIntegerFilter."""
    return forms.IntegerField(
        label=label,
        min_value=min_value,
        max_value=max_value,
        required=required,
        error_messages=bounded_integer_messages(label),
    )


def query_errors(form: forms.Form) -> dict[str, list[str]]:
    """A query form's errors keyed by parameter (the body of the API's 400)."""
    return {field: [str(message) for message in messages] for field, messages in form.errors.items()}


class BoundedIntegerFilter(df.NumberFilter):
    """A whole number within [min_value, max_value]; anything else is a field-keyed Chinese
    error (400 in the API, a message on the HTML filter form) instead of a date overflow."""

    field_class = forms.IntegerField

    def __init__(self, *args, min_value: int = 0, max_value: int, **kwargs):
        kwargs["error_messages"] = bounded_integer_messages(kwargs.get("label", ""))
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)


class YearFilter(BoundedIntegerFilter):
    """A year within [YEAR_MIN, YEAR_MAX] (``?year=0`` or ``?year=2.3e16`` → “年度”不能小于2000。)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=YEAR_MIN, max_value=YEAR_MAX, **kwargs)


class IdFilter(BoundedIntegerFilter):
    """An object id: a positive whole number that fits the database's bigint."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


class TownshipScopedChoiceFilter(df.ModelChoiceFilter):
    """A township filter whose options are limited to the user's scope."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", ANY)
        super().__init__(*args, **kwargs)

    def get_queryset(self, request):
        return scoped(getattr(request, "user", None), township_model())


class AnyChoiceFilter(df.ChoiceFilter):
    """A choice filter whose "any value" option reads 全部."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", ANY)
        super().__init__(*args, **kwargs)


class AnyBooleanWidget(forms.NullBooleanSelect):
    """全部 / 是 / 否 (Django's default reads 未知 for "any"); submits ``true``/``false`` like the API."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", ANY), ("true", "是"), ("false", "否")]

    def format_value(self, value):
        formatted = super().format_value(value)
        return "" if formatted == "unknown" else formatted


class AnyBooleanFilter(df.BooleanFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", AnyBooleanWidget)
        super().__init__(*args, **kwargs)
