"""The home page dashboard (首页): key figures, charts and work queues ("待办") from every app.

Each app contributes through one registry, the same way it adds a section to the person page
(cadres.person_sections)::

    # reserves/apps.py  →  ReservesConfig.ready()
    from cadres.dashboard import Figure, QueueItem, register_dashboard_provider

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
  filtered list behind the number), tone ("" | "success" | "warning" | "danger"), note.
* ``charts(user, ctx) -> list[Chart]``: id, title, ECharts ``option`` dict (JSON only: no JS
  functions), the chart's data ``table`` (headers + rows, shown in a <details> and exported to
  .xlsx at ``cadres:dashboard_chart_export``) and ``links[series][dataIndex]`` — the URL a click
  on that bar/slice opens (static/js/dashboard.js). Use :func:`bar_option` for the usual bar chart.
* ``queues(user, ctx) -> list[QueueItem]``: label, count, link, severity ("danger" | "warning" |
  "info"), ``mine`` (waits for the viewer's own step), a few ``examples`` (QueueExample: text,
  link, badge) shown under the item. Open items come first, danger before warning before info.
* ``ctx``: ``user``, ``today``, ``drill`` (Township or None), ``scoped(model)``,
  ``filtered(FilterSet, qs, url_name, **params) -> (qs, link)``, ``link(url_name, **params)``,
  ``policy_section(key)``, and ``once(key, compute)`` to share a result between a provider's
  figures, charts and queues within one build.

The register's own provider (bottom of this module) shows villages/communities, current
secretaries, the 一肩挑 share, 两委 members, first secretaries in post and vacancies; 待办 for
filings, joint reviews, vacancies, first-secretary terms ending within the policy's warning days
and imports with errors; and age/education structure charts of secretaries and of 两委 members
compared with the previous 换届 (see :class:`CohortSnapshot` for the exact definition), plus
per-township staffing for county staff (its table rows open the township's drill-down).

Every read starts from ``cadres.scope.scoped`` (``ctx.scoped`` / ``ctx.filtered`` add the
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
every scope's page, so the day's first visit is served from the cache.
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
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import connection, models, transaction
from django.db.models import Count, Max, Q
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from . import choices
from .filters import AppointmentFilter, FirstSecretaryFilter, PersonFilter, QualificationReviewFilter, VillageFilter
from .models import (
    Appointment,
    FirstSecretary,
    ImportBatch,
    Person,
    PolicyProfile,
    QualificationReview,
    Township,
    Village,
    VillageFlag,
)
from .policy import policy_for_year
from .scope import get_scoped_or_404, scoped

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
            inner = format_html('<a href="{}">{}</a>', link, text) if link else escape(text)
            return format_html('<th scope="row">{}</th>', inner) if i == 0 else format_html('<td class="text-end">{}</td>', inner)

        rows = []
        for row_link, cells in self.rows_with_links():
            rendered = [cell(0, cells[0][0], row_link)] if cells else []
            rendered += [cell(j, text, link) for j, (text, link) in enumerate(cells) if j > 0]
            rows.append("<tr>" + "".join(rendered) + "</tr>")
        return mark_safe("".join(rows))  # every piece was escaped by format_html/escape above


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
    drill: Township | None = None  # county user's ?township=<id>
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
    drill: Township | None
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
    tables = []
    for provider in providers:
        for model in (*provider.depends_on, PolicyProfile):
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


def version_values(providers: Iterable[Provider]) -> dict[str, object]:
    """One query: the latest history id of every table the providers depend on (source → value)."""
    sources = _version_sources(providers)
    if not sources:
        return {}
    sql = "SELECT " + ", ".join(f"({s})" for s in sources)
    with connection.cursor() as cur:
        cur.execute(sql)
        row = cur.fetchone()
    return dict(zip(sources, row, strict=True))


def _token(values: dict[str, object], sources: list[str]) -> str:
    return hashlib.sha1(repr([values.get(s) for s in sources]).encode(), usedforsecurity=False).hexdigest()[:16]


def version_token(providers: Iterable[Provider]) -> str:
    """The version of everything the providers depend on (one query)."""
    providers = list(providers)
    return _token(version_values(providers), _version_sources(providers))


def _scope_key(user, drill: Township | None) -> str:
    return f"{user.role}:{user.township_id or 0}:{int(bool(user.is_superuser))}:{drill.pk if drill else 0}"


def _run(providers: list[Provider], user, ctx: DashboardContext) -> dict:
    out = {"figures": [], "charts": [], "queues": []}
    for provider in providers:
        for part in ("figures", "charts", "queues"):
            func = getattr(provider, part)
            if func is not None:
                out[part].extend(func(user, ctx))
    return out


def resolve_drill(user, township_id) -> Township | None:
    """County-wide users may narrow the page to one township; a clerk's scope is already one."""
    if not township_id or not user.sees_all_townships:
        return None
    try:
        pk = int(township_id)
    except (TypeError, ValueError):
        return None
    return get_scoped_or_404(user, Township, pk=pk)


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
    today = today or timezone.localdate()
    if background is None:
        background = settings.DASHBOARD_BACKGROUND_REFRESH
    drill = resolve_drill(user, township_id)
    ctx = DashboardContext(user=user, today=today, drill=drill)
    providers = sorted(PROVIDERS.values(), key=lambda p: (p.order, p.key))
    cached_providers = [p for p in providers if p.cache]
    values = version_values([*cached_providers, _TOWNSHIP_LIST])
    scope = _scope_key(user, drill)
    base = f"{CACHE_PREFIX}:{scope}:{today.isoformat()}"
    keys = {p.key: f"{base}:{p.key}:{_token(values, _version_sources([p]))}" for p in [*cached_providers, _TOWNSHIP_LIST]}
    latest = {p.key: f"{CACHE_PREFIX}:{scope}:latest:{p.key}" for p in cached_providers}
    found = cache.get_many([*keys.values(), *latest.values()])
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
    townships = found.get(keys[_TOWNSHIP_LIST.key])
    if townships is None:
        townships = list(scoped(user, Township).order_by("sort_order", "code").values_list("id", "name"))
        fresh[keys[_TOWNSHIP_LIST.key]] = townships
    if fresh:
        cache.set_many(fresh, CACHE_SECONDS)
    if newest:
        cache.set_many(newest, LATEST_SECONDS)
    if stale:
        _queue_refresh(user, drill, scope, today)
    live = _run([p for p in providers if not p.cache], user, ctx)
    return Dashboard(
        figures=[f for part in parts for f in part["figures"]] + live["figures"],
        charts=[c for part in parts for c in part["charts"]] + live["charts"],
        queues=_sort_queues([q for part in parts for q in part["queues"]] + live["queues"]),
        # the oldest part: "数据更新于" never claims fresher data than the page shows
        computed_at=min((part["computed_at"] for part in parts), default=timezone.now()),
        from_cache=not fresh,
        drill=drill,
        townships=townships,
        refreshing=stale,
    )


