"""List-page and API benchmark: how much does a page cost on top of its own data?

    make bench                               # = .venv/bin/python bench/run.py (scale 2)
    .venv/bin/python bench/run.py --scale 5 --repeat 30

Seeds a ``--scale N`` demo county into a temporary SQLite file, then times, with Django's test
client logged in as county staff and as a township clerk:

* the person list page   (URL name ``cadres:person_list``)
* the village list page  (URL name ``cadres:village_list``)
* the people API list    (``/api/v1/people/``)

Each target is compared with a *baseline measured in the same run*: the raw scoped queryset for
the same user, with select_related, evaluated to a list of the same 50 rows. The ratio
page ÷ baseline is the page's overhead (templates, serializers, counts, prefetches). Query
counts come from one extra, captured request. A target whose URL does not resolve is skipped
with a message. Results go to bench/results/ (git-ignored) as JSON and as the printed table.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PAGE = 50


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=2, help="seed_demo --scale (default 2 ≈ two counties)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per target (median reported)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the temporary database and print its path")
    return parser.parse_args()


def configure(db_path: Path) -> None:
    """Production-like settings (DEBUG off: no query log, real template caching) on a temp DB."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _env import production_django

    production_django(db_path)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="touyan-bench-"))
    db_path = workdir / "bench.sqlite3"
    configure(db_path)

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, Resolver404, resolve, reverse

    from cadres.models import Person, Township, User, Village
    from core.scope import scoped

    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrate_s = time.perf_counter() - started
        started = time.perf_counter()
        call_command("seed_demo", scale=args.scale, seed=args.seed, force=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
        seed_s = time.perf_counter() - started
        sizes = {
            "townships": Township.objects.count(),
            "villages": Village.objects.count(),
            "people": Person.objects.count(),
        }
        print(
            f"scale {args.scale}: {sizes['townships']} townships, {sizes['villages']:,} villages, {sizes['people']:,} people "
            f"(migrate {migrate_s:.1f} s, seed_demo {seed_s:.1f} s)"
        )

        def url_for(name: str) -> str | None:
            try:
                return reverse(name)
            except NoReverseMatch:
                return None

        def path_ok(path: str) -> str | None:
            try:
                resolve(path)
            except Resolver404:
                return None
            return path

        def people_baseline(user):
            return lambda: list(scoped(user, Person).select_related("registered_township").order_by("name", "id")[:PAGE])

        def villages_baseline(user):
            return lambda: list(scoped(user, Village).select_related("township").order_by("township__sort_order", "code")[:PAGE])

        targets = [
            ("人员列表页 person list", url_for("cadres:person_list"), "cadres:person_list", people_baseline),
            ("村(社区)列表页 village list", url_for("cadres:village_list"), "cadres:village_list", villages_baseline),
            ("人员接口 people API", path_ok("/api/v1/people/"), "/api/v1/people/", people_baseline),
        ]
        users = [User.objects.get(username="county"), User.objects.get(username="clerk01")]

        rows = []
        for label, url, name, baseline_factory in targets:
            if url is None:
                print(f"SKIP {label}: {name} does not resolve (not built yet?)")
                continue
            for user in users:
                client = Client()
                client.force_login(user)
                baseline = baseline_factory(user)

                def page(client=client, url=url):
                    return client.get(url, HTTP_ACCEPT="application/json" if url.startswith("/api/") else "text/html")

                response = page()
                if response.status_code != 200:
                    print(f"SKIP {label} as {user.username}: HTTP {response.status_code}")
                    continue
                # counted at once: every request resets connection.queries_log (request_started)
                with CaptureQueriesContext(connection) as captured:
                    page()
                page_queries = len(captured.captured_queries)
                with CaptureQueriesContext(connection) as captured:
                    base_rows = baseline()
                base_queries = len(captured.captured_queries)
                for _ in range(args.warmup):
                    page()
                    baseline()
                page_t, base_t = [], []
                for _ in range(args.repeat):  # interleaved, so drift hits both alike
                    t0 = time.perf_counter()
                    page()
                    page_t.append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    baseline()
                    base_t.append(time.perf_counter() - t0)
                result = {
                    "target": label,
                    "url": url,
                    "user": user.username,
                    "scope": "全县" if user.sees_all_townships else user.township.name,
                    "page_ms": round(median_ms(page_t), 2),
                    "page_p90_ms": round(sorted(page_t)[int(0.9 * (len(page_t) - 1))] * 1000, 2),
                    "page_queries": page_queries,
                    "baseline_ms": round(median_ms(base_t), 3),
                    "baseline_queries": base_queries,
                    "baseline_rows": len(base_rows),
                    "bytes": len(response.content),
                }
                result["ratio"] = round(result["page_ms"] / result["baseline_ms"], 1) if result["baseline_ms"] else None
                rows.append(result)

        header = (
            f"{'target':<34}{'user':<9}{'median ms':>10}{'p90 ms':>9}{'queries':>9}"
            f"{'baseline ms':>13}{'base q':>8}{'ratio':>8}{'KiB':>7}"
        )
        lines = [
            f"头雁 Touyan bench — {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, "
            f"Python {platform.python_version()}, SQLite, scale {args.scale}, repeat {args.repeat}",
            f"data: {sizes['townships']} townships, {sizes['villages']:,} villages, {sizes['people']:,} people",
            "ratio = page median ÷ baseline median (baseline: scoped queryset, select_related, same 50 rows → list)",
            "",
            header,
            "-" * len(header),
        ]
        for r in rows:
            label = r["target"]
            pad = 34 - sum(2 if ord(ch) > 0x2E80 else 1 for ch in label)
            lines.append(
                f"{label}{' ' * max(pad, 1)}{r['user']:<9}{r['page_ms']:>10.1f}{r['page_p90_ms']:>9.1f}{r['page_queries']:>9}"
                f"{r['baseline_ms']:>13.2f}{r['baseline_queries']:>8}{r['ratio'] or 0:>7.1f}×{r['bytes'] / 1024:>7.0f}"
            )
        if not rows:
            lines.append("(no target resolved: nothing measured)")
        report = "\n".join(lines)
        print()
        print(report)

        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")
        payload = {"scale": args.scale, "seed": args.seed, "repeat": args.repeat, "sizes": sizes, "results": rows}
        (RESULTS / f"bench-{stamp}.json").write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
        (RESULTS / f"bench-{stamp}.txt").write_text(report + "\n", encoding="utf-8")
        (RESULTS / "latest.txt").write_text(report + "\n", encoding="utf-8")
        print(f"\nresults: {RESULTS.relative_to(ROOT)}/bench-{stamp}.json")
        return 0
    finally:
        connection.close()
        if args.keep:
            print(f"database kept: {db_path}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
