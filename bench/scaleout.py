"""Scale-out benchmark (issue #15, "Scale out, not up"): the annual-review rollup and the pay run on
real Celery workers, first one worker process, then two, and the speedup.

    createdb -h 127.0.0.1 -U postgres -T s20_template g_s20          # a copy of the scale-20 seed
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/g_s20 .venv/bin/python manage.py migrate
    .venv/bin/python bench/scaleout.py --database-url postgres://postgres@127.0.0.1:5432/g_s20 \\
        --redis-url redis://127.0.0.1:6379/7 --repeat 2

On the given PostgreSQL database (a copy of ``seed_demo --scale 20``: 360 townships, ≈49,000
village cadres in office) it prepares once:

* a review year (``--year``, default 2026) with one review per 两委 member in office, both
  ballots entered (≈49,000 reviews, ≈98,000 tallies; kept for the next run of the script);
* two county staff accounts (creator and approver of the pay runs: separation of duties).

Then, for 1 and 2 worker processes (``celery worker --concurrency 1`` each, Redis as broker on
``--redis-url``, prefetch 1), ``--repeat`` times each:

* rollup: the year's results are removed (raw SQL, bench only), a RollupRun is sent to the
  workers (``review_rollup_year_task``: score → county quota and ranking → write, by township)
  and timed until the run is done;
* pay run: a county-wide base-pay run for a fresh month (2027-01, 2027-02, …) is created, its
  preview computed by the workers and timed; it is prepared and approved, and posting is timed.
  The ledger total of the run must equal its previewed total to the fen.

It prints every time, the medians, the speedup (median 1 worker / median 2 workers; target
≥ 1.6×) and the load average before and after (the machine is shared). Results go to
bench/results/scaleout-<stamp>.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
# The village Party committee and villagers' committee members (两委): ≈49,000 people at scale 20.
TWO_COMMITTEES = ("secretary", "deputy_secretary", "party_member", "chair", "vice_chair", "committee_member")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="the scale-20 copy (never the template itself)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--year", type=int, default=2026, help="review year built for the rollup")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--workers", default="1,2", help="worker process counts to compare")
    parser.add_argument("--only", choices=["rollup", "payrun"], default=None)
    parser.add_argument("--timeout", type=int, default=1800)
    return parser.parse_args()


def env_for(args) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_EAGER")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "CELERY_EAGER": "0",
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-" + "x" * 50,
            "ALLOWED_HOSTS": "testserver,localhost",
            "DASHBOARD_WARM_ON_WORKER_START": "0",
            "DASHBOARD_BACKGROUND_REFRESH": "0",
        }
    )
    return env


def setup(args) -> None:
    os.environ.update(env_for(args))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def build_year(year: int) -> int:
    """One review per 两委 member in office (first appointment per person), both ballots entered."""
    from assessments.choices import Phase
    from assessments.models import AnnualReview, BallotTally, ReviewCampaign
    from cadres.models import Appointment

    campaign, _ = ReviewCampaign.objects.get_or_create(year=year, defaults={"title": f"{year}年度（基准）", "phase": Phase.GRADE})
    have = AnnualReview.objects.filter(year=year).count()
    if have:
        return have
    rng = random.Random(year)
    seen, reviews = set(), []
    on = datetime.date(year, 12, 31)
    rows = (
        Appointment.objects.current(on)
        .filter(post__in=TWO_COMMITTEES)
        .values_list("person_id", "village_id", "village__township_id", "post")
        .order_by("person_id", "start_date", "id")
    )
    for person_id, village_id, township_id, post in rows:
        if person_id in seen:
            continue
        seen.add(person_id)
        reviews.append(
            AnnualReview(
                campaign=campaign,
                year=year,
                person_id=person_id,
                village_id=village_id,
                township_id=township_id,
                post_code=post,
                post_name=post,
                service_years=rng.randint(0, 15),
                daily_score=Decimal(rng.randint(60, 99)),
                village_score=Decimal(rng.randint(55, 99)),
            )
        )
    AnnualReview.objects.bulk_create(reviews, batch_size=5000)
    tallies = []
    for r in reviews:
        for group, entitled in (("township", 15), ("members", 50)):
            good = rng.random() < 0.2
            attended = entitled if rng.random() > 0.01 else entitled // 2
            competent = round(attended * (rng.uniform(0.9, 1.0) if good else rng.uniform(0.6, 0.92)))
            incompetent = rng.randint(0, attended - competent)
            counts = {"competent": competent, "basic": attended - competent - incompetent, "incompetent": incompetent}
            tallies.append(BallotTally(review=r, group=group, entitled=entitled, attended=attended, counts=counts))
    BallotTally.objects.bulk_create(tallies, batch_size=5000)
    return len(reviews)


def bench_users():
    from cadres.choices import Role
    from cadres.models import User
    from cadres.services import user_set_role

    users = []
    for name, full in (("bench_payrun_creator", "基准创建人"), ("bench_payrun_approver", "基准审批人")):
        user, created = User.objects.get_or_create(username=name, defaults={"full_name": full})
        if created or user.role != Role.COUNTY:
            user_set_role(user=user, role=Role.COUNTY)
        users.append(User.objects.get(pk=user.pk))
    return users


def clear_results(year: int) -> None:
    """Bench only: the year's results (and proposals) removed so that every rollup writes them all."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DELETE FROM assessments_consequenceproposal WHERE year = %s", [year])
        cur.execute("DELETE FROM assessments_historicalconsequenceproposal WHERE year = %s", [year])
        cur.execute("DELETE FROM assessments_reviewresult WHERE year = %s", [year])
        cur.execute("DELETE FROM assessments_historicalreviewresult WHERE year = %s", [year])