def _refresh_lock(scope: str) -> str:
    return f"{CACHE_PREFIX}:{scope}:refreshing"


def _queue_refresh(user, drill: Township | None, scope: str, today: datetime.date) -> None:
    """One refresh job per scope at a time (the lock expires by itself if a worker dies)."""
    if not cache.add(_refresh_lock(scope), 1, REFRESH_LOCK_SECONDS):
        return
    from .tasks import dashboard_refresh_task

    transaction.on_commit(
        lambda: dashboard_refresh_task.delay(user_id=user.pk, township_id=drill.pk if drill else None, on=today.isoformat()),
        robust=True,  # a broker outage must not break the page: it keeps showing the previous figures
    )


def dashboard_refresh(*, user, township_id=None, today: datetime.date | None = None) -> Dashboard:
    """The background job: compute the scope's out-of-date parts (and store them as its latest)."""
    board = build_dashboard(user, township_id=township_id, today=today, background=False)
    cache.delete(_refresh_lock(_scope_key(user, board.drill)))
    return board


# The drill-down options (county users): cached like a provider, invalidated by township changes.
_TOWNSHIP_LIST = Provider("township_options", 0, depends_on=(Township,))


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
    from .models import User

    scopes = {}
    for user in User.objects.filter(is_active=True).order_by("id"):
        if not (user.sees_all_townships or user.township_id):
            continue
        scopes.setdefault(_scope_key(user, None), (user, None))
        if drill_downs and user.sees_all_townships:
            for township_id in scoped(user, Township).order_by("sort_order", "code").values_list("id", flat=True):
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
# The register's own contribution
# ---------------------------------------------------------------------------------------------

