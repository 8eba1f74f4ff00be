"""Dashboard (首页) benchmark: cold and warm render at prefecture scale, against a trivial page.

    .venv/bin/python bench/dashboard.py                     # seed_demo --scale 20 into a temp SQLite file
    .venv/bin/python bench/dashboard.py --scale 5 --repeat 10
    .venv/bin/python bench/dashboard.py --sqlite /tmp/dash20.sqlite3              # seed once, re-run in seconds
    .venv/bin/python bench/dashboard.py --database-url postgres://…/touyan_bench   # an EMPTY PostgreSQL DB

Times, with Django's test client (server time, no network), logged in as county staff and as a
township clerk:

* warm — the cached dashboard (one version-token query + live items);
* after a write — a village record is saved before every request (a register write: the
  register part of every scope is out of date). With settings.DASHBOARD_BACKGROUND_REFRESH (on in
  production) the page shows the previous register figures, says "正在更新", and queues one
  refresh job; the job is not run here (recorded), its own time is measured separately;
* refresh job — what the worker then spends: dashboard_refresh for the scope after a write;
* cold — the cache is cleared before every request, so every figure, chart and queue is computed
  in the request: what a scope costs before it was ever computed (the morning warm-up and the
  warm-up at worker start compute every scope, drill-downs included, in the background);
* drill — county staff narrowed to one township (``?township=<id>``).

Each is compared with a *baseline measured in the same run*: the login page rendered for an
anonymous client (template + middleware, no data), so ratio = dashboard ÷ trivial page. Wall
time and this process's CPU time are both printed (SQLite runs in-process, so CPU time is what
the request costs; wall time also counts waiting for a CPU on a busy machine). Target
(issue #8): under 300 ms server time with a bounded number of queries, for every request a
user makes (warm, and after a write); the cold render and the refresh job are background work and
are reported, not judged. Results are printed and written to bench/results/dashboard-*.json
(git-ignored).

Exit status: 0 when every request answered 200 and every warm and after-write render is under the
target on the median wall time; 1 when a request failed; 2 when one is over the target
(``--no-fail`` reports it and exits 0, e.g. on a machine busy with other work).
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
TARGET_MS = 300


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=20, help="seed_demo --scale (default 20 ≈ a prefecture)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per target (median reported)")
    parser.add_argument("--database-url", default="", help="use this (empty) database instead of a temp SQLite file")
    parser.add_argument(
        "--sqlite", default="", help="SQLite file to use; seeded only if empty, kept afterwards (re-runs are fast)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary database and print its path")
    parser.add_argument("--no-fail", action="store_true", help=f"exit 0 even when a cold render's median is over {TARGET_MS} ms")
    return parser.parse_args()


def configure(db_path: Path, database_url: str) -> None:
    """Production-like settings (DEBUG off, local-memory cache) on a temporary database."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _env import production_django

    production_django(db_path, database_url)


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="touyan-bench-dash-"))
    db_path = Path(args.sqlite).resolve() if args.sqlite else workdir / "bench.sqlite3"
    try:
        configure(db_path, args.database_url)
        return run(args)
    finally:
        if args.keep and not args.sqlite:
            kept = Path(tempfile.gettempdir()) / f"touyan-bench-dash-{os.getpid()}.sqlite3"
            shutil.move(db_path, kept)
            print(f"database kept: {kept}")
        shutil.rmtree(workdir, ignore_errors=True)


