"""Yearly policy profile: the mechanism every app uses to keep its rules as data.

An app registers a *section* (key, label, scalar fields, tables) in its ``AppConfig.ready``.
County staff edit each section in the browser (core.policy_views.PolicySectionEditView); values and
their sources for the default profile come from ``fixtures/policy/<key>.json``.

Default values live in ``fixtures/policy/<section key>.json`` (one file per section, each with a
``_sources`` dict citing where every default comes from), so each app ships its own defaults.

Reading: ``policy_for_year(year).section("register")`` → dict merged over the defaults.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .conf import policy_profile_model
from .dates import today

FIXTURE_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "policy"


@dataclass(frozen=True)
class Column:
    """One column of a table, or one scalar field. kind: str | int | bool | choice | decimal | codes.

    ``codes`` is a multi-select of codes kept as one comma-joined string ("secretary,chair"); its
    options are ``choices`` or, with ``choices_from="register.posts"``, the rows (code → name) of
    another table of the same year's profile. ``unit`` (元, %, 学时 …) is shown after the value."""

    key: str
    label: str
    kind: str = "str"
    choices: tuple[tuple[str, str], ...] = ()
    required: bool = True
    min_value: int | None = None
    max_value: int | None = None
    help_text: str = ""
    unit: str = ""
    choices_from: str = ""

    def options(self, data: dict) -> list[tuple[str, str]]:
        """(code, name) choices of this column in a profile's ``data``."""
        if not self.choices_from:
            return list(self.choices)
        section, table = self.choices_from.split(".")
        rows = data.get(section, {}).get(table) or section_defaults(section).get(table, [])
        return [(str(r["code"]), str(r.get("name") or r.get("text") or r["code"])) for r in rows]

    def display(self, value, data: dict) -> str:
        """The value as the department reads it: names for codes, 是/否, units."""
        if value is None or value == "":
            return "—"
        if self.kind == "bool" or isinstance(value, bool):
            return "是" if value else "否"
        if self.kind in ("choice", "codes") or self.choices_from:
            names = dict(self.options(data))
            codes = [c.strip() for c in str(value).split(",") if c.strip()] if self.kind == "codes" else [str(value)]
            return "、".join(names.get(c, c) for c in codes) or "—"
        return f"{value}{self.unit}" if self.unit else str(value)


def split_codes(value) -> list[str]:
    return [c.strip() for c in str(value or "").split(",") if c.strip()]


@dataclass(frozen=True)
class Table:
    key: str
    label: str
    columns: tuple[Column, ...]
    unique_key: str = "code"


@dataclass(frozen=True)
class Group:
    """A group of scalar fields stored as one dict (e.g. first_secretary: {min_days_per_month})."""

    key: str
    label: str
    fields: tuple[Column, ...]


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    app_label: str
    parts: tuple[Table | Group, ...] = field(default_factory=tuple)
    # Called (after commit) with the year when county staff change this section, e.g. to
    # recompute stored figures that follow the rules: on_change="training.tasks.training_year_recompute_task".
    on_change: str = ""
    # Checks across fields and parts of the section (e.g. thresholds within the chosen scale),
    # called with the section's values before they are stored; raises ValidationError.
    validate: Callable[[dict], None] | None = None


SECTIONS: dict[str, Section] = {}


def register_section(section: Section) -> None:
    SECTIONS[section.key] = section


@cache
def _default_data() -> dict:
    data = {}
    for path in sorted(FIXTURE_DIR.glob("*.json")):
        with open(path, encoding="utf-8") as fh:
            data[path.stem] = json.load(fh)
    return data


def default_profile_data() -> dict:
    return copy.deepcopy(_default_data())


def section_defaults(key: str) -> dict:
    return copy.deepcopy(_default_data().get(key, {}))


def section_sources(key: str) -> dict:
    return section_defaults(key).get("_sources", {})


def policy_for_year(year: int | None = None):
    """The profile in force for ``year``: that year's, else the latest earlier one, else an
    unsaved profile holding the defaults. Never None."""
    year = year or today().year
    profile = policy_profile_model().objects.filter(year__lte=year).order_by("-year").first()
    if profile is None:
        profile = policy_profile_model().objects.order_by("year").first()
    if profile is None:
        profile = policy_profile_model()(year=year, title="默认政策配置", data=default_profile_data())
    return profile


def policies_for_years(years) -> dict[int, object]:
    """:func:`policy_for_year` for several years in one query: year → the profile in force."""
    years = sorted(set(years))
    if not years:
        return {}
    profiles = list(policy_profile_model().objects.filter(year__lte=years[-1]).order_by("-year"))
    out = {}
    for year in years:
        # before the first profile: the earliest one, as policy_for_year (which alone knows what
        # to answer when no profile is on or before any of the years)
        found = next((p for p in profiles if p.year <= year), profiles[-1] if profiles else None)
        out[year] = found if found is not None else policy_for_year(year)
    return out


def post_table(year: int | None = None) -> list[dict]:
    return policy_for_year(year).section("register")["posts"]


def post_choices(year: int | None = None) -> list[tuple[str, str]]:
    return [(p["code"], p["name"]) for p in sorted(post_table(year), key=lambda p: p.get("sort", 0))]


def post_info(code: str, year: int | None = None) -> dict | None:
    return next((p for p in post_table(year) if p["code"] == code), None)
