"""Page bench: every list, detail, report and API page of the URLconf, timed at a given scale.

    .venv/bin/python bench/pages.py --scale 1                                    # temp SQLite file
    .venv/bin/python bench/pages.py --sqlite /tmp/s1.sqlite3 --scale 1           # seeded once, reused
    .venv/bin/python bench/pages.py --database-url postgres://…/touyan_bench --scale 20
    .venv/bin/python bench/pages.py --database-url … --only subsidies --repeat 9
    make bench-pages BENCH_ARGS='--database-url postgres://… --scale 20'

The pages are not a hand list: they are enumerated from the URLconf and the API routers
(``django.urls.get_resolver``), then classified:

* ``list``   — an HTML page without URL arguments (ListPageView and the like);
* ``detail`` — an HTML page with one object argument (``<int:pk>``, ``<int:year>``); the object is
  the *heaviest* one the user can see (the one with most related rows, e.g. the largest pay run);
* ``report`` — coverage, structure, summary, reconciliation, matrix, reports, standards pages
  and the API reports (``/api/v1/training/coverage/`` …): the first screen;
* ``api``    — an API list (``…-list`` of a router) and ``api-detail`` (``…-detail``);
* ``home``   — the county home page, cold (cache cleared before every request) and warm.

Forms, actions (POST), exports, downloads, prints and admin are not pages and are skipped (counted).

Each page is requested ``--repeat`` times as county staff and as a township clerk with Django's
test client (server time: middleware, view, template; no network), production-like settings
(DEBUG off). The median wall time, the query count (one extra captured request) and the response
size are printed, slowest first. Targets (issue #15): list, detail, API ≤ 50 ms median; report ≤
300 ms and ≤ 1 MB; cold county home ≤ 300 ms.

The database is seeded with ``seed_demo --scale N`` when it is empty and reused when it holds a
county (a PostgreSQL database given by ``--database-url``, or a SQLite file by ``--sqlite``;
without either, a temporary SQLite file that is removed afterwards).

Exit status: 0 all within target; 1 a page answered an error; 2 a page over target
(``--no-fail``: report and exit 0).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

TARGET_MS = {"list": 50, "detail": 50, "api": 50, "api-detail": 50, "report": 300, "home-cold": 300, "home": 300}
TARGET_BYTES = {"report": 1024 * 1024}

# URL names (without namespace) of things that are not pages: forms, actions (the name's last
# word) and files (any word).
ACTION_WORDS = {
    "export",
    "create",
    "new",
    "edit",
    "update",
    "add",
    "approve",
    "reject",
    "end",
    "attach",
    "record",
    "enrol",
    "enroll",
    "post",
    "remove",
    "action",
    "lock",
    "unlock",
    "release",
    "override",
    "amend",
    "upload",
    "download",
    "reverse",
    "nominate",
    "review",
    "pool",
    "appoint",
    "exit",
    "mentor",
    "mentors",
    "mentorships",
    "practice",
    "posts",
    "assess",
    "appraisal",
    "appraisals",
    "party",
    "stages",
    "graduate",
    "withdraw",
    "tuition",
    "diploma",
    "subsidy",
    "attendance",
    "stop",
    "benefit",
    "account",
    "logout",
    "login",
    "token",
    "schema",
    "docs",
    "root",
    "ballots",
    "ballot",
    "request",
    "confirm",
    "dismiss",
    "presence",
    "file",
    "progress",
    "rollback",
    "apply",
    "errors",
    "original",
    "template",
    "send",
    "back",
    "recompute",
    "cancel",
    "paid",
    "prepare",
}
FILE_WORDS = {"export", "xlsx", "pdf", "print", "download", "sheet", "original", "errors"}
REPORT_NAME = re.compile(r"(coverage|structure|summary|reconcile|reports|matrix|standards)")
SKIP_PREFIX = ("admin/",)


@dataclass
class Target:
    kind: str
    name: str  # namespaced URL name
    route: str  # pattern text
    kwarg_names: list[str]
    converters: dict[str, str]
    model: object = None  # model whose object fills the URL's argument
    lookup: str = "pk"
    url_by_user: dict[str, str] = field(default_factory=dict)
    fixed: dict = field(default_factory=dict)  # the URL's other parameters, from the view's url_values()


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=1, help="seed_demo --scale when the database is empty (default 1)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--townships", type=int, default=None, help="seed only the first K townships (smoke runs)")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page and user (median reported)")
    parser.add_argument("--database-url", default="", help="PostgreSQL database to use (seeded if empty, reused otherwise)")
    parser.add_argument("--sqlite", default="", help="SQLite file to use (seeded if empty, kept afterwards)")
    parser.add_argument("--only", default="", help="only URLs whose name or route contains this text")
    parser.add_argument("--users", default="county,clerk01", help="usernames to measure as (default county,clerk01)")
    parser.add_argument("--no-fail", action="store_true", help="exit 0 even when a page is over its target")
    parser.add_argument("--no-results", action="store_true", help="do not write bench/results/pages-*.json")
    return parser.parse_args(argv)


def configure(db_path: Path, database_url: str) -> None:
    """Production-like settings (DEBUG off: no query log, cached templates, local-memory cache)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _env import production_django

    production_django(db_path, database_url)
    import logging

    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # 403s of pages a clerk may not open