def seed(args: argparse.Namespace) -> None:
    from django.core.management import call_command

    from cadres.models import Township

    try:
        call_command("seed_demo", scale=args.scale, seed=args.seed, force=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
    except Exception as exc:  # a domain app's demo data failing must not hide the register's numbers
        if not Township.objects.exists():
            raise
        print(f"WARNING: seed_demo stopped in a domain app's demo data ({type(exc).__name__}: {exc}); measuring the register")


def run(args: argparse.Namespace) -> int:

    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from cadres.models import Appointment, Person, Township, User, Village

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if Township.objects.exists():
        print("database already seeded: reusing it")
    else:
        seed(args)
    seed_s = time.perf_counter() - started
    sizes = {
        "townships": Township.objects.count(),
        "villages": Village.objects.count(),
        "people": Person.objects.count(),
        "appointments": Appointment.objects.count(),
    }
    print(
        f"{connection.vendor}, scale {args.scale}: {sizes['townships']} townships, {sizes['villages']:,} villages, "
        f"{sizes['people']:,} people, {sizes['appointments']:,} appointments (migrate + seed {seed_s:.0f} s)"
    )

    county = User.objects.get(username="county")
    clerk = User.objects.get(username="clerk01")
    drill_township = Township.objects.order_by("sort_order", "code").first()
    home = reverse("home")
    login_url = reverse("login")

    from django.conf import settings

    from core import dashboard as dash
    from core import tasks

    queued: list[dict] = []
    tasks.dashboard_refresh_task.delay = lambda **kwargs: queued.append(kwargs)  # recorded, not run
    touch_village = Village.objects.order_by("pk").first()

    def write() -> None:
        """A register write, as a clerk's edit leaves it: the row and its history row."""
        touch_village.save()

    def measure(client: Client, url: str, *, mode: str) -> tuple[float, float, int, int]:
        """(median wall ms, median CPU ms of this process, queries of one request, HTTP status).

        SQLite runs inside the process, so CPU time ≈ the wall time on an idle machine; it is
        reported too because a busy CI/dev machine (other test runs) inflates wall time."""
        samples, cpu = [], []
        settings.DASHBOARD_BACKGROUND_REFRESH = mode == "write"
        client.get(url)  # fill the cache
        for _ in range(args.repeat):
            if mode == "cold":
                cache.clear()
            elif mode == "write":
                write()
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get(url)
            samples.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            if mode == "write":
                assert "正在后台重新统计" in response.content.decode(), "after a write the page shows the previous figures"
        if mode == "cold":
            cache.clear()
        elif mode == "write":
            write()
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return (
            statistics.median(samples) * 1000,
            statistics.median(cpu) * 1000,
            len(captured.captured_queries),
            response.status_code,
        )

    def measure_job(user, township_id) -> tuple[float, float, int, int]:
        samples, cpu = [], []
        for _ in range(min(args.repeat, 5)):
            write()
            t0, c0 = time.perf_counter(), time.process_time()
            dash.dashboard_refresh(user=user, township_id=township_id)
            samples.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        write()
        with CaptureQueriesContext(connection) as captured:
            dash.dashboard_refresh(user=user, township_id=township_id)
        return statistics.median(samples) * 1000, statistics.median(cpu) * 1000, len(captured.captured_queries), 200

    anonymous = Client()
    anonymous.get(login_url)
    baseline_ms, baseline_cpu, baseline_q, _ = measure(anonymous, login_url, mode="warm")

    rows = []
    for user, label in ((county, "county"), (clerk, "clerk01")):
        client = Client()
        client.force_login(user)
        client.get(home)
        drill = f"{home}?township={drill_township.pk}"
        plan = [("warm", home, "warm"), ("after write", home, "write"), ("refresh job", None, None), ("cold", home, "cold")]
        if user.sees_all_townships:
            plan += [("drill warm", drill, "warm"), ("drill write", drill, "write"), ("drill cold", drill, "cold")]
        for mode, url, how in plan:
            if url is None:
                ms, cpu_ms, queries, status = measure_job(user, None)
            else:
                ms, cpu_ms, queries, status = measure(client, url, mode=how)
            rows.append(
                {
                    "user": label,
                    "mode": mode,
                    "judged": how in ("warm", "write"),
                    "median_ms": round(ms, 1),
                    "cpu_ms": round(cpu_ms, 1),
                    "queries": queries,
                    "status": status,
                    "ratio": round(ms / baseline_ms, 1),
                    "under_target": ms < TARGET_MS,
                    "cpu_under_target": cpu_ms < TARGET_MS,
                }
            )

    header = f"{'user':<9}{'mode':<13}{'median ms':>10}{'cpu ms':>8}{'queries':>9}{'× baseline':>12}{'< 300 ms':>15}"
    lines = [
        f"头雁 Touyan dashboard bench — {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, "
        f"Python {platform.python_version()}, {connection.vendor}, scale {args.scale}, repeat {args.repeat}",
        f"data: {sizes['townships']} townships, {sizes['villages']:,} villages, {sizes['people']:,} people",
        f"baseline: login page (anonymous, no data) {baseline_ms:.1f} ms (CPU {baseline_cpu:.1f} ms), {baseline_q} queries; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
        "",
        header,
        "-" * len(header),
    ]
    lines += [
        f"{r['user']:<9}{r['mode']:<13}{r['median_ms']:>10.1f}{r['cpu_ms']:>8.1f}{r['queries']:>9}{r['ratio']:>12.1f}"
        f"{('yes' if r['under_target'] else 'NO') if r['judged'] else '(background)' if r['mode'] == 'refresh job' else '(not judged)':>15}"
        for r in rows
    ]
    lines.append(
        "\nJudged: what users wait for (warm, after a write). Not judged: the refresh job runs on the worker; a cold"
        "\nrender happens only for a scope never computed (warm-ups at 06:30 and at worker start cover every scope)."
    )
    lines.append(f"refresh jobs queued by the after-write requests: {len(queued)}")
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"dashboard-{datetime.datetime.now().astimezone():%Y%m%d-%H%M%S}.json"
    out.write_text(
        json.dumps({"sizes": sizes, "baseline_ms": round(baseline_ms, 2), "rows": rows}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    print(f"\nresults: {out.relative_to(ROOT)}")
    return verdict(rows, no_fail=args.no_fail)


def verdict(rows: list[dict], *, no_fail: bool = False) -> int:
    """Print the outcome against the target and return the exit status (see the module docstring)."""
    failed = [r for r in rows if r["status"] != 200]
    slow = [r for r in rows if r.get("judged") and not r["under_target"]]
    for r in failed:
        print(f"FAIL: {r['user']} {r['mode']} answered HTTP {r['status']}")
    for r in slow:
        print(f"{'over target' if no_fail else 'FAIL'}: {r['user']} {r['mode']} median {r['median_ms']:.1f} ms ≥ {TARGET_MS} ms")
    if failed:
        return 1
    if slow and not no_fail:
        return 2
    if not slow:
        print(f"OK: every warm and after-write render under {TARGET_MS} ms (median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