# Age bands of the structure charts (inclusive ages). 35 is the youth line of reserve and
# talent schemes (DOMAIN §6, seed 003); 55/60 are the usual retirement-age lines for 村干部.
AGE_BANDS: list[tuple[str, int | None, int | None]] = [
    ("35岁及以下", None, 35),
    ("36–45岁", 36, 45),
    ("46–55岁", 46, 55),
    ("56–60岁", 56, 60),
    ("61岁及以上", 61, None),
]
TWO_COMMITTEE_BODIES = ("party", "committee")  # 村"两委": 村党组织 + 村民委员会 (policy post table "body")


def birth_limit(age: int, on: datetime.date) -> datetime.date:
    """Birthdays on or before this date are ``age`` or older on ``on`` (PersonFilter's rule)."""
    try:
        return on.replace(year=on.year - age)
    except ValueError:  # 29 Feb
        return on.replace(year=on.year - age, day=28)


def age_band_case(on: datetime.date, field: str = "birth_date") -> models.Case:
    whens = []
    for index, (_label, low, high) in enumerate(AGE_BANDS):
        cond = Q()
        if low is not None:
            cond &= Q(**{f"{field}__lte": birth_limit(low, on)})
        if high is not None:
            cond &= Q(**{f"{field}__gt": birth_limit(high + 1, on)})
        whens.append(models.When(cond, then=models.Value(index)))
    return models.Case(*whens, default=models.Value(-1), output_field=models.IntegerField())


def structure_rows(people, on: datetime.date) -> list[dict]:
    """One GROUP BY query over a Person queryset: rows of band (AGE_BANDS index, age on ``on``),
    edu (highest education) and n."""
    return list(
        people.order_by()
        .annotate(band=age_band_case(on), edu=Greatest("education_fulltime", "education_inservice"))
        .values("band", "edu")
        .annotate(n=Count("id"))
    )


def tally(rows: list[dict], **required: bool) -> tuple[list[int], dict[str, int]]:
    """(counts per age band, counts per education value) of the rows whose flags match."""
    ages = [0] * len(AGE_BANDS)
    edus: dict[str, int] = {}
    for row in rows:
        if any(bool(row[k]) != v for k, v in required.items()):
            continue
        if row["band"] >= 0:
            ages[row["band"]] += row["n"]
        edus[row["edu"] or ""] = edus.get(row["edu"] or "", 0) + row["n"]
    return ages, edus


def structure_counts(people, on: datetime.date) -> tuple[list[int], dict[str, int]]:
    """One GROUP BY query: (counts per AGE_BANDS index, counts per highest education value)."""
    return tally(structure_rows(people, on))


@dataclass(frozen=True)
class CohortSnapshot:
    """The comparison point "上届": holders at the start of the previous 换届 cohort.

    Cohorts are the distinct ``Appointment.cohort`` years of filed appointments in scope (up to
    this year). The *current* cohort is the latest, the *previous* one the cohort before it.
    Its start is the day its last cohort-tagged appointment took effect (``MAX(start_date)``):
    by then the 换届 was complete. Holders on that date are filed appointments with
    ``start_date ≤ date`` and not ended before it; ages are taken on that date, education is the
    person's file as it stands now (the register keeps no education history).
    """

    cohort: int
    date: datetime.date


def previous_cohort(ctx: DashboardContext) -> CohortSnapshot | None:
    rows = list(
        ctx.scoped(Appointment)
        .filter(status=choices.FilingStatus.FILED, cohort__isnull=False, cohort__lte=ctx.today.year)
        .order_by()
        .values("cohort")
        .annotate(start=Max("start_date"))
        .order_by("-cohort")[:2]
    )
    if len(rows) < 2:
        return None
    return CohortSnapshot(cohort=rows[1]["cohort"], date=rows[1]["start"])


