"""The home page dashboard (首页): key figures, charts and work queues ("待办") from every app.

Each app contributes through one registry, the same way it adds a section to the person page
(cadres.person_sections)::

    # reserves/apps.py  →  ReservesConfig.ready()
    from core.dashboard import Figure, QueueItem, register_dashboard_provider

    def _figures(user, ctx):
        # ctx.filtered() = scoped(user, …) + the county user's ?township=<id> drill-down + the
        # app's own FilterSet, so the figure equals the list its link opens, by construction.
        qs, link = ctx.filtered(CandidateFilter, scoped(user, ReserveCandidate), "reserves:candidate_list", status="active")
        return [Figure(key="reserves", label="后备力量", value=qs.count(), unit="人", link=link)]

    def _queues(user, ctx):
        qs, link = ctx.filtered(CandidateFilter, scoped(user, ReserveCandidate), "reserves:candidate_list", stage_due="true")
        return [QueueItem(key="reserve_stage_due", label="入党阶段到期的后备力量", count=qs.count(), link=link)]

    register_dashboard_provider(
        "reserves", order=20, figures=_figures, queues=_queues, charts=None,
        depends_on=[ReserveCandidate, ReserveStage],  # models whose changes invalidate the cache
    )

* ``figures(user, ctx) -> list[Figure]``: label, value (int/Decimal), unit, link (URL of the
  filtered list behind the number), tone ("" | "success" | "warning" | "danger"), note, and
  ``definition`` (统计口径, shown beside the figure; headline figures take value and 口径 from
  cadres.figures, shared with 统计报表 and the API).
* ``charts(user, ctx) -> list[Chart]``: id, title, ECharts ``option`` dict (JSON only: no JS
  functions), the chart's data ``table`` (headers + rows, shown in a <details> and exported to
  .xlsx at ``core:dashboard_chart_export``) and ``links[series][dataIndex]`` — the URL a click
  on that bar/slice opens (static/js/dashboard.js). Use :func:`bar_option` for the usual bar chart.
* ``queues(user, ctx) -> list[QueueItem]``: label, count, link, severity ("danger" | "warning" |
  "info"), ``mine`` (waits for the viewer's own step), a few ``examples`` (QueueExample: text,
  link, badge) shown under the item. Open items come first, danger before warning before info.
* ``ctx``: ``user``, ``today``, ``drill`` (township_model() or None), ``scoped(model)``,
  ``filtered(FilterSet, qs, url_name, **params) -> (qs, link)``, ``link(url_name, **params)``,
  ``policy_section(key)``, and ``once(key, compute)`` to share a result between a provider's
  figures, charts and queues within one build.

The register's own provider (cadres.dashboard) shows villages/communities, current
secretaries, the 一肩挑 share, 两委 members, first secretaries in post and vacancies; 待办 for
filings, joint reviews, vacancies, first-secretary terms ending within the policy's warning days
and imports with errors; and age/education structure charts of secretaries and of 两委 members
compared with the previous 换届 (see :class:`CohortSnapshot` for the exact definition), plus
per-township staffing for county staff (its table rows open the township's drill-down).

Every read starts from ``core.scope.scoped`` (``ctx.scoped`` / ``ctx.filtered`` add the
drill-down). A provider must aggregate in the database (``Count``/``Case``/``values().annotate``),
never count per row, and depend only on the viewer's *scope* (role + township), not on the person:
results are cached per scope.

Caching and invalidation
------------------------
Results of each cacheable provider (the default) are stored in Django's cache on their own, under
``(role, own township, superuser flag, drill-down township, today, provider, its version token)``,
so a write in one domain (say, an attendance sheet) recomputes that provider only. The versions of
all providers come from ONE query: ``SELECT MAX(history_id)`` of the django-simple-history table of
every model in the providers' ``depends_on`` (``MAX(id)`` for models without history) plus the
policy profile; a provider's token hashes the values of its own tables, and all parts are read in
one cache round trip (``get_many``). ``dashboard_warm`` (Celery beat, early morning) precomputes
every scope's page, so the day's first visit is served from the cache. Each scope's newest part
is also kept in the database (:class:`core.models.DashboardPart`, one upsert when a part is
computed, one read when the cache has neither the part nor the scope's latest): Redis keeps
nothing on disk, and a restart must not make the next visits compute prefecture-wide aggregates.
Every write in this project leaves a history row — services, imports (``fastwrite`` writes
history rows too), ``bulk_*_with_history``, deletes — so any change yields a new token and the
next render recomputes; unchanged data costs one indexed MAX per table (no signals, no counters to
keep in step, works across processes with Redis). ``today`` in the key handles date-relative
figures (ages, terms ending within N days). Writes that bypass history (raw SQL,
``QuerySet.update``) are picked up after ``CACHE_SECONDS`` at the latest. Providers whose data
has no history and changes by ``update()`` (import batch status) register with ``cache=False``
and run on every request (keep them to one cheap indexed query).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import logging
import pickle
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from html import escape as _escape
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import connection, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from . import dates
from .conf import import_batch_model, policy_profile_model, township_model, user_model
from .jobs import enqueue
from .models import ATTENTION_STATUSES
from .policy import policy_for_year
from .scope import get_scoped_or_404, scoped

log = logging.getLogger(__name__)

CACHE_SECONDS = 15 * 60
CACHE_PREFIX = "touyan:dashboard:v1"
# The last part computed for a scope, whatever the data version or day: what the page shows while
# a background refresh (settings.DASHBOARD_BACKGROUND_REFRESH) computes the current one.
LATEST_SECONDS = 3 * 24 * 60 * 60
REFRESH_LOCK_SECONDS = 5 * 60
WARM_LOCK_SECONDS = 60 * 60

# ---------------------------------------------------------------------------------------------
# What providers return
# ---------------------------------------------------------------------------------------------


def format_number(value) -> str:
    """Chinese office style: thousands separators, Decimal kept as given (12,345 / 87.5)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, int | Decimal):
        return f"{value:,}"
    return str(value)


