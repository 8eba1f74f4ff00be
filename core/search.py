"""全局搜索 (the search box in the navigation bar): a registry of providers, one per kind of result.

The frame knows no domain model. Each app registers providers in its ``AppConfig.ready``::

    register_search_provider(SearchProvider(key="person", label="人员", order=10, search=person_search))

``search(user=…, query=…, limit=…)`` returns at most ``limit`` :class:`SearchHit` within the user's
data scope (core.scope), with personal data masked for roles that see masked data
(core.masking). Each provider answers with a bounded number of queries (one, ideally).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

MIN_QUERY_LENGTH = 1
MAX_QUERY_LENGTH = 50
DEFAULT_LIMIT = 8


@dataclass(frozen=True)
class SearchHit:
    title: str  # 张三
    url: str
    detail: str = ""  # 430122********1234 · 甲镇甲一村 党组织书记


@dataclass(frozen=True)
class SearchProvider:
    key: str
    label: str  # the group's heading: 人员, 村(社区)
    search: Callable[..., list[SearchHit]]
    order: int = 100
    more_url: Callable[[str], str] | None = None  # the full list filtered by the query, if it has one


@dataclass(frozen=True)
class SearchGroup:
    key: str
    label: str
    hits: list[SearchHit]
    more_url: str = ""  # the full list, filtered


PROVIDERS: dict[str, SearchProvider] = {}


def register_search_provider(provider: SearchProvider) -> None:
    PROVIDERS[provider.key] = provider


def normalise_query(text: str) -> str:
    return " ".join((text or "").split())[:MAX_QUERY_LENGTH]


def search_all(*, user, query: str, limit: int = DEFAULT_LIMIT) -> list[SearchGroup]:
    """Every provider's hits for ``query`` (empty groups left out), in the providers' order."""
    query = normalise_query(query)
    if len(query) < MIN_QUERY_LENGTH or not (user and user.is_authenticated):
        return []
    groups = []
    for provider in sorted(PROVIDERS.values(), key=lambda p: (p.order, p.key)):
        hits = provider.search(user=user, query=query, limit=limit)
        if hits:
            more = provider.more_url(query) if provider.more_url and len(hits) >= limit else ""
            groups.append(SearchGroup(key=provider.key, label=provider.label, hits=list(hits)[:limit], more_url=more))
    return groups