def current_holders(user, ctx: DashboardContext, *post_sets: list[str]):
    """People in scope holding (filed, not ended) a post from *each* of ``post_sets``.

    The same set as the person list's PersonFilter ``post`` / ``post_in`` / ``one_shoulder`` and
    drill-down ``township`` (a current post in that township), written as ``pk IN (subquery)``
    instead of the FilterSet's correlated EXISTS: 2–3× faster on SQLite at prefecture scale
    (bench/dashboard.py). tests/cadres/test_dashboard.py checks every figure against its list.
    """
    qs = scoped(user, Person)
    current = Appointment.objects.current().order_by()
    for posts in post_sets:
        qs = qs.filter(pk__in=current.filter(post__in=posts).values("person_id"))
    if ctx.drill:
        qs = qs.filter(pk__in=current.filter(village__township_id=ctx.drill.pk).values("person_id"))
    return qs


def per_person_rows(appointments, on: datetime.date, flags: dict[str, Q]) -> list[dict]:
    """One GROUP BY over ``appointments`` (joined to the person): one row per person with age band
    on ``on``, highest education, and per flag whether any of the person's rows matches it;
    identical rows are then counted (``n``) by an outer GROUP BY, so a few dozen rows come back.
    Starting from the appointments keeps it to one pass over an indexed table, for county staff
    (all people) and clerks (few) alike."""
    marks = {
        name: Max(
            models.Case(models.When(cond, then=models.Value(1)), default=models.Value(0), output_field=models.IntegerField())
        )
        for name, cond in flags.items()
    }
    # band and edu are the person's own (the same on each of their rows), taken with MAX so that
    # the groups are by person_id alone: SQLite then streams the groups in index order instead of
    # sorting every row by (person, band, edu) — a third faster at prefecture scale.
    per_person = (
        appointments.order_by()
        .values("person_id")
        .annotate(
            band=Max(age_band_case(on, "person__birth_date")),
            edu=Max(Greatest("person__education_fulltime", "person__education_inservice")),
            **marks,
        )
        .values_list("band", "edu", *marks)  # still grouped by person (values() before annotate)
    )
    # Count identical per-person rows in the database too: a few dozen rows come back, not one per person.
    keys = ("band", "edu", *marks)
    cols = ", ".join(connection.ops.quote_name(k) for k in keys)
    inner, params = per_person.query.sql_with_params()
    sql = f"SELECT {cols}, COUNT(*) FROM ({inner}) per_person GROUP BY {cols}"  # noqa: S608  (names from code, values as params)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return [{**dict(zip(keys, row[:-1], strict=True)), "n": row[-1]} for row in cur.fetchall()]


def register_structure(user, ctx: DashboardContext) -> list[dict]:
    """Current secretaries and 两委 members with the 一肩挑 flag, one row per person, one query.

    People are those in the viewer's scope (and, drilled down, with a current post in that
    township), as on the person list; a flag is true when the person currently holds such a post
    anywhere (PersonFilter ``post`` / ``post_in`` / ``one_shoulder``)."""
    members = two_committee_posts(ctx)

    def compute():
        people = current_holders(user, ctx)
        appointments = Appointment.objects.current().filter(post__in=sorted({choices.SECRETARY, choices.CHAIR, *members}))
        if people.query.where:  # county staff without drill-down: everybody, no filter needed
            appointments = appointments.filter(person__in=people.values("pk"))
        flags = {"sec": Q(post=choices.SECRETARY), "member": Q(post__in=members), "chair": Q(post=choices.CHAIR)}
        return per_person_rows(appointments, ctx.today, flags)

    return ctx.once("register_structure", compute)


def previous_structure(ctx: DashboardContext, snap: CohortSnapshot) -> list[dict]:
    """Holders on the snapshot date (ages on that date), same groups: one query."""
    members = two_committee_posts(ctx)

    def compute():
        held = (
            ctx.scoped(Appointment)
            .filter(post__in=sorted({choices.SECRETARY, *members}), status=choices.FilingStatus.FILED, start_date__lte=snap.date)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=snap.date))
        )
        return per_person_rows(held, snap.date, {"sec": Q(post=choices.SECRETARY), "member": Q(post__in=members)})

    return ctx.once(("previous_structure", snap), compute)