def percent(part: int, whole: int) -> Decimal | None:
    """part/whole as a percentage with one decimal, ROUND_HALF_UP; None when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: int | Decimal | None
    unit: str = ""
    link: str = ""
    tone: str = ""  # "" | "success" | "warning" | "danger"
    note: str = ""
    icon: str = "bi-bar-chart"
    definition: str = ""  # 统计口径, shown beside the figure (a help text for the department)

    @property
    def display(self) -> str:
        return format_number(self.value)


@dataclass(frozen=True)
class DataTable:
    headers: list[str]
    rows: list[list]
    # Optional per-row link (e.g. the drill-down of a township row); shown on the first cell.
    row_links: list[str] = field(default_factory=list)
    # Optional per-cell links, same shape as rows ("" = none): the list behind a count, so keyboard
    # and screen-reader users reach what a click on the bar opens.
    cell_links: list[list[str]] = field(default_factory=list)

    def rows_with_links(self) -> list[tuple[list, str]]:
        """[(row label link, [(text, link), …]), …] for the template."""
        out = []
        for i, row in enumerate(self.rows):
            row_link = self.row_links[i] if i < len(self.row_links) else ""
            cells = self.cell_links[i] if i < len(self.cell_links) else []
            out.append((row_link, [(format_number(c), cells[j] if j < len(cells) else "") for j, c in enumerate(row)]))
        return out

    def body_html(self) -> str:
        """The <tbody> rows, built here rather than in the template: a prefecture's per-township
        tables have thousands of cells, and template loops cost ~10× more per cell."""

        def cell(i: int, text: str, link: str) -> str:
            # html.escape (what django's escape calls) without its lazy-string wrapper: ~5,000 cells
            inner = f'<a href="{_escape(link)}">{_escape(text)}</a>' if link else _escape(text)
            return f'<th scope="row">{inner}</th>' if i == 0 else f'<td class="text-end">{inner}</td>'

        rows = []
        for row_link, cells in self.rows_with_links():
            rendered = [cell(0, cells[0][0], row_link)] if cells else []
            rendered += [cell(j, text, link) for j, (text, link) in enumerate(cells) if j > 0]
            rows.append("<tr>" + "".join(rendered) + "</tr>")
        return mark_safe("".join(rows))  # every piece was escaped above


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    option: dict
    table: DataTable
    links: list[list[str]] = field(default_factory=list)  # links[seriesIndex][dataIndex]
    note: str = ""
    height: int = 320

    @property
    def payload(self) -> dict:
        return {"option": self.option, "links": self.links}


@dataclass(frozen=True)
class QueueExample:
    text: str
    link: str = ""
    badge: str = ""


@dataclass(frozen=True)
class QueueItem:
    key: str
    label: str
    count: int
    link: str = ""
    severity: str = "warning"  # "danger" | "warning" | "info"
    note: str = ""
    examples: list[QueueExample] = field(default_factory=list)
    mine: bool = False  # waits for the viewer's own step (shown as "由您办理")

    @property
    def display(self) -> str:
        return format_number(self.count)


@dataclass(frozen=True)
class Provider:
    key: str
    order: int
    figures: Callable | None = None
    charts: Callable | None = None
    queues: Callable | None = None
    depends_on: tuple = ()
    cache: bool = True


PROVIDERS: dict[str, Provider] = {}


def register_dashboard_provider(
    key: str,
    order: int,
    *,
    figures: Callable | None = None,
    charts: Callable | None = None,
    queues: Callable | None = None,
    depends_on: Iterable[type[models.Model]] = (),
    cache: bool = True,
) -> None:
    """Add (or replace) an app's contribution; see the module docstring."""
    PROVIDERS[key] = Provider(key, order, figures, charts, queues, tuple(depends_on), cache)