# ---------------------------------------------------------------------------------------------
# Enumerating the pages from the resolver
# ---------------------------------------------------------------------------------------------


def walk(patterns, prefix="", namespace=""):
    """(route text, namespaced name, pattern) of every leaf URL pattern."""
    from django.urls import URLPattern, URLResolver

    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern) and p.name:
            yield prefix + str(p.pattern), namespace + p.name, p


def _model_for(name: str, route: str, callback):
    """The model whose object fills a detail URL: the viewset's queryset model for the API; for
    an HTML page, the model of the URL name's app whose name ends with the URL's entity
    (``subsidies:run_detail`` → PayRun, ``cadres:first_secretary_detail`` → FirstSecretary)."""
    from django.apps import apps

    cls = getattr(callback, "cls", None)
    queryset = getattr(cls, "queryset", None)
    if queryset is not None:
        return queryset.model
    serializer = getattr(cls, "serializer_class", None)
    if serializer is not None and hasattr(serializer, "Meta"):
        return serializer.Meta.model
    app_label, _, short = name.rpartition(":")
    entity = re.sub(r"[_-](detail|results|list|history|section)$", "", short).replace("_", "").replace("-", "")
    if "<int:year>" in route and entity in ("campaign", "review", "result", "policy"):
        entity = {"policy": "policyprofile"}.get(entity, "campaign")
    candidates = []
    for model in apps.get_models():
        model_name = model._meta.model_name
        if entity in model_name and not model_name.startswith("historical"):
            other_app = model._meta.app_label != app_label.split(":")[0]
            candidates.append((other_app, not model_name.endswith(entity), len(model_name), model))
    return min(candidates, key=lambda c: c[:3])[3] if candidates else None


def enumerate_targets(only: str = "") -> tuple[list[Target], list[str]]:
    from django.urls import get_resolver

    targets, skipped = [], []
    for route, name, pattern in walk(get_resolver().url_patterns):
        short = name.rpartition(":")[2]
        kwarg_names = list(pattern.pattern.regex.groupindex)
        if route.startswith(SKIP_PREFIX) or "format" in kwarg_names:
            continue
        words = re.split(r"[_-]", short)
        if only and only not in name and only not in route:
            continue
        callback = pattern.callback
        view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        initkwargs = getattr(callback, "view_initkwargs", {}) or {}
        actions = getattr(callback, "actions", None)
        converters = {k: type(v).__name__ for k, v in pattern.pattern.converters.items()}
        not_a_page = words[-1] in ACTION_WORDS or bool(FILE_WORDS & set(words))
        is_api = route.startswith("api/")
        if actions is not None:  # a DRF router route
            get = actions.get("get")
            if get == "list":
                kind = "api"
            elif get == "retrieve":
                kind = "api-detail"
            else:
                skipped.append(name)
                continue
        elif is_api:
            if not_a_page or not hasattr(view_class, "get"):
                skipped.append(name)
                continue
            kind = "report"
        else:
            if (
                initkwargs.get("export")
                or (pattern.default_args or {}).get("export")
                or initkwargs.get("action")
                or initkwargs.get("level")
                or not_a_page
                or not hasattr(view_class, "get")
            ):
                skipped.append(name)
                continue
            if name == "home":
                kind = "home"
            elif REPORT_NAME.search(short):
                kind = "report"
            else:
                kind = "detail" if kwarg_names else "list"
        url_values = getattr(view_class, "url_values", None)
        for fixed in url_values() if url_values is not None else [{}]:  # one target per value the view names
            free = [k for k in kwarg_names if k not in fixed]
            if any(converters.get(k, "IntConverter") != "IntConverter" for k in free):
                skipped.append(f"{name}（参数 {', '.join(kwarg_names)} 无法自动取值）")
                continue
            if len(free) > 1:
                skipped.append(f"{name}（多个参数）")
                continue
            t = Target(kind=kind, name=name, route="/" + route, kwarg_names=free, converters=converters, fixed=fixed)
            if free:
                t.model = _model_for(name, route, callback)
                t.lookup = free[0]
                if t.model is None:
                    skipped.append(f"{name}（找不到对应的数据）")
                    continue
            targets.append(t)
    return targets, skipped


