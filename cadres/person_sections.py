"""Sections of the person page (一人一档) contributed by each app.

An app registers a section in its ``AppConfig.ready``::

    register_person_section(PersonSection(
        key="training", label="教育培训", order=30,
        template="training/_person_section.html",
        context=lambda *, user, person: {"rows": selectors.person_training(user=user, person=person)},
    ))

The person page renders every registered section in ``order``; ``context`` must use the app's
scoped selectors (it receives the viewing user) and a bounded number of queries. A ``deferred``
section is filled in after the page shows, by a request of its own (cadres:person_section, as
变更记录), so that the file itself does not wait for the other apps' ledgers and records; the
print and the PDF still compute every section.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.access import can
from core.scope import scoped


@dataclass(frozen=True)
class PersonSection:
    key: str
    label: str
    order: int
    template: str
    context: Callable[..., dict]
    permission: str = ""  # e.g. "subsidies.view_ledgerentry"; empty = anyone who can see the person
    deferred: bool = False  # loaded after the page shows (cadres:person_section)


PERSON_SECTIONS: dict[str, PersonSection] = {}


def register_person_section(section: PersonSection) -> None:
    PERSON_SECTIONS[section.key] = section


def _visible(section: PersonSection, user) -> bool:
    return not section.permission or can(user, section.permission)


def _entry(section: PersonSection, *, user, person, later: bool = False) -> dict:
    return {
        "key": section.key,
        "label": section.label,
        "template": section.template,
        "ctx": None if later else section.context(user=user, person=person),
        "deferred": later,
    }


def person_sections_for(*, user, person, defer: bool = False) -> list[dict]:
    """[{key, label, template, ctx, deferred}] for the sections this user may see, in order. With
    ``defer`` (the person page), a deferred section's context is not computed here: the page
    loads it afterwards from cadres:person_section."""
    return [
        _entry(section, user=user, person=person, later=defer and section.deferred)
        for section in sorted(PERSON_SECTIONS.values(), key=lambda s: s.order)
        if _visible(section, user)
    ]


def person_section(*, user, person, key: str) -> dict | None:
    """One section of the person page, computed (None: no such section, or not the user's to see)."""
    section = PERSON_SECTIONS.get(key)
    if section is None or not _visible(section, user):
        return None
    return _entry(section, user=user, person=person)


@dataclass(frozen=True)
class HistorySource:
    """One table of a person's 变更记录: the history rows of ``model`` whose ``person_field`` lookup is the
    person's id (``"person_id"``, ``"posting__person_id"`` …), narrowed by ``narrow(rows, user=…,
    person=…)`` to what the viewer may see (None: being allowed to open the person's file is
    enough). ``scoped``: the viewer sees the rows of the records in the viewer's scope (a clerk: the
    own township's), the usual narrowing. Which tables hold anything for the person is asked first,
    by person alone, in one query compiled once (core.history.nonempty_by_id); only those tables
    are narrowed and read."""

    label: str
    model: type
    person_field: str = "person_id"
    scoped: bool = False
    narrow: Callable | None = None

    def probe(self, person_id):
        return self.model.history.filter(**{self.person_field: person_id})

    def rows(self, *, user, person):
        qs = self.probe(person.pk)
        if self.scoped:
            qs = qs.filter(id__in=scoped(user, self.model).filter(**{self.person_field: person.pk}).values("id"))
        return self.narrow(qs, user=user, person=person) if self.narrow else qs


# Extra history shown in the person's 变更记录, from the other apps (the person's own tables are
# listed in cadres.selectors).
PERSON_HISTORY_SOURCES: list[HistorySource] = []


def register_person_history(label: str, model: type, **options) -> None:
    """e.g. register_person_history("后备力量", ReserveCandidate, scoped=True); ``options`` are
    HistorySource's (person_field, scoped, narrow)."""
    if all((s.label, s.model) != (label, model) for s in PERSON_HISTORY_SOURCES):
        PERSON_HISTORY_SOURCES.append(HistorySource(label, model, **options))


# 年度考核结果 on the 干部任免审批表 (PDF and .lrmx): the yearly reviews live in another app, which
# registers one source ``f(*, user, person_ids) -> {person id: [(year, grade label), …]}`` (final
# results only, read through ``user``'s scope in one query for all the people).
YEARLY_RESULT_SOURCES: list[Callable] = []


def register_yearly_results(source: Callable) -> None:
    if source not in YEARLY_RESULT_SOURCES:
        YEARLY_RESULT_SOURCES.append(source)


def yearly_results(*, user, person_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    merged: dict[int, list[tuple[int, str]]] = {}
    for source in YEARLY_RESULT_SOURCES:
        for pk, rows in source(user=user, person_ids=person_ids).items():
            merged.setdefault(pk, []).extend(rows)
    return merged