def _people_params(posts: list[str]) -> dict:
    return {"post": posts[0]} if len(posts) == 1 else {"post_in": ",".join(posts)}


# The lists behind the structure charts. A bar links to the first of its candidate lists whose
# FilterSet understands every parameter (cadres.filters is maintained on its own):
#   current bars   → person list ``post``/``post_in`` + ``age_min``/``age_max`` or ``education``
#                    (``education=none``: nothing entered, the "未填" bar);
#   "上届" bars    → person list with ``as_of=<snapshot date>`` (posts held and ages on that
#                    date); else the appointment list with ``as_of`` (one row per post: a 一肩挑
#                    person is two rows of the 两委 list); else the previous cohort's appointments.
# tests/cadres/test_dashboard.py checks that each bar's value is the count of the list it opens.
VIEW_PARAMS = {"tab"}  # understood by the list view itself, not by its FilterSet


def filterset_accepts(filterset_class, params: dict) -> bool:
    """Whether ``filterset_class`` has a filter for every parameter (and, for choice filters, the
    value among its choices)."""
    for name, value in params.items():
        if name in VIEW_PARAMS:
            continue
        flt = filterset_class.base_filters.get(name)
        if flt is None:
            return False
        options = flt.extra.get("choices")
        if options is not None and not callable(options) and str(value) not in {str(k) for k, _l in options}:
            return False
    return True


def _first_link(ctx: DashboardContext, candidates: list[tuple[str, type, dict]]) -> str:
    for url_name, filterset_class, params in candidates:
        if filterset_accepts(filterset_class, params):
            return ctx.link(url_name, **params)
    return ""


def _bucket_params(kind: str, bucket) -> dict:
    """Filter parameters of one bar: an AGE_BANDS entry or an education value ("" = 未填)."""
    if kind == "age":
        _label, low, high = bucket
        return {"age_min": low, "age_max": high}
    return {"education": bucket or "none"}


def _structure_link(ctx: DashboardContext, posts: list[str], kind: str, bucket, snap=None) -> str:
    people = _people_params(posts)
    bar = _bucket_params(kind, bucket)
    if snap is None:
        return _first_link(
            ctx,
            [("cadres:person_list", PersonFilter, {**people, **bar}), ("cadres:person_list", PersonFilter, people)],
        )
    then = snap.date.isoformat()
    fallback = {"tab": "all", "cohort": snap.cohort, "status": choices.FilingStatus.FILED}
    if len(posts) == 1:
        fallback["post"] = posts[0]
    return _first_link(
        ctx,
        [
            ("cadres:person_list", PersonFilter, {**people, "as_of": then, **bar}),
            ("cadres:appointment_list", AppointmentFilter, {"tab": "all", **people, "as_of": then, **bar}),
            ("cadres:appointment_list", AppointmentFilter, fallback),
        ],
    )