# ---------------------------------------------------------------------------------------------
# Context handed to providers
# ---------------------------------------------------------------------------------------------


class _FilterRequest:
    """What django-filter needs from a request: the user (township options are scoped)."""

    def __init__(self, user):
        self.user = user


@dataclass
class DashboardContext:
    user: object
    today: datetime.date
    drill: object | None = None  # county user's ?township=<id>
    _policy: object = None
    memo: dict = field(default_factory=dict)  # share results between a provider's parts in one build

    def once(self, key, compute: Callable):
        """``compute()`` once per build (e.g. a count used by a figure and by a queue item)."""
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    @property
    def drill_id(self) -> int | None:
        return self.drill.pk if self.drill else None

    def policy_section(self, key: str) -> dict:
        if self._policy is None:
            self._policy = policy_for_year(self.today.year)
        return self._policy.section(key)

    def scoped(self, qs_or_model, township_path: str | None = None):
        """scoped(user, …) narrowed to the drill-down township (model's own for_township)."""
        qs = scoped(self.user, qs_or_model)
        if self.drill:
            qs = qs.filter(**{township_path: self.drill.pk}) if township_path else qs.for_township(self.drill.pk)
        return qs

    def params(self, **params) -> dict:
        clean = {k: ("true" if v is True else "false" if v is False else v) for k, v in params.items() if v not in (None, "")}
        if self.drill and "township" not in clean:
            clean["township"] = self.drill.pk
        return clean

    def link(self, url_name: str, *args, **params) -> str:
        query = urlencode(self.params(**params))
        base = self.once(("reverse", url_name, args), lambda: reverse(url_name, args=args))  # 100s of links per chart
        return base + (f"?{query}" if query else "")

    def filtered(self, filterset_class, queryset, url_name: str, **params):
        """(queryset, link): the list page's own FilterSet applied to the scoped queryset, so a
        figure computed from the queryset equals the row count of the page the link opens."""
        data = {k: str(v) for k, v in self.params(**params).items()}
        fs = filterset_class(data, queryset=queryset, request=_FilterRequest(self.user))
        qs = fs.qs if fs.is_valid() else queryset.none()
        return qs, self.link(url_name, **params)


# ---------------------------------------------------------------------------------------------
# Building the page
# ---------------------------------------------------------------------------------------------


@dataclass
class Dashboard:
    figures: list[Figure]
    charts: list[Chart]
    queues: list[QueueItem]
    computed_at: datetime.datetime
    from_cache: bool
    drill: object | None
    townships: list[tuple[int, str]]  # drill-down options (county users)
    refreshing: bool = False  # some parts are the previous version; a background job computes them

    @property
    def counts(self) -> dict:
        out = {f.key: f.value for f in self.figures}
        out.update({q.key: q.count for q in self.queues})
        # what waits for this viewer's filing step (as cadres.selectors.filing_queue)
        out["filing_queue"] = sum(q.count for q in self.queues if q.key.startswith("filing_") and q.mine)
        return out

    @property
    def open_queues(self) -> list[QueueItem]:
        return [q for q in self.queues if q.count]

    def chart(self, chart_id: str) -> Chart | None:
        return next((c for c in self.charts if c.id == chart_id), None)


def _version_sources(providers: Iterable[Provider]) -> list[str]:
    return _model_sources(model for provider in providers for model in (*provider.depends_on, policy_profile_model()))


