"""Reserve-pool benchmark: what do its pages cost on top of their own data?

    .venv/bin/python bench/reserves_pages.py                 # scale 1 (one demo county)
    .venv/bin/python bench/reserves_pages.py --scale 5 --repeat 20

Seeds a ``--scale N`` demo county (register + reserves.demo) into a temporary SQLite file and
times, logged in as county staff and as a township clerk:

* the candidate list page (``reserves:candidate_list``) and the API list (``/api/v1/reserves/candidates/``)
  against a baseline of the raw scoped queryset with select_related, 50 rows;
* the coverage page (``reserves:coverage``) against a baseline of one scoped GROUP BY count of
  pool members per village plus the scoped village list;
* the structure page (``reserves:structure``) against a baseline of the scoped pool members' values.

Ratios page ÷ baseline are measured in the same run (no absolute thresholds). Query counts come
from one extra, captured request. Results are printed and written to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import RESULTS, configure, median_ms

PAGE = 50


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=2)
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="touyan-bench-reserves-"))
    configure(workdir / "bench.sqlite3")

    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from cadres.models import User, Village
    from core.scope import scoped
    from reserves.models import ReserveCandidate
    from reserves.selectors import default_cohort

    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("seed_demo", scale=args.scale, seed=args.seed, force=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(
            f"scale {args.scale}: {Village.objects.count():,} villages, {ReserveCandidate.objects.count():,} reserves "
            f"(setup {time.perf_counter() - started:.1f} s)"
        )
        cohort = default_cohort()

        def list_baseline(user):
            return lambda: list(
                scoped(user, ReserveCandidate).select_related("person", "village__township").order_by("id")[:PAGE]
            )

        def coverage_baseline(user):
            def run():
                list(scoped(user, Village).select_related("township"))
                list(
                    scoped(user, ReserveCandidate)
                    .pooled()
                    .filter(cohort=cohort)
                    .values("village_id")
                    .annotate(n=Count("id"))
                    .order_by()
                )

            return run

        def structure_baseline(user):
            return lambda: list(
                scoped(user, ReserveCandidate)
                .pooled()
                .filter(cohort=cohort)
                .values_list("village__township_id", "person__birth_date", "person__education_fulltime", "person__sex")
            )

        targets = [
            ("后备力量列表页 candidate list", reverse("reserves:candidate_list"), list_baseline),
            ("后备力量接口 candidates API", "/api/v1/reserves/candidates/", list_baseline),
            ("覆盖情况页 coverage", reverse("reserves:coverage"), coverage_baseline),
            ("结构分析页 structure", reverse("reserves:structure"), structure_baseline),
        ]
        users = [User.objects.get(username="county"), User.objects.get(username="clerk01")]
        rows = []
        for label, url, baseline_factory in targets:
            for user in users:
                client = Client()
                client.force_login(user)
                baseline = baseline_factory(user)
                for _ in range(args.warmup):
                    assert client.get(url).status_code == 200, url
                    baseline()
                page_t, base_t = [], []
                for _ in range(args.repeat):
                    t = time.perf_counter()
                    client.get(url)
                    page_t.append(time.perf_counter() - t)
                    t = time.perf_counter()
                    baseline()
                    base_t.append(time.perf_counter() - t)
                with CaptureQueriesContext(connection) as ctx:
                    client.get(url)
                page_ms, base_ms = median_ms(page_t), median_ms(base_t)
                rows.append(
                    {
                        "target": label,
                        "user": user.username,
                        "page_ms": round(page_ms, 2),
                        "baseline_ms": round(base_ms, 2),
                        "ratio": round(page_ms / base_ms, 2) if base_ms else None,
                        "queries": len(ctx.captured_queries),
                    }
                )
        lines = [f"{'target':<36} {'user':<8} {'page ms':>9} {'base ms':>9} {'ratio':>7} {'queries':>8}"]
        lines += [
            f"{r['target']:<36} {r['user']:<8} {r['page_ms']:>9.2f} {r['baseline_ms']:>9.2f} {r['ratio']:>7.2f} {r['queries']:>8}"
            for r in rows
        ]
        print("\n".join(lines))
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        (RESULTS / f"reserves-{stamp}.json").write_text(
            json.dumps({"scale": args.scale, "rows": rows}, ensure_ascii=False, indent=1)
        )
        (RESULTS / f"reserves-{stamp}.txt").write_text("\n".join(lines) + "\n")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