def _structure_charts(user, ctx: DashboardContext, *, key: str, title: str, group: str, posts: list[str], snap) -> list[Chart]:
    ages, edus = tally(register_structure(user, ctx), **{group: True})
    prev_ages, prev_edus = (None, None)
    if snap is not None:
        prev_ages, prev_edus = tally(previous_structure(ctx, snap), **{group: True})
    prev_label = f"上届（{snap.cohort}年换届后，{snap.date:%Y-%m-%d}）" if snap else ""
    definition = f"当前：今日在任（已备案）的{title}，按今日年龄。" + (
        f"上届：{snap.cohort}年换届完成时（{snap.date.year}年{snap.date.month}月{snap.date.day}日）在任的{title}，"
        "按当时年龄；学历按现有档案。"
        if snap
        else "暂无上一届换届的任职记录，无法对比。"
    )

    def build(chart_id, chart_title, categories, now_values, prev_values, now_links, prev_links):
        total_now, total_prev = sum(now_values), sum(prev_values or [])
        series = [("当前", now_values)]
        links = [now_links]
        headers = ["分组", "当前（人）", "当前占比（%）"]
        rows = [[c, n, percent(n, total_now)] for c, n in zip(categories, now_values, strict=True)]
        cell_links = [["", link, ""] for link in now_links]
        if prev_values is not None:
            series.append((prev_label, prev_values))
            links.append(prev_links)
            headers += ["上届（人）", "上届占比（%）"]
            rows = [[*r, p, percent(p, total_prev)] for r, p in zip(rows, prev_values, strict=True)]
            cell_links = [[*c, link, ""] for c, link in zip(cell_links, prev_links, strict=True)]
        total_row = ["合计", total_now, percent(total_now, total_now)]
        if prev_values is not None:
            total_row += [total_prev, percent(total_prev, total_prev)]
        rows.append(total_row)
        return Chart(
            id=chart_id,
            title=chart_title,
            option=bar_option(categories, series),
            table=DataTable(headers=headers, rows=rows, row_links=list(now_links), cell_links=cell_links),
            links=links,
            note=definition,
        )

    age_labels = [b[0] for b in AGE_BANDS]
    edu_values = [value for value, _label in choices.Education.choices]
    edu_labels = [label for _value, label in choices.Education.choices]
    if edus.get("") or (prev_edus or {}).get(""):
        edu_values.append("")
        edu_labels.append("未填")
    links = {}
    for kind, buckets in (("age", AGE_BANDS), ("education", edu_values)):
        links[f"now_{kind}"] = [_structure_link(ctx, posts, kind, b) for b in buckets]
        links[f"prev_{kind}"] = [_structure_link(ctx, posts, kind, b, snap) for b in buckets] if snap else []
    return [
        build(f"{key}-age", f"{title}年龄结构", age_labels, ages, prev_ages, links["now_age"], links["prev_age"]),
        build(
            f"{key}-education",
            f"{title}学历结构",
            edu_labels,
            [edus.get(v, 0) for v in edu_values],
            [prev_edus.get(v, 0) for v in edu_values] if prev_edus is not None else None,
            links["now_education"],
            links["prev_education"],
        ),
    ]


def two_committee_posts(ctx: DashboardContext) -> list[str]:
    return [p["code"] for p in ctx.policy_section("register")["posts"] if p.get("body") in TWO_COMMITTEE_BODIES]


def _register_figures(user, ctx: DashboardContext) -> list[Figure]:
    vqs = scoped(user, Village)
    villages, villages_link = ctx.filtered(VillageFilter, vqs, "cadres:village_list", kind=choices.VillageKind.VILLAGE)
    communities, communities_link = ctx.filtered(VillageFilter, vqs, "cadres:village_list", kind=choices.VillageKind.COMMUNITY)
    vacant, vacant_link = ctx.filtered(VillageFilter, vqs, "cadres:village_list", secretary_vacant=True)
    members_posts = two_committee_posts(ctx)
    rows = register_structure(user, ctx)
    n_sec = sum(r["n"] for r in rows if r["sec"])
    n_members = sum(r["n"] for r in rows if r["member"])
    n_os = sum(r["n"] for r in rows if r["sec"] and r["chair"])
    sec_link = ctx.link("cadres:person_list", post=choices.SECRETARY)
    os_link = ctx.link("cadres:person_list", one_shoulder=True)
    members_link = ctx.link("cadres:person_list", **_people_params(members_posts))
    fs, fs_link = ctx.filtered(
        FirstSecretaryFilter,
        scoped(user, FirstSecretary),
        "cadres:first_secretary_list",
        status=choices.FirstSecretaryStatus.ACTIVE,
    )
    n_vacant = ctx.once("vacant", vacant.count)
    share = percent(n_os, n_sec)
    return [
        Figure("villages", "行政村", villages.count(), "个", villages_link, icon="bi-houses"),
        Figure("communities", "社区", communities.count(), "个", communities_link, icon="bi-buildings"),
        Figure("secretaries", "现任村(社区)党组织书记", n_sec, "人", sec_link, icon="bi-person-badge"),
        Figure(
            "one_shoulder_share",
            "书记、主任“一肩挑”比例",
            share,
            "%",
            os_link,
            tone="success" if share is not None and share >= 80 else "",
            note=f"一肩挑 {n_os:,} 人 / 现任书记 {n_sec:,} 人",
            icon="bi-person-check",
        ),
        Figure("two_committee_members", "现任村“两委”成员", n_members, "人", members_link, icon="bi-people"),
        Figure("first_secretaries", "在岗驻村第一书记", fs.count(), "人", fs_link, icon="bi-flag"),
        Figure(
            "vacant",
            "书记空缺村(社区)",
            n_vacant,
            "个",
            vacant_link,
            tone="danger" if n_vacant else "success",
            icon="bi-exclamation-diamond",
        ),
    ]