def _model_sources(sources: Iterable[type[models.Model]]) -> list[str]:
    """The SQL of each model's newest change: its history table's newest id (every write leaves
    history), or its own newest id for a model without history. Each table once."""
    tables = []
    for model in sources:
        history = getattr(model, "history", None)
        if history is not None and hasattr(history, "model"):
            table, column = history.model._meta.db_table, "history_id"
        else:
            table, column = model._meta.db_table, model._meta.pk.column
        # Names come from model metadata (not user input) and are quoted.
        entry = f"SELECT MAX({connection.ops.quote_name(column)}) FROM {connection.ops.quote_name(table)}"  # noqa: S608
        if entry not in tables:
            tables.append(entry)
    return tables


def _values(sources: list[str]) -> dict[str, object]:
    """One query: each source's value."""
    if not sources:
        return {}
    with connection.cursor() as cur:
        cur.execute("SELECT " + ", ".join(f"({s})" for s in sources))
        row = cur.fetchone()
    return dict(zip(sources, row, strict=True))


def version_values(providers: Iterable[Provider]) -> dict[str, object]:
    """One query: the latest history id of every table the providers depend on (source → value)."""
    return _values(_version_sources(providers))


def _token(values: dict[str, object], sources: list[str]) -> str:
    return hashlib.sha1(repr([values.get(s) for s in sources]).encode(), usedforsecurity=False).hexdigest()[:16]


def version_token(providers: Iterable[Provider]) -> str:
    """The version of everything the providers depend on (one query)."""
    sources = _version_sources(list(providers))
    return _token(_values(sources), sources)


def models_newest(sources: Iterable[type[models.Model]]) -> tuple:
    """The newest change of each model in ``sources``, in their order (one query, each table
    once): any write to them moves one of the values."""
    tables = _model_sources(sources)
    values = _values(tables)
    return tuple(values[t] for t in tables)


def models_version(sources: Iterable[type[models.Model]]) -> str:
    """The version of the data in ``sources`` and the yearly policy (one query): any write to
    them moves it. For a cache of figures read from those tables."""
    tables = _model_sources((*sources, policy_profile_model()))
    return _token(_values(tables), tables)


def _scope_key(user, drill: object | None) -> str:
    return f"{user.role}:{user.township_id or 0}:{int(bool(user.is_superuser))}:{drill.pk if drill else 0}"


def _run(providers: list[Provider], user, ctx: DashboardContext) -> dict:
    out = {"figures": [], "charts": [], "queues": []}
    for provider in providers:
        for part in ("figures", "charts", "queues"):
            func = getattr(provider, part)
            if func is not None:
                out[part].extend(func(user, ctx))
    return out


def resolve_drill(user, township_id) -> object | None:
    """County-wide users may narrow the page to one township; a clerk's scope is already one."""
    if not township_id or not user.sees_all_townships:
        return None
    try:
        pk = int(township_id)
    except (TypeError, ValueError):
        return None
    return get_scoped_or_404(user, township_model(), pk=pk)


