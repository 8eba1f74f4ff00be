"""Filters shared by every app's FilterSets and query forms: bounded numbers with Chinese errors
(years, ids), 全部 as the "any" option, the township choice limited to the user's scope, and the
village choice narrowed by the chosen township (:class:`VillageSelect`,
:class:`TownshipVillageFilterSet`)."""

from __future__ import annotations

from types import SimpleNamespace

import django_filters as df
from django import forms
from django.db import models

from .conf import township_model, village_model
from .forms import NamedRowsIterator
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


class _TownshipChoiceField(df.fields.ModelChoiceField):
    iterator = NamedRowsIterator


class TownshipScopedChoiceFilter(df.ModelChoiceFilter):
    """A township filter whose options are limited to the user's scope (read as plain rows)."""

    field_class = _TownshipChoiceField

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


# ---------------------------------------------------------------------------------------------
# 村(社区) narrowed by 乡镇(街道)
# ---------------------------------------------------------------------------------------------


def village_label(village) -> str:
    """A village with its township, so equal names stay apart: 华润社区（城关街道）."""
    return f"{village.name}（{village.township.name}）"


def scoped_villages(user):
    """The villages ``user`` may choose (core.scope), in the register's order, one query."""
    return (
        scoped(user, village_model())
        .select_related("township")
        .only("id", "name", "code", "township__id", "township__name", "township__sort_order", "township__code")
        .order_by("township__sort_order", "township__code", "code")
    )


# Up to this many villages in the user's scope, a 村(社区) drop-down carries them all (a county has
# 200–500); beyond it (a prefecture's thousands: half a megabyte of options on every list page),
# it carries the chosen township's villages only and asks for the others when the township changes.
VILLAGE_OPTIONS_LIMIT = 800
CHOOSE_TOWNSHIP_FIRST = "请先选择乡镇(街道)"


class _VillageRow:
    """A village as an option needs it (id, name, township's id and name), read without building a
    model instance; ``village_label`` reads it as it reads a village."""

    __slots__ = ("name", "pk", "township", "township_id")

    def __init__(self, pk, name, township_id, township_name):
        self.pk, self.name, self.township_id = pk, name, township_id
        self.township = SimpleNamespace(pk=township_id, name=township_name)

    @classmethod
    def read(cls, queryset, limit: int | None = None) -> list[_VillageRow]:
        rows = queryset.values_list("pk", "name", "township_id", "township__name")
        return [cls(*row) for row in (rows[:limit] if limit is not None else rows)]


class VillageSelect(forms.Select):
    """A 村(社区) drop-down whose options carry their township (``data-township``, and the plain
    name in ``data-name``): static/js/villages.js narrows it to the township chosen in the same
    form's ``township`` select and then shows plain names; without a township (or without
    JavaScript) every option reads 名称（乡镇）.

    With more than ``limit`` villages in scope, only the chosen township's villages (and the
    chosen village) are rendered, and the select names the address of the others
    (``data-options-url``, core.views.VillageOptionsView): the script fetches a township's
    villages when it is chosen."""

    def __init__(self, villages=(), *, empty_label: str = ANY, attrs=None, township=None, limit: int | None = None):
        attrs = {"data-village-select": "", **(attrs or {})}
        super().__init__(attrs)
        self.source, self.empty_label, self.villages = villages, empty_label, None
        self.township, self.limit = township, VILLAGE_OPTIONS_LIMIT if limit is None else limit

    def _read(self, value) -> None:
        """The options (one query; two when the scope is too large for all of them). A queryset
        is read as plain rows (id, name, township), not model instances: deciding that a
        prefecture's 5,000 villages are too many reads 801 of them on every list page."""
        queryset = hasattr(self.source, "filter")
        rows = _VillageRow.read(self.source, self.limit + 1) if queryset else list(self.source)
        if len(rows) > self.limit:
            from django.urls import reverse

            township = positive_id(self.township)
            chosen = positive_id(getattr(value, "value", value))
            wanted = models.Q(township_id=township) | models.Q(pk=chosen)
            rows = _VillageRow.read(self.source.filter(wanted)) if township or chosen else []
            self.attrs["data-options-url"] = reverse("core:village_options")
            if not township and self.empty_label == ANY:
                self.empty_label = CHOOSE_TOWNSHIP_FIRST
        self.villages = {v.pk: v for v in rows}
        self.choices = [("", self.empty_label), *((v.pk, village_label(v)) for v in self.villages.values())]

    def get_context(self, name, value, attrs):
        if self.villages is None:  # read when rendered, not when the form is built
            self._read(value[0] if isinstance(value, list | tuple) and value else value)
        return super().get_context(name, value, attrs)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        village = self.villages.get(getattr(value, "value", value))
        if village is not None:
            option["attrs"].update({"data-township": str(village.township_id), "data-name": village.name})
        return option


def positive_id(value) -> int:
    """An id from a query parameter, a form value or an object (its pk); 0 when blank, not a
    whole number, or outside 1 … MAX_ID."""
    try:
        number = int(getattr(value, "pk", value) or 0)
    except (TypeError, ValueError):
        return 0
    return number if 0 < number <= MAX_ID else 0


def village_mismatch(user, township, village_id) -> str:
    """The message when the chosen village is not in the chosen township ("" when it is, when
    either is blank, or when the village is outside the user's scope: that is a missing row)."""
    township_id, village_id = positive_id(township), positive_id(village_id)
    if not (township_id and village_id):  # blank, or not an id: the field's own check answers that
        return ""
    village = scoped(user, village_model()).select_related("township").filter(pk=village_id).first()
    if village is None or village.township_id == township_id:
        return ""
    chosen = township if hasattr(township, "name") else scoped(user, township_model()).filter(pk=township_id).first()
    where = f"“{chosen.name}”" if chosen is not None else "所选乡镇(街道)"
    return f"村(社区)“{village.name}”属于{village.township.name}，不在{where}内：请重新选择村(社区)，或把乡镇(街道)改为“全部”。"


class _VillageInTownshipForm(forms.Form):
    scope_user = None

    def clean(self):
        data = super().clean()
        message = village_mismatch(self.scope_user, data.get("township"), data.get("village"))
        if message:
            self.add_error("village", message)
        return data


class TownshipVillageFilterSet(df.FilterSet):
    """A FilterSet with a ``township`` and a ``village`` filter: a village outside the chosen
    township is a field error naming both (the HTML list shows it above the results, the API
    answers 400), never a silently empty list. The HTML filter form offers the villages of the
    user's scope in a :class:`VillageSelect` (see :func:`narrow_village_field`)."""

    def get_form_class(self):
        base = super().get_form_class()
        return type(base.__name__, (_VillageInTownshipForm, base), {})

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            form.scope_user = getattr(self.request, "user", None)
        return self._form


def narrow_village_field(form: forms.Form, user) -> None:
    """On an HTML form with a ``township`` and a visible ``village`` field, offer the user's
    villages as a :class:`VillageSelect` (one query)."""
    field = form.fields.get("village")
    if field is None or "township" not in form.fields or field.widget.is_hidden:
        return
    township = form.data.get("township") if form.is_bound else form.initial.get("township")
    field.widget = VillageSelect(scoped_villages(user), township=township)
