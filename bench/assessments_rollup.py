"""Year-rollup benchmark of the annual review (双述双评) at prefecture scale.

    .venv/bin/python bench/assessments_rollup.py                  # 360 townships × 139 ≈ 50,000 reviews
    .venv/bin/python bench/assessments_rollup.py --townships 50 --per-township 40   # quick

Builds, in a temporary SQLite file, ``--townships`` townships with ``--per-township`` villages,
one secretary each, one review per secretary with both ballots entered (bulk inserts, like
``seed_demo``) — for two years: year A with ``--small`` reviews per township, year B with
``--per-township``. Then, for year B:

* baseline: a raw aggregate over the same rows (reviews ⨝ tallies, GROUP BY township), the
  cheapest query that touches every ballot — measured in the same run;
* rollup: ``assessments.services.review_year_rollup`` (what the Celery task runs), first run;
* rerun: the same rollup again (idempotent: nothing is written).

It prints time, ratio to the baseline and query counts, and checks that the rollup's query
count depends on the number of townships only, not on the reviews per township (year A vs B).
Target: the first rollup under 60 s. Results go to bench/results/ as JSON and text.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--townships", type=int, default=360)
    parser.add_argument("--per-township", type=int, default=139, help="reviews per township in the measured year")
    parser.add_argument("--small", type=int, default=5, help="reviews per township in the comparison year")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the temporary database and print its path")
    return parser.parse_args()


def configure(db_path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SQLITE_PATH": str(db_path),
            "DEBUG": "0",
            "CELERY_EAGER": "1",
            "SECRET_KEY": "bench-only-" + "x" * 50,
            "ALLOWED_HOSTS": "testserver,localhost",
        }
    )
    import django

    django.setup()


def build(*, townships: int, per_big: int, per_small: int, rng: random.Random) -> tuple[int, int]:
    from assessments.choices import Phase
    from assessments.models import AnnualReview, BallotTally, ReviewCampaign
    from cadres.idcard import make_id_number
    from cadres.models import Person, Township, Village

    big, small = 2025, 2024
    ts = [Township(name=f"基准{t:03d}镇", code=f"{430100000 + t}", sort_order=t) for t in range(townships)]
    Township.objects.bulk_create(ts, batch_size=2000)
    villages, people = [], []
    n = 0
    for t in ts:
        for v in range(per_big):
            villages.append(Village(township=t, name=f"{t.name}{v:03d}村", code=f"{430000000000 + t.sort_order * 1000 + v}"))
            born = datetime.date(1970, 1, 1) + datetime.timedelta(days=n // 100)
            people.append(
                Person(id_number=make_id_number("430122", born, n % 100, True), name=f"书记{n:05d}", sex="M", birth_date=born)
            )
            n += 1
    Village.objects.bulk_create(villages, batch_size=2000)
    Person.objects.bulk_create(people, batch_size=2000)
    for year, per in ((small, per_small), (big, per_big)):
        campaign = ReviewCampaign.objects.create(year=year, title=f"{year}年度", phase=Phase.GRADE)
        reviews = []
        for i, (village, person) in enumerate(zip(villages, people, strict=True)):
            if i % per_big >= per:
                continue
            reviews.append(
                AnnualReview(
                    campaign=campaign,
                    year=year,
                    person=person,
                    village=village,
                    township_id=village.township_id,
                    post_code="secretary",
                    post_name="村党组织书记",
                    service_years=rng.randint(0, 15),
                    daily_score=Decimal(rng.randint(60, 99)),
                    village_score=Decimal(rng.randint(55, 99)),
                )
            )
        AnnualReview.objects.bulk_create(reviews, batch_size=2000)
        tallies = []
        for r in reviews:
            for group, entitled in (("township", 15), ("members", 50)):
                good = rng.random() < 0.2
                attended = entitled if rng.random() > 0.01 else entitled // 2
                competent = round(attended * (rng.uniform(0.9, 1.0) if good else rng.uniform(0.6, 0.92)))
                incompetent = rng.randint(0, attended - competent)
                tallies.append(
                    BallotTally(
                        review=r,
                        group=group,
                        entitled=entitled,
                        attended=attended,
                        counts={"competent": competent, "basic": attended - competent - incompetent, "incompetent": incompetent},
                    )
                )
        BallotTally.objects.bulk_create(tallies, batch_size=2000)
    return AnnualReview.objects.filter(year=big).count(), AnnualReview.objects.filter(year=small).count()


def timed(fn):
    """(seconds, SELECT count, write-statement count, value). Counted with an execute wrapper,
    so the count is exact however many statements run (no query-log cap)."""
    from django.db import connection

    counts = {"select": 0, "write": 0}

    def count(execute, sql, params, many, context):
        counts["select" if sql.lstrip().upper().startswith("SELECT") else "write"] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        value = fn()
        elapsed = time.perf_counter() - started
    return elapsed, counts["select"], counts["write"], value


def main() -> None:
    args = parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="touyan-assess-bench-"))
    configure(tmp / "bench.sqlite3")
    from django.core.management import call_command
    from django.db.models import Count, Sum

    from assessments import services
    from assessments.models import AnnualReview, BallotTally, ReviewResult

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    big, small = build(townships=args.townships, per_big=args.per_township, per_small=args.small, rng=random.Random(args.seed))
    build_s = time.perf_counter() - started

    def baseline():
        rows = list(
            BallotTally.objects.filter(review__year=2025)
            .values("review__township_id")
            .annotate(n=Count("id"), attended=Sum("attended"), daily=Sum("review__daily_score"))
        )
        return len(rows), AnnualReview.objects.filter(year=2025).count()

    base_s, base_q, _, _ = timed(baseline)
    small_s, small_q, small_w, _ = timed(lambda: services.review_year_rollup(year=2024))
    roll_s, roll_q, roll_w, run = timed(lambda: services.review_year_rollup(year=2025))
    rerun_s, rerun_q, rerun_w, rerun = timed(lambda: services.review_year_rollup(year=2025))
    assert run.status == "done", run.message
    assert rerun.counts["updated"] == 0 and rerun.counts["created"] == 0, rerun.counts
    assert ReviewResult.objects.filter(year=2025).count() == big
    per_township_queries = {"small": {"select": small_q, "write": small_w}, "big": {"select": roll_q, "write": roll_w}}

    lines = [
        f"Touyan assessments rollup benchmark — {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M}, {platform.python_implementation()} "
        f"{platform.python_version()}, SQLite, {os.cpu_count()} CPUs",
        f"dataset: {args.townships} townships; year 2025: {big} reviews ({args.per_township}/township, {2 * big} ballot tallies); "
        f"year 2024: {small} reviews ({args.small}/township); built in {build_s:.1f} s",
        "",
        f"{'target':<40}{'time (s)':>10}{'× baseline':>12}{'SELECTs':>10}{'writes':>10}",
        f"{'baseline: aggregate over the same rows':<40}{base_s:>10.3f}{1:>12.1f}{base_q:>10}{0:>10}",
        f"{'rollup 2025 (first run)':<40}{roll_s:>10.2f}{roll_s / base_s:>12.1f}{roll_q:>10}{roll_w:>10}",
        f"{'rollup 2025 (rerun, writes nothing)':<40}{rerun_s:>10.2f}{rerun_s / base_s:>12.1f}{rerun_q:>10}{rerun_w:>10}",
        f"{'rollup 2024 (' + str(args.small) + '/township)':<40}{small_s:>10.2f}{small_s / base_s:>12.1f}{small_q:>10}{small_w:>10}",
        "",
        f"reads: {small_q} SELECTs with {args.small} reviews/township vs {roll_q} with {args.per_township}/township "
        f"({args.townships} townships) — {'independent of reviews per township' if small_q == roll_q else 'DIFFERENT'}; "
        "writes are bulk statements (≤500 rows each; SQLite's 999-parameter limit splits them further)",
        f"target < 60 s: {'OK' if roll_s < 60 else 'MISSED'} ({roll_s:.1f} s); run message: {run.message}",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"assessments-rollup-{stamp}.txt").write_text(text + "\n", encoding="utf-8")
    (RESULTS / f"assessments-rollup-{stamp}.json").write_text(
        json.dumps(
            {
                "townships": args.townships,
                "reviews": big,
                "baseline_s": base_s,
                "rollup_s": roll_s,
                "rerun_s": rerun_s,
                "ratio": roll_s / base_s,
                "queries": per_township_queries,
                "rerun_queries": rerun_q,
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    if args.keep:
        print(f"database kept: {tmp / 'bench.sqlite3'}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