def build_dashboard(user, *, township_id=None, today: datetime.date | None = None, background: bool | None = None) -> Dashboard:
    """The page for ``user``'s scope. Each cacheable provider is cached on its own, keyed by the
    version of the tables *it* depends on: a write in one domain recomputes that domain's figures
    only. One query for all versions, one cache round trip for all parts.

    With ``background`` (default: settings.DASHBOARD_BACKGROUND_REFRESH, on in production) a part
    whose data changed since it was computed is not recomputed inside the request: the page shows
    the scope's previous part, says so ("正在更新"), and queues one refresh job for the scope
    (dashboard_refresh_task), so that no request waits for prefecture-wide aggregates. Only a
    scope that has never been computed (or whose last part expired, LATEST_SECONDS) is computed
    in the request."""
    today = today or dates.today()
    if background is None:
        background = settings.DASHBOARD_BACKGROUND_REFRESH
    drill = resolve_drill(user, township_id)
    ctx = DashboardContext(user=user, today=today, drill=drill)
    providers = sorted(PROVIDERS.values(), key=lambda p: (p.order, p.key))
    cached_providers = [p for p in providers if p.cache]
    values = version_values([*cached_providers, _township_list()])
    scope = _scope_key(user, drill)
    base = f"{CACHE_PREFIX}:{scope}:{today.isoformat()}"
    keys = {p.key: f"{base}:{p.key}:{_token(values, _version_sources([p]))}" for p in [*cached_providers, _township_list()]}
    latest = {p.key: f"{CACHE_PREFIX}:{scope}:latest:{p.key}" for p in cached_providers}
    found = cache.get_many([*keys.values(), *latest.values()])
    restored = _restore_parts(
        [p for p in cached_providers if keys[p.key] not in found and latest[p.key] not in found], latest, found
    )
    fresh, newest = {}, {}
    parts = []
    stale = False
    for provider in cached_providers:
        key = keys[provider.key]
        part = found.get(key)
        previous_key, previous = found.get(latest[provider.key], (None, None))
        if part is None and previous is not None and (previous_key == key or background):
            part = previous  # the same version (its own entry expired), or shown while refreshing
            stale = stale or previous_key != key
        if part is None:
            part = {**_run([provider], user, ctx), "computed_at": timezone.now()}
            fresh[key] = part
            newest[latest[provider.key]] = (key, part)
        parts.append(part)
    townships = found.get(keys[_township_list().key])
    if townships is None:
        townships = list(scoped(user, township_model()).order_by("sort_order", "code").values_list("id", "name"))
        fresh[keys[_township_list().key]] = townships
    if fresh:
        cache.set_many(fresh, CACHE_SECONDS)
    if newest:
        cache.set_many(newest, LATEST_SECONDS)
        _store_parts(newest)
    if restored:
        cache.set_many({slot: restored[slot] for slot in restored if slot not in newest}, LATEST_SECONDS)
    if stale:
        _queue_refresh(user, drill, scope, today)
    live = _run([p for p in providers if not p.cache], user, ctx)
    return Dashboard(
        figures=[f for part in parts for f in part["figures"]] + live["figures"],
        charts=[c for part in parts for c in part["charts"]] + live["charts"],
        queues=_sort_queues([q for part in parts for q in part["queues"]] + live["queues"]),
        # the oldest part: "数据更新于" never claims fresher data than the page shows
        computed_at=min((part["computed_at"] for part in parts), default=timezone.now()),
        from_cache=not newest,  # no part computed in this request
        drill=drill,
        townships=townships,
        refreshing=stale,
    )


def _restore_parts(providers: list[Provider], latest: dict[str, str], found: dict) -> dict[str, tuple[str, dict]]:
    """Parts missing from the cache (a Redis restart, an eviction) read back from their durable
    copy (core.models.DashboardPart), one query; added to ``found`` as the scope's latest parts."""
    if not providers:
        return {}
    from .models import DashboardPart

    slots = [latest[p.key] for p in providers]
    restored = {}
    for slot, version, payload in DashboardPart.objects.filter(slot__in=slots).values_list("slot", "version", "payload"):
        try:
            restored[slot] = (version, pickle.loads(bytes(payload)))  # noqa: S301  (written by _store_parts only)
        except Exception:  # a part written by an older release: computed again
            log.info("stored home page part %s unreadable, computed again", slot, exc_info=True)
    found.update(restored)
    return restored


def _store_parts(newest: dict[str, tuple[str, dict]]) -> None:
    """Keep the scope's newest parts beyond the cache (one upsert)."""
    from .models import DashboardPart

    rows = [
        DashboardPart(
            slot=slot, version=version, payload=pickle.dumps(part, pickle.HIGHEST_PROTOCOL), computed_at=part["computed_at"]
        )
        for slot, (version, part) in newest.items()
    ]
    DashboardPart.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["slot"], update_fields=["version", "payload", "computed_at"]
    )


def _refresh_lock(scope: str) -> str:
    return f"{CACHE_PREFIX}:{scope}:refreshing"


def _queue_refresh(user, drill: object | None, scope: str, today: datetime.date) -> None:
    """One refresh job per scope at a time (the lock expires by itself if a worker dies)."""
    if not cache.add(_refresh_lock(scope), 1, REFRESH_LOCK_SECONDS):
        return
    transaction.on_commit(
        lambda: enqueue(
            "cadres.tasks.dashboard_refresh_task", user_id=user.pk, township_id=drill.pk if drill else None, on=today.isoformat()
        ),
        robust=True,  # a broker outage must not break the page: it keeps showing the previous figures
    )


def dashboard_refresh(*, user, township_id=None, today: datetime.date | None = None) -> Dashboard:
    """The background job: compute the scope's out-of-date parts (and store them as its latest)."""
    board = build_dashboard(user, township_id=township_id, today=today, background=False)
    cache.delete(_refresh_lock(_scope_key(user, board.drill)))
    return board