def _register_queues(user, ctx: DashboardContext) -> list[QueueItem]:
    aqs = scoped(user, Appointment)
    items = []
    for status, label, perm in (
        (choices.FilingStatus.DRAFT, "任职备案：待乡镇审核", "cadres.approve_appointment"),
        (choices.FilingStatus.TOWNSHIP_APPROVED, "任职备案：待县级备案", "cadres.file_appointment"),
    ):
        mine = user.has_perm(perm)
        qs, link = ctx.filtered(AppointmentFilter, aqs, "cadres:appointment_list", tab="all", status=status)
        examples = [
            QueueExample(
                f"{a.person.name} · {a.village.township.name}{a.village.name} · {a.post_name}",
                reverse("cadres:appointment_detail", args=[a.pk]),
            )
            for a in qs.select_related("person", "village__township").order_by("created_at", "id")[:5]
        ]
        items.append(
            QueueItem(
                f"filing_{status}",
                label,
                qs.count(),
                link,
                "danger" if mine else "info",
                note="由您办理" if mine else "由其他层级办理",
                examples=examples,
                mine=mine,
            )
        )
    reviews, reviews_link = ctx.filtered(
        QualificationReviewFilter, scoped(user, QualificationReview), "cadres:review_list", outcome=choices.VettingResult.PENDING
    )
    items.append(
        QueueItem(
            "reviews_pending",
            "资格联审未办结",
            reviews.count(),
            reviews_link,
            "warning",
            examples=[
                QueueExample(
                    f"{r.person.name} · {r.village.township.name}{r.village.name} · {r.post_name}",
                    reverse("cadres:review_detail", args=[r.pk]),
                    f"{timezone.localtime(r.requested_at):%Y-%m-%d} 提请",
                )
                for r in reviews.select_related("person", "village__township").order_by("requested_at", "id")[:5]
            ],
        )
    )
    vacant, vacant_link = ctx.filtered(VillageFilter, scoped(user, Village), "cadres:village_list", secretary_vacant=True)
    items.append(
        QueueItem(
            "villages_vacant",
            "书记空缺的村(社区)",
            ctx.once("vacant", vacant.count),
            vacant_link,
            "danger",
            examples=[
                QueueExample(f"{v.township.name} · {v.name}", reverse("cadres:village_detail", args=[v.pk]))
                for v in vacant.select_related("township").order_by("township__sort_order", "code")[:5]
            ],
        )
    )
    days = int(ctx.policy_section("register")["first_secretary"]["expiry_warning_days"])
    expiring, exp_link = ctx.filtered(
        FirstSecretaryFilter, scoped(user, FirstSecretary), "cadres:first_secretary_list", expiring_within=days
    )
    items.append(
        QueueItem(
            "first_secretaries_expiring",
            f"驻村第一书记{days}天内期满",
            expiring.count(),
            exp_link,
            "warning",
            note="提前天数取自年度政策配置",
            examples=[
                QueueExample(
                    f"{p.person.name} · {p.village.township.name}{p.village.name}",
                    reverse("cadres:first_secretary_detail", args=[p.pk]),
                    f"{p.term_end:%Y-%m-%d} 期满",
                )
                for p in expiring.select_related("person", "village__township").order_by("term_end", "id")[:5]
            ],
        )
    )
    return items


