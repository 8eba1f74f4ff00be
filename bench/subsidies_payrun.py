"""Pay-run benchmark (issue #7): a monthly base-pay run for a prefecture-sized register.

    .venv/bin/python bench/subsidies_payrun.py [--people 50000] [--database-url postgres://…/postgres]

Creates a temporary PostgreSQL database (touyan_bench_pay_<pid>, dropped at the end), migrates it,
bulk-loads ≈``--people`` village cadres (360 townships, ≈5,000 villages, 一肩挑 and cross-posts
included), then measures in the same run:

  baseline  raw COPY of the same number of ledger-shaped rows into a scratch table
  compute   services.payrun_compute for a county-wide base_monthly run (preview lines)
  post      services.payrun_post (ledger entries + their history rows, one transaction)

and prints each as seconds and as a ratio to the baseline. It checks that the entries sum to
the run's total to the fen and that a second post writes nothing. Target: post < 30 s.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--database-url", default=PG_ADMIN, help="admin connection used to create/drop the temp database")
    return parser.parse_args()


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    for name in ("REDIS_URL",):
        os.environ.pop(name, None)
    os.environ.update(
        {"DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": database_url, "CELERY_EAGER": "0", "DEBUG": "1"}
    )
    import django

    django.setup()


def build_register(n_people: int) -> dict:
    from django.contrib.auth.models import Group

    from cadres import choices
    from cadres.idcard import make_id_number
    from cadres.models import Appointment, Person, Township, User, Village
    from cadres.services import user_set_role
    from core.roles import roles_sync

    roles_sync()
    townships = Township.objects.bulk_create(
        [Township(name=f"第{i:03d}镇", code=f"4301{i:05d}", sort_order=i) for i in range(360)], batch_size=1000
    )
    villages = Village.objects.bulk_create(
        [Village(township=townships[i % 360], name=f"村{i:05d}", code=f"43010{i:07d}") for i in range(5000)], batch_size=2000
    )
    people = []
    birth0 = datetime.date(1960, 1, 1)
    for i in range(n_people):
        birth = birth0 + datetime.timedelta(days=i % 12000)
        male = i % 4 != 0
        people.append(
            Person(
                id_number=make_id_number("430122", birth, (i // 12000) % 100, male),
                name=f"干部{i:06d}",
                sex=choices.Sex.MALE if male else choices.Sex.FEMALE,
                birth_date=birth,
                political_status=choices.PoliticalStatus.MASSES,
            )
        )
    people = Person.objects.bulk_create(people, batch_size=5000)
    posts = ["deputy_secretary", "party_member", "vice_chair", "committee_member", "group_leader", "clerk"]
    appts = []
    start = datetime.date(2021, 4, 1)
    for i, person in enumerate(people):
        village = villages[i % 5000]
        post = posts[i % len(posts)] if i >= 5000 else "secretary"
        appts.append(
            Appointment(
                person=person, village=village, post=post, post_name=post, start_date=start, status=choices.FilingStatus.FILED
            )
        )
        if i < 5000 and i % 2 == 0:  # 一肩挑: half the secretaries also chair
            appts.append(
                Appointment(
                    person=person,
                    village=village,
                    post="chair",
                    post_name="chair",
                    start_date=start,
                    status=choices.FilingStatus.FILED,
                )
            )
        if i % 50 == 7:  # cross-post in another village
            other = villages[(i + 1) % 5000]
            appts.append(
                Appointment(
                    person=person,
                    village=other,
                    post="accountant",
                    post_name="accountant",
                    start_date=start,
                    status=choices.FilingStatus.FILED,
                )
            )
    Appointment.objects.bulk_create(appts, batch_size=5000)
    county = User.objects.create(username="county", role=choices.Role.COUNTY)
    user_set_role(user=county, role=choices.Role.COUNTY)
    assert Group.objects.filter(name="县委组织部").exists()
    return {"townships": len(townships), "villages": len(villages), "people": len(people), "appointments": len(appts)}


def copy_baseline(n: int) -> float:
    """COPY n ledger-shaped rows into an unindexed scratch table (the fastest Postgres can take them)."""
    from django.db import connection, transaction

    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE bench_ledger (person_id bigint, township_id bigint, village_id bigint, period_id bigint, "
            "entry_type varchar(20), amount numeric(12,2), source varchar(20), pay_run_id bigint, rule varchar(60), "
            "inputs jsonb, explanation varchar(500), created_by_id bigint, created_at timestamptz)"
        )
    buf = io.StringIO()
    now = datetime.datetime.now(datetime.UTC).isoformat()
    inputs = json.dumps({"posts": ["secretary"], "annual": "45000.00", "base_annual": "27000.00"})
    for i in range(n):
        buf.write(
            f"{i}\t1\t1\t1\tbase\t2250.00\trule_run\t1\tmonthly_base\t{inputs}\t村党组织书记：年报酬 ¥45,000 = ¥42,000 + ¥3,000\t1\t{now}\n"
        )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        buf.seek(0)
        cur.cursor.copy_expert("COPY bench_ledger FROM STDIN", buf)
    return time.perf_counter() - started


def main() -> int:
    args = parse_args()
    name = f"touyan_bench_pay_{os.getpid()}"
    subprocess.run(["psql", args.database_url, "-qc", f"CREATE DATABASE {name}"], check=True)
    target = args.database_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        return run(target, args.people)
    finally:
        from django.db import connections

        connections.close_all()
        subprocess.run(["psql", args.database_url, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=False)


def run(database_url: str, n_people: int) -> int:
    setup_django(database_url)
    from django.core.management import call_command
    from django.db import connection

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    sizes = build_register(n_people)
    print(
        f"{connection.vendor} {connection.pg_version if connection.vendor == 'postgresql' else ''}: "
        f"{sizes['townships']} townships, {sizes['villages']:,} villages, {sizes['people']:,} people, "
        f"{sizes['appointments']:,} appointments (migrate + load {time.perf_counter() - t0:.0f} s)"
    )
    from cadres.models import User
    from subsidies import services
    from subsidies.models import LedgerEntry, PayRun

    county = User.objects.get(username="county")
    baseline = copy_baseline(n_people)

    started = time.perf_counter()
    with connection.cursor():
        pass
    run = services.payrun_create(by=county, kind="base_monthly", period_code="2025-03")  # queues compute (no worker here)
    run = services.payrun_compute(run=run, by=county)
    compute_s = time.perf_counter() - started
    run = services.payrun_prepare(run=run, by=county)
    # Separation of duties: another county user approves and posts.
    from cadres.services import user_set_role

    approver, _ = User.objects.get_or_create(username="bench_approver", defaults={"full_name": "审批人"})
    user_set_role(user=approver, role="county")
    run = services.payrun_approve(run=run, by=approver)
    started = time.perf_counter()
    run = services.payrun_post(run=run, by=approver)
    post_s = time.perf_counter() - started
    started = time.perf_counter()
    services.payrun_post(run=run, by=approver)  # idempotent second post
    repost_s = time.perf_counter() - started

    entries = LedgerEntry.objects.filter(pay_run=run)
    n = entries.count()
    total = entries.total()
    ok = total == PayRun.objects.get(pk=run.pk).total_amount and n == run.line_count
    history = LedgerEntry.history.filter(pay_run_id=run.pk).count()
    rows = [
        ("baseline: raw COPY of the rows", baseline),
        ("compute preview (payrun_compute)", compute_s),
        ("post to ledger (payrun_post, + history)", post_s),
        ("compute + post", compute_s + post_s),
        ("second post (idempotent no-op)", repost_s),
    ]
    print(f"run: {n:,} entries, {history:,} history rows, total ¥{total:,} ({'matches run total' if ok else 'MISMATCH'})")
    for label, seconds in rows:
        print(f"  {label:<44} {seconds:8.2f} s   ×{seconds / baseline:7.1f} baseline")
    verdict = "PASS" if post_s < 30 and ok else "FAIL"
    print(f"target: post < 30 s → {verdict}")
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    out = ROOT / "bench" / "results" / f"subsidies-payrun-{datetime.datetime.now():%Y%m%d-%H%M%S}.json"  # noqa: DTZ005
    out.write_text(json.dumps({"sizes": sizes, "entries": n, **{label: s for label, s in rows}, "verdict": verdict}, indent=1))
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