@functools.cache
def _township_list() -> Provider:
    """The drill-down options (county users): cached like a provider, invalidated by township changes."""
    return Provider("township_options", 0, depends_on=(township_model(),))


def dashboard_warm(*, today: datetime.date | None = None, drill_downs: bool = True) -> int:
    """Precompute the page for every scope that has an active user (county staff and each
    township) and, for county-wide users, each township's drill-down, so that no visit of the
    day computes a scope in the request (Celery beat, early morning; and when a worker starts).
    One user per scope: the page depends on the scope, not on the person. Returns the number of
    scopes computed (0 when another warm-up is running: several workers starting at once)."""
    lock = f"{CACHE_PREFIX}:warming"
    if not cache.add(lock, 1, WARM_LOCK_SECONDS):
        return 0
    try:
        return _warm_scopes(today=today, drill_downs=drill_downs)
    finally:
        cache.delete(lock)


def _warm_scopes(*, today: datetime.date | None, drill_downs: bool) -> int:
    scopes = {}
    for user in user_model().objects.filter(is_active=True).order_by("id"):
        if not (user.sees_all_townships or user.township_id):
            continue
        scopes.setdefault(_scope_key(user, None), (user, None))
        if drill_downs and user.sees_all_townships:
            for township_id in scoped(user, township_model()).order_by("sort_order", "code").values_list("id", flat=True):
                scopes.setdefault(f"{_scope_key(user, None)}:{township_id}", (user, township_id))
    for user, township_id in scopes.values():
        build_dashboard(user, township_id=township_id, today=today, background=False)
    return len(scopes)


_SEVERITY = {"danger": 0, "warning": 1, "info": 2}


def _sort_queues(items: list[QueueItem]) -> list[QueueItem]:
    return sorted(items, key=lambda q: (q.count == 0, _SEVERITY.get(q.severity, 3)))


# ---------------------------------------------------------------------------------------------
# Chart helpers
# ---------------------------------------------------------------------------------------------

PALETTE = ["#2f6fb0", "#c9a227", "#4c9a6a", "#c0504d", "#7b61a8", "#3aa3a3", "#8c6d46"]


def bar_option(
    categories: list[str], series: list[tuple[str, list]], *, horizontal: bool = False, stack: str = "", unit: str = "人"
) -> dict:
    """A plain, accessible ECharts bar option (JSON only)."""
    cat_axis = {"type": "category", "data": categories, "axisLabel": {"interval": 0, "hideOverlap": True}}
    val_axis = {"type": "value", "name": unit, "minInterval": 1}
    option = {
        "color": PALETTE,
        "aria": {"enabled": True, "decal": {"show": True}},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True},
        "xAxis": val_axis if horizontal else cat_axis,
        "yAxis": cat_axis if horizontal else val_axis,
        "series": [
            {
                "name": name,
                "type": "bar",
                "data": values,
                "label": {"show": len(categories) <= 12, "position": "inside" if stack else "top"},
                "emphasis": {"focus": "series"},
                **({"stack": stack} if stack else {}),
            }
            for name, values in series
        ],
    }
    if len(categories) > 15:
        option["dataZoom"] = [
            {"type": "inside", ("yAxisIndex" if horizontal else "xAxisIndex"): 0, "startValue": 0, "endValue": 14},
            {"type": "slider", ("yAxisIndex" if horizontal else "xAxisIndex"): 0, "startValue": 0, "endValue": 14},
        ]
    return option


# ---------------------------------------------------------------------------------------------
# The frame's own contribution: imports that need attention
# ---------------------------------------------------------------------------------------------


def _import_queues(user, ctx: DashboardContext) -> list[QueueItem]:
    """Batches with errors or whose apply failed: the import list's ``?errors=1`` (and, drilled
    down, its ``township`` filter)."""
    batches = ctx.scoped(import_batch_model()).filter(status__in=ATTENTION_STATUSES)
    return [
        QueueItem(
            "imports_invalid",
            "表格导入有错误或导入失败",
            batches.count(),
            ctx.link("core:import_list", errors="1"),
            "warning",
            note="打开导入记录，下载错误清单修改后重新上传",
        )
    ]


# Import batches change status by QuerySet.update() (no history): one indexed COUNT per request.
register_dashboard_provider("imports", order=90, queues=_import_queues, cache=False)