def start_workers(n: int, args, tag: str) -> list[subprocess.Popen]:
    from config.celery import app

    app.control.purge()
    logs = RESULTS / "worker-logs"
    logs.mkdir(parents=True, exist_ok=True)
    workers = []
    for i in range(n):
        log = (logs / f"scaleout-{tag}-{i}.log").open("w")
        command = [
            str(ROOT / ".venv" / "bin" / "celery"), "-A", "config", "worker", "--concurrency", "1",
            "--prefetch-multiplier", "1", "-O", "fair", "-l", "warning", "-n", f"scaleout-{os.getpid()}-{tag}-{i}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        workers.append(subprocess.Popen(command, cwd=ROOT, env=env_for(args), stdout=log, stderr=subprocess.STDOUT))
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        for w in workers:
            if w.poll() is not None:
                raise SystemExit(f"a Celery worker died: see {logs}")
        answered = app.control.ping(timeout=1.0) or []
        if len([a for a in answered if any(f"scaleout-{os.getpid()}-{tag}-" in k for k in a)]) >= n:
            return workers
        time.sleep(0.5)
    stop_workers(workers)
    raise SystemExit(f"Celery workers did not answer within 90 s: see {logs}")


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for w in workers:
        w.terminate()
    for w in workers:
        try:
            w.wait(timeout=60)
        except subprocess.TimeoutExpired:
            w.kill()


def wait_for(model, pk: int, until, timeout: int):
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        obj = model.objects.get(pk=pk)
        if until(obj):
            return obj
        time.sleep(0.2)
    raise SystemExit(f"{model.__name__} {pk} did not finish within {timeout} s")


def time_rollup(year: int, timeout: int) -> tuple[float, object]:
    from assessments.models import ReviewResult, RollupRun
    from core.jobs import enqueue

    clear_results(year)
    run = RollupRun.objects.create(year=year)
    started = time.perf_counter()
    enqueue("assessments.tasks.review_rollup_year_task", run_id=run.pk)
    run = wait_for(RollupRun, run.pk, lambda r: r.status in ("done", "failed"), timeout)
    elapsed = time.perf_counter() - started
    assert run.status == "done", run.message
    assert ReviewResult.objects.filter(year=year).count() == run.counts["reviews"]
    return elapsed, run


def time_payrun(period: str, creator, approver, timeout: int) -> dict:
    from django.db import transaction

    from subsidies import services
    from subsidies.models import LedgerEntry, PayRun

    started = time.perf_counter()
    with transaction.atomic():  # the compute job is queued on commit, as from the page
        run = services.payrun_create(by=creator, kind="base_monthly", period_code=period)
    run = wait_for(PayRun, run.pk, lambda r: r.status in ("preview", "failed"), timeout)
    compute_s = time.perf_counter() - started
    assert run.status == "preview", run.message
    run = services.payrun_prepare(run=run, by=creator)
    started = time.perf_counter()
    with transaction.atomic():
        run = services.payrun_approve(run=run, by=approver)
    run = wait_for(PayRun, run.pk, lambda r: r.status not in ("posting",), timeout)
    post_s = time.perf_counter() - started
    assert run.status == "approved", run.message
    posted = LedgerEntry.objects.filter(pay_run=run).total()
    assert posted == run.total_amount, (posted, run.total_amount)
    return {
        "period": period,
        "compute_s": compute_s,
        "post_s": post_s,
        "total_s": compute_s + post_s,
        "lines": run.line_count,
        "total_amount": str(run.total_amount),
        "posted_amount": str(posted),
        "townships": run.parts.count(),
    }


def next_period(used: set[str]) -> str:
    from subsidies.models import PayPeriod

    taken = set(PayPeriod.objects.filter(year__gte=2027).values_list("code", flat=True)) | used
    for year in range(2027, 2100):
        for month in range(1, 13):
            code = f"{year}-{month:02d}"
            if code not in taken:
                used.add(code)
                return code
    raise SystemExit("no free period")


def main() -> int:
    args = parse_args()
    if "s20_template" in args.database_url:
        raise SystemExit("never run on s20_template: copy it first (createdb -T s20_template …)")
    setup(args)
    from django.db import connection

    load_before = os.getloadavg()
    t0 = time.perf_counter()
    reviews = build_year(args.year)
    creator, approver = bench_users()
    print(
        f"PostgreSQL {connection.pg_version}: {connection.settings_dict['NAME']}; review year {args.year}: {reviews:,} reviews "
        f"(prepared in {time.perf_counter() - t0:.0f} s); {os.cpu_count()} CPUs; load average {load_before[0]:.2f} "
        f"{load_before[1]:.2f} {load_before[2]:.2f}",
        flush=True,
    )
    counts = [int(n) for n in args.workers.split(",")]
    samples: dict[int, dict[str, list[float]]] = {n: {"rollup": [], "compute": [], "post": [], "payrun": []} for n in counts}
    details: list[dict] = []
    used: set[str] = set()
    for rep in range(args.repeat):
        for n in counts:
            workers = start_workers(n, args, f"{n}w{rep}")
            try:
                load = os.getloadavg()[0]
                if args.only in (None, "rollup"):
                    seconds, run = time_rollup(args.year, args.timeout)
                    samples[n]["rollup"].append(seconds)
                    details.append({"workers": n, "what": "rollup", "s": seconds, "load1": load, "message": run.message})
                    print(f"  {n} worker(s) rollup      {seconds:8.1f} s  (load {load:.2f}) {run.message}", flush=True)
                if args.only in (None, "payrun"):
                    load = os.getloadavg()[0]
                    pay = time_payrun(next_period(used), creator, approver, args.timeout)
                    for key in ("compute", "post"):
                        samples[n][key].append(pay[f"{key}_s"])
                    samples[n]["payrun"].append(pay["total_s"])
                    details.append({"workers": n, "what": "payrun", "load1": load, **pay})
                    print(
                        f"  {n} worker(s) pay run     {pay['total_s']:8.1f} s  (compute {pay['compute_s']:.1f} s, "
                        f"post {pay['post_s']:.1f} s; {pay['lines']:,} people, ¥{pay['total_amount']} previewed = "
                        f"¥{pay['posted_amount']} posted; {pay['townships']} townships; load {load:.2f})",
                        flush=True,
                    )
            finally:
                stop_workers(workers)
    load_after = os.getloadavg()
    lines = ["", f"{'median (s)':<22}" + "".join(f"{f'{n} worker(s)':>14}" for n in counts) + f"{'speedup':>10}"]
    summary = {}
    for key in ("rollup", "compute", "post", "payrun"):
        if not samples[counts[0]][key]:
            continue
        medians = [statistics.median(samples[n][key]) for n in counts]
        ratio = medians[0] / medians[-1]
        summary[key] = {"medians": dict(zip(counts, medians, strict=True)), "speedup": ratio}
        label = {"rollup": "rollup", "compute": "pay run: compute", "post": "pay run: post", "payrun": "pay run: total"}[key]
        lines.append(f"{label:<22}" + "".join(f"{m:>14.1f}" for m in medians) + f"{ratio:>9.2f}×")
    lines.append(
        f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
        f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} (2 cores shared with other work)"
    )
    verdict = {k: ("OK" if v["speedup"] >= 1.6 else "MISSED") for k, v in summary.items() if k in ("rollup", "payrun")}
    lines.append("target ≥ 1.6× with two workers: " + ", ".join(f"{k} {v}" for k, v in verdict.items()))
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"scaleout-{stamp}.json").write_text(
        json.dumps(
            {
                "reviews": reviews,
                "samples": samples,
                "summary": summary,
                "details": details,
                "load_before": load_before,
                "load_after": load_after,
            },
            indent=1,
            ensure_ascii=False,
            default=str,
        ),
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
