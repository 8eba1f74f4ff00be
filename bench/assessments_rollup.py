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

    .venv/bin/python bench/assessments_rollup.py --database-url postgres://postgres@127.0.0.1:5432/postgres --worker

runs the same on a temporary PostgreSQL database (touyan_bench_rollup_<pid>, dropped at the end) and, with
``--worker``, times the first rollup as production runs it: ``review_rollup_year_task`` sent through Redis
(``--redis-url``) to a real Celery worker (solo pool) started for the run. Query counts are then taken from the
in-process runs on the same database (the comparison year and the rerun).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import shutil
import subprocess
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
    parser.add_argument(
        "--database-url", default="", help="PostgreSQL admin URL: run on a temporary database there instead of SQLite"
    )
    parser.add_argument("--worker", action="store_true", help="time the first rollup on a real Celery worker (needs Redis)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14", help="broker for --worker")
    return parser.parse_args()


def pg_database(admin_url: str, action: str, name: str) -> str:
    """CREATE/DROP a scratch PostgreSQL database; returns its URL."""
    import psycopg2

    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        if action == "create":
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cur.execute(f'CREATE DATABASE "{name}"')
        else:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()
    return admin_url.rsplit("/", 1)[0] + "/" + name


def configure(db_path: Path, *, database_url: str = "", redis_url: str = "") -> None:
    sys.path.insert(0, str(ROOT))
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SQLITE_PATH": str(db_path),
            "DEBUG": "0",
            "CELERY_EAGER": "0" if redis_url else "1",
            "SECRET_KEY": "bench-only-" + "x" * 50,
            "ALLOWED_HOSTS": "testserver,localhost",
        }
    )
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    import django

    django.setup()


def start_worker(log_path: Path) -> subprocess.Popen:
    """A real Celery worker on the same database and broker (environment inherited); waits until it answers."""
    from config.celery import app

    worker = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "celery"), "-A", "config", "worker", "--pool=solo", "-l", "warning",
         "-n", f"bench-rollup-{os.getpid()}@%h", "--without-gossip", "--without-mingle"],
        cwd=ROOT, stdout=log_path.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    for _ in range(120):
        if worker.poll() is not None:
            raise SystemExit(f"Celery worker died: see {log_path}")
        if app.control.ping(timeout=0.5):
            return worker
        time.sleep(0.5)
    worker.kill()
    raise SystemExit(f"Celery worker did not answer within 60 s: see {log_path}")


def on_worker(year: int) -> object:
    """The rollup as production runs it: a RollupRun, the task through the broker, wait for the worker."""
    from assessments.models import RollupRun
    from assessments.tasks import review_rollup_year_task

    run = RollupRun.objects.create(year=year)
    review_rollup_year_task.delay(run.pk).get(timeout=900)
    run.refresh_from_db()
    return run


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
        head = sql.lstrip().upper()
        # SELECT nextval(...) allocates ids for a COPY insert: a write, not a read
        counts["select" if head.startswith("SELECT") and not head.startswith("SELECT NEXTVAL") else "write"] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        value = fn()
        elapsed = time.perf_counter() - started
    return elapsed, counts["select"], counts["write"], value


def main() -> None:
    args = parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="touyan-assess-bench-"))
    if args.worker and not args.database_url:
        raise SystemExit(
            "--worker needs --database-url (the worker is another process: SQLite in a temp file would do, but production is PostgreSQL)"
        )
    db_name = f"touyan_bench_rollup_{os.getpid()}"
    db_url = pg_database(args.database_url, "create", db_name) if args.database_url else ""
    configure(tmp / "bench.sqlite3", database_url=db_url, redis_url=args.redis_url if args.worker else "")
    try:
        run_bench(args, tmp)
    finally:
        if db_url:
            from django.db import connections

            connections.close_all()
            pg_database(args.database_url, "drop", db_name)


def run_bench(args, tmp: Path) -> None:
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
    worker = None
    if args.worker:
        worker = start_worker(tmp / "worker.log")
        try:
            roll_s, _, _, run = timed(lambda: on_worker(2025))
        finally:
            worker.terminate()
            worker.wait(timeout=30)
        roll_q = roll_w = "(worker)"
    else:
        roll_s, roll_q, roll_w, run = timed(lambda: services.review_year_rollup(year=2025))
    rerun_s, rerun_q, rerun_w, rerun = timed(lambda: services.review_year_rollup(year=2025))
    assert run.status == "done", run.message
    if worker is not None:
        roll_q = rerun_q  # the rerun reads exactly what the first run read; writes are the first run's only

    assert rerun.counts["updated"] == 0 and rerun.counts["created"] == 0, rerun.counts
    assert ReviewResult.objects.filter(year=2025).count() == big
    per_township_queries = {"small": {"select": small_q, "write": small_w}, "big": {"select": roll_q, "write": roll_w}}

    lines = [
        f"Touyan assessments rollup benchmark — {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M}, {platform.python_implementation()} "
        f"{platform.python_version()}, {'PostgreSQL' if args.database_url else 'SQLite'}"
        f"{', first rollup on a real Celery worker (Redis)' if args.worker else ''}, {os.cpu_count()} CPUs",
        f"dataset: {args.townships} townships; year 2025: {big} reviews ({args.per_township}/township, {2 * big} ballot tallies); "
        f"year 2024: {small} reviews ({args.small}/township); built in {build_s:.1f} s",
        "",
        f"{'target':<40}{'time (s)':>10}{'× baseline':>12}{'SELECTs':>10}{'writes':>10}",
        f"{'baseline: aggregate over the same rows':<40}{base_s:>10.3f}{1:>12.1f}{base_q:>10}{0:>10}",
        f"{'rollup 2025 (first run' + (', worker)' if args.worker else ')'):<40}{roll_s:>10.2f}{roll_s / base_s:>12.1f}"
        f"{roll_q if not args.worker else '–':>10}{roll_w if not args.worker else '–':>10}",
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
    if args.keep and not args.database_url:
        print(f"database kept: {tmp / 'bench.sqlite3'}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