def _township_chart(user, ctx: DashboardContext) -> list[Chart]:
    """Villages, current secretaries and vacancies per township (one GROUP BY each)."""
    if ctx.drill is not None or not user.sees_all_townships:
        return []
    townships = list(scoped(user, Township).order_by("sort_order", "code").values_list("id", "name"))
    if len(townships) < 2:
        return []
    has_sec = models.Exists(Appointment.objects.current().secretaries().filter(village=models.OuterRef("pk")))
    per = {
        row["township_id"]: row
        for row in scoped(user, Village)
        .order_by()
        .annotate(has_sec=has_sec)
        .values("township_id")
        .annotate(
            villages=Count("id"),
            communities=Count("id", filter=Q(kind=choices.VillageKind.COMMUNITY)),
            vacant=Count("id", filter=Q(has_sec=False)),
        )
    }
    names = [name for _pk, name in townships]
    home = reverse("home")
    seated = [per.get(pk, {}).get("villages", 0) - per.get(pk, {}).get("vacant", 0) for pk, _ in townships]
    vacant = [per.get(pk, {}).get("vacant", 0) for pk, _ in townships]
    links = [
        [ctx.link("cadres:village_list", township=pk, secretary_vacant=False) for pk, _ in townships],
        [ctx.link("cadres:village_list", township=pk, secretary_vacant=True) for pk, _ in townships],
    ]
    rows = [
        [name, per.get(pk, {}).get("villages", 0), per.get(pk, {}).get("communities", 0), s, v]
        for (pk, name), s, v in zip(townships, seated, vacant, strict=True)
    ]
    rows.append(["合计", sum(r[1] for r in rows), sum(r[2] for r in rows), sum(seated), sum(vacant)])
    return [
        Chart(
            id="townships",
            title="各乡镇(街道)村(社区)与书记配备",
            option=bar_option(names, [("有现任书记", seated), ("书记空缺", vacant)], horizontal=True, stack="v", unit="个"),
            table=DataTable(
                headers=["乡镇(街道)", "村(社区)数", "其中社区", "有现任书记", "书记空缺"],
                rows=rows,
                row_links=[f"{home}?township={pk}" for pk, _ in townships] + [""],
                cell_links=[
                    [
                        "",
                        ctx.link("cadres:village_list", township=pk),
                        ctx.link("cadres:village_list", township=pk, kind=choices.VillageKind.COMMUNITY),
                        seated_link,
                        vacant_link,
                    ]
                    for (pk, _), seated_link, vacant_link in zip(townships, links[0], links[1], strict=True)
                ],
            ),
            links=links,
            note="点击条形打开该乡镇的村(社区)名单；点击数据表中的乡镇名称查看该乡镇的首页统计。",
            height=max(320, min(28 * len(townships) + 80, 640)),
        )
    ]


def _register_charts(user, ctx: DashboardContext) -> list[Chart]:
    snap = previous_cohort(ctx)
    charts = _structure_charts(
        user, ctx, key="secretaries", title="村(社区)党组织书记", group="sec", posts=[choices.SECRETARY], snap=snap
    )
    charts += _structure_charts(
        user, ctx, key="two-committees", title="村“两委”成员", group="member", posts=two_committee_posts(ctx), snap=snap
    )
    return charts + _township_chart(user, ctx)


def _import_queues(user, ctx: DashboardContext) -> list[QueueItem]:
    """Batches with errors or whose apply failed: the import list's ``?errors=1`` (and, drilled
    down, its ``township`` filter)."""
    batches = ctx.scoped(ImportBatch).filter(status__in=[ImportBatch.Status.INVALID, ImportBatch.Status.FAILED])
    return [
        QueueItem(
            "imports_invalid",
            "表格导入有错误或导入失败",
            batches.count(),
            ctx.link("cadres:import_list", errors="1"),
            "warning",
            note="打开导入记录，下载错误清单修改后重新上传",
        )
    ]


register_dashboard_provider(
    "register",
    order=0,
    figures=_register_figures,
    charts=_register_charts,
    queues=_register_queues,
    depends_on=[Township, Village, VillageFlag, Person, Appointment, QualificationReview, FirstSecretary],
)
# Import batches change status by QuerySet.update() (no history): one indexed COUNT per request.
register_dashboard_provider("imports", order=90, queues=_import_queues, cache=False)