def heaviest(user, model, lookup: str):
    """The object of ``model`` in the user's scope with most rows in its largest one-to-many
    relation (the largest pay run, the fullest session …); None when the user sees none."""
    from django.db.models import Count

    from core.scope import scoped

    try:
        qs = scoped(user, model)
    except Exception:  # not a scoped model: everyone sees all
        qs = model._default_manager.all()
    best, best_n = None, -1
    for rel in model._meta.related_objects:
        if not rel.one_to_many or rel.related_model._meta.model_name.startswith("historical"):
            continue
        fk = rel.field.attname
        try:
            row = (
                rel.related_model._base_manager.filter(**{f"{fk}__in": qs.values("pk")})
                .values(fk)
                .annotate(n=Count("pk"))
                .order_by("-n", fk)
                .first()
            )
        except Exception:  # noqa: S112 (a relation that cannot be counted this way: try the next)
            continue
        if row and row["n"] > best_n:
            best, best_n = row[fk], row["n"]
    if best is None:
        best = qs.order_by("-pk").values_list("pk", flat=True).first()
    if best is None:
        return None
    if lookup == "pk":
        return best
    return model._default_manager.filter(pk=best).values_list(lookup, flat=True).first()


# ---------------------------------------------------------------------------------------------
# Seeding and timing
# ---------------------------------------------------------------------------------------------


def seed_if_empty(args) -> str:
    from django.core.management import call_command

    from cadres.models import Township

    call_command("migrate", verbosity=0)
    if Township.objects.exists():
        return "reused"
    started = time.perf_counter()
    options = {"scale": args.scale, "seed": args.seed, "force": True}
    if args.townships:
        options["townships"] = args.townships
    call_command("seed_demo", stdout=open(os.devnull, "w"), **options)  # noqa: SIM115
    return f"seeded in {time.perf_counter() - started:.0f} s"


def measure(args, targets) -> list[dict]:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from cadres.models import User
    from core.dates import today

    users = [User.objects.get(username=u) for u in args.users.split(",")]
    rows = []
    for user in users:
        client = Client()
        client.force_login(user)
        for t in targets:
            if t.kind == "home" and not user.sees_all_townships:
                variants = [("home", False)]
            elif t.kind == "home":
                variants = [("home-cold", True), ("home", False)]
            else:
                variants = [(t.kind, False)]
            if t.kwarg_names:
                value = heaviest(user, t.model, t.lookup)
                if value is None:
                    rows.append({"kind": t.kind, "name": t.name, "user": user.username, "status": "无数据", "url": t.route})
                    continue
                url = reverse(t.name, kwargs={t.kwarg_names[0]: value, **t.fixed})
            else:
                url = reverse(t.name, kwargs=t.fixed or None)
            accept = "application/json" if url.startswith("/api/") else "text/html"
            if t.kind == "report" and url.startswith("/api/") and client.get(url, HTTP_ACCEPT=accept).status_code == 400:
                url = f"{url}?year={today().year}"  # an API report that needs its year: the current one
            for kind, cold in variants:

                def get(url=url, cold=cold, accept=accept):
                    if cold:
                        cache.clear()
                    return client.get(url, HTTP_ACCEPT=accept)

                response = get()
                if response.status_code == 403:
                    rows.append({"kind": kind, "name": t.name, "user": user.username, "status": "无权限", "url": url})
                    continue
                if response.status_code != 200:
                    rows.append({"kind": kind, "name": t.name, "user": user.username, "status": response.status_code, "url": url})
                    continue
                with CaptureQueriesContext(connection) as captured:
                    response = get()
                queries = len(captured.captured_queries)
                samples = []
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    get()
                    samples.append(time.perf_counter() - t0)
                ms = statistics.median(samples) * 1000
                size = len(response.content)
                over = ms > TARGET_MS[kind] or size > TARGET_BYTES.get(kind, 1 << 62)
                rows.append(
                    {
                        "kind": kind,
                        "name": t.name,
                        "user": user.username,
                        "url": url,
                        "status": 200,
                        "ms": round(ms, 1),
                        "max_ms": round(max(samples) * 1000, 1),
                        "queries": queries,
                        "bytes": size,
                        "target_ms": TARGET_MS[kind],
                        "over": over,
                    }
                )
    return rows


