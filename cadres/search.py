"""The register's providers for the global search (core.search): people and villages.

People are found by name, by the whole ID number, or by its last 4–6 characters (what a clerk
reads off a photocopy); villages by name or statistical code. Both start from the scoped queryset
(a clerk finds only the own township) and cost one query each (two for people: their current posts
come in one prefetch). ID numbers are masked for roles that see masked data.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse

from core.masking import id_number_for
from core.scope import scoped
from core.search import SearchHit, SearchProvider, register_search_provider

from .models import Person, Village

FULL_ID = re.compile(r"^\d{17}[\dX]$")
ID_TAIL = re.compile(r"^\d{3,5}[\dX]$")  # the last 4–6 characters
ID_PREFIX = re.compile(r"^\d{7,17}$")
CODE_PREFIX = re.compile(r"^\d{6,12}$")


def person_lookup(query: str) -> Q:
    text = query.strip().upper()
    if FULL_ID.match(text):
        return Q(id_number=text)
    if ID_TAIL.match(text):
        return Q(id_number__endswith=text)
    if ID_PREFIX.match(text):
        return Q(id_number__startswith=text)
    return Q(name__icontains=query.strip())


def person_search(*, user, query: str, limit: int) -> list[SearchHit]:
    people = scoped(user, Person).with_related().filter(person_lookup(query)).order_by("name", "id")[:limit]
    hits = []
    for person in people:
        posts = "、".join(f"{a.village.name}{a.post_name}" for a in person.current_appointments)
        detail = " · ".join(part for part in (id_number_for(user, person.id_number), posts or "无现任职务") if part)
        hits.append(SearchHit(title=person.name, url=reverse("cadres:person_detail", args=[person.pk]), detail=detail))
    return hits


def village_search(*, user, query: str, limit: int) -> list[SearchHit]:
    text = query.strip()
    cond = Q(code__startswith=text) if CODE_PREFIX.match(text) else Q(name__icontains=text)
    villages = scoped(user, Village).select_related("township").filter(cond).order_by("township__sort_order", "code")[:limit]
    return [
        SearchHit(
            title=v.name,
            url=reverse("cadres:village_detail", args=[v.pk]),
            detail=f"{v.township.name} · {v.get_kind_display()} · {v.code}",
        )
        for v in villages
    ]


def _list_url(name: str, query: str) -> str:
    return f"{reverse(name)}?{urlencode({'q': query})}"


def register() -> None:
    register_search_provider(
        SearchProvider(
            key="person",
            label="人员",
            order=10,
            search=person_search,
            more_url=lambda q: _list_url("cadres:person_list", q) if not ID_TAIL.match(q.upper()) else "",
        )
    )
    register_search_provider(
        SearchProvider(
            key="village",
            label="村(社区)",
            order=20,
            search=village_search,
            more_url=lambda q: _list_url("cadres:village_list", q),
        )
    )