def format_table(rows: list[dict], header: str) -> str:
    timed = sorted((r for r in rows if r["status"] == 200), key=lambda r: -r["ms"])
    failed = [r for r in rows if r["status"] != 200]
    lines = [header, "", f"{'':2}{'ms':>8}{'max':>8}{'queries':>8}{'KiB':>8}  {'kind':<11}{'user':<9}url", "-" * 100]
    for r in timed:
        mark = "✗" if r["over"] else " "
        lines.append(
            f"{mark:2}{r['ms']:>8.1f}{r['max_ms']:>8.1f}{r['queries']:>8}{r['bytes'] / 1024:>8.0f}  {r['kind']:<11}{r['user']:<9}{r['url']}"
        )
    lines.extend(f"! {'':>32}  {r['kind']:<11}{r['user']:<9}{r['url']}  → {r['status']}" for r in failed)
    over = [r for r in timed if r["over"]]
    by_kind: dict[str, list[int]] = {}
    for r in timed:
        stats = by_kind.setdefault(r["kind"], [0, 0])
        stats[0] += 1
        stats[1] += r["over"]
    lines.append("")
    lines.append(
        "over target: "
        + ", ".join(
            f"{k} {v[1]}/{v[0]} (≤ {TARGET_MS[k]} ms{', ≤ 1 MB' if k in TARGET_BYTES else ''})"
            for k, v in sorted(by_kind.items())
        )
    )
    errors = sum(r["status"] not in ("无数据", "无权限") for r in failed)
    lines.append(
        f"{len(over)} of {len(timed)} measurements over target; {len(failed) - errors} not measured (无数据/无权限); {errors} errors"
    )
    return "\n".join(lines)


def run(args) -> int:
    from django.db import connection

    from cadres.models import Person, Township, Village
    from subsidies.models import LedgerEntry

    how = seed_if_empty(args)
    targets, skipped = enumerate_targets(args.only)
    before = machine_speed()
    rows = measure(args, targets)
    after = machine_speed()
    sizes = (
        f"{Township.objects.count()} townships, {Village.objects.count():,} villages, "
        f"{Person.objects.count():,} people, {LedgerEntry.objects.count():,} ledger entries"
    )
    header = (
        f"头雁 Touyan page bench — {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, Python {platform.python_version()}, "
        f"{connection.vendor}, scale {args.scale} ({how}), repeat {args.repeat}, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n"
        f"data: {sizes}\n"
        f"machine speed at the start → end of the run (compare runs by these): Python loop {before['python_ms']:.0f} → "
        f"{after['python_ms']:.0f} ms, query round trip {before['query_ms']:.3f} → {after['query_ms']:.3f} ms\n"
        f"{len(targets)} pages from the URLconf ({len(skipped)} forms/actions/files skipped); "
        "median server time (test client), ✗ = over target"
    )
    report = format_table(rows, header)
    print(report)
    if not args.no_results:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")
        payload = {
            "scale": args.scale,
            "vendor": connection.vendor,
            "repeat": args.repeat,
            "machine": {"start": before, "end": after},
            "results": rows,
            "skipped": skipped,
        }
        (RESULTS / f"pages-{stamp}.json").write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
        (RESULTS / f"pages-{stamp}.txt").write_text(report + "\n", encoding="utf-8")
    if any(r["status"] not in (200, "无数据", "无权限") for r in rows):
        return 1
    if any(r.get("over") for r in rows) and not args.no_fail:
        return 2
    return 0


def machine_speed() -> dict[str, float]:
    """How fast this machine is right now, by two fixed workloads (best of five): a pure-Python
    loop, and a round trip of ``SELECT 1`` to the database. These machines' speed varies by up to
    1.8× between runs; a page's time means something next to these two figures of the same run."""
    from django.db import connection

    def best(fn, times: int = 5) -> float:
        out = []
        for _ in range(times):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
        return min(out)

    def loop():
        total = 0
        for i in range(1_000_000):
            total += i * i % 7
        return total

    def queries():
        with connection.cursor() as cur:
            for _ in range(100):
                cur.execute("SELECT 1")
                cur.fetchone()

    return {"python_ms": best(loop) * 1000, "query_ms": best(queries) * 1000 / 100}


def main(argv=None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="touyan-bench-pages-"))
    db_path = Path(args.sqlite).resolve() if args.sqlite else workdir / "bench.sqlite3"
    try:
        configure(db_path, args.database_url)
        return run(args)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
