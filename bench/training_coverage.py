"""Training coverage report benchmark: what does "不漏一人" cost for a whole county?

    .venv/bin/python bench/training_coverage.py                    # 5,000 people, 200 sessions
    .venv/bin/python bench/training_coverage.py --people 20000 --sessions 800 --repeat 5

Builds a generated county in a temporary SQLite file (25 townships × 10 villages, ``--people``
cadres with posts, ``--sessions`` sessions, every person enrolled in two sessions), then times,
as county staff and as a township clerk:

* the coverage selector        (training.selectors.coverage_report)
* the coverage page            (URL ``training:coverage``)
* the one-click xlsx export    (URL ``training:coverage_export``)

against a *baseline measured in the same run*: the scoped appointment rows the report starts
from, evaluated to a list (the least any such report must read). The ratio target ÷ baseline is
the report's own cost; query counts come from one extra, captured run and must not depend on the
county's size. Results go to bench/results/ (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per target (median reported)")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def configure(db_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _env import production_django

    production_django(db_path)


def build(n_people: int, n_sessions: int, seed: int) -> None:
    from cadres.idcard import make_id_number
    from cadres.models import Appointment, Person, Township, Village
    from training.models import Enrollment, TrainingSession

    rng = random.Random(seed)
    d = datetime.date
    townships = Township.objects.bulk_create(
        [Township(name=f"大{i:02d}镇", code=f"43019{i:04d}", sort_order=i) for i in range(25)]
    )
    villages = Village.objects.bulk_create(
        [Village(township=t, name=f"{t.name}{j:02d}村", code=f"{t.code}{j:03d}") for t in townships for j in range(10)]
    )
    people = Person.objects.bulk_create(
        [
            Person(
                id_number=make_id_number("430122", d(1965, 1, 1) + datetime.timedelta(days=i // 90), i % 90, True),
                name=f"人{i:05d}",
                sex="M",
                birth_date=d(1965, 1, 1) + datetime.timedelta(days=i // 90),
            )
            for i in range(n_people)
        ],
        batch_size=2000,
    )
    posts = ["secretary", "chair", "committee_member", "party_member", "vice_chair", "deputy_secretary"]
    appts = []
    for i, p in enumerate(people):
        v = villages[i % len(villages)]
        post = posts[(i // len(villages)) % len(posts)]
        post = post if post != "secretary" or i < len(villages) else "committee_member"
        start = d(2021, 4, 1) if rng.random() < 0.8 else d(2025, rng.randint(1, 11), 1)
        appts.append(Appointment(person=p, village=v, post=post, post_name=post, start_date=start, status="filed"))
    Appointment.objects.bulk_create(appts, batch_size=2000)
    sessions = TrainingSession.objects.bulk_create(
        [
            TrainingSession(
                code=f"PX2025-{k + 1:03d}",
                title=f"班{k}",
                level="county" if k % 4 == 0 else "township",
                kind="rotation",
                organiser="县委党校",
                start_date=d(2025, 1 + k % 11, 1 + k % 20),
                end_date=d(2025, 1 + k % 11, 3 + k % 20),
            )
            for k in range(n_sessions)
        ]
    )
    enrolments = []
    for i, p in enumerate(people):
        v = villages[i % len(villages)]
        for s in rng.sample(sessions, 2):
            enrolments.append(  # noqa: PERF401 (readable; one rng draw per row)
                Enrollment(
                    session=s, person=p, township_id=v.township_id, village=v, hours_credited=Decimal(rng.choice([0, 8, 16, 20]))
                )
            )
    Enrollment.objects.bulk_create(enrolments, batch_size=2000)


def timed(fn, repeat: int) -> float:
    fn()  # warm-up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="touyan-bench-training-"))
    configure(workdir / "bench.sqlite3")

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cadres.choices import Role
    from cadres.models import Appointment, Township, User
    from cadres.services import user_set_role
    from core.scope import scoped
    from training import selectors

    try:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        build(args.people, args.sessions, args.seed)
        print(
            f"county: {args.people:,} people, {args.sessions} sessions, {args.people * 2:,} enrolments (built in {time.perf_counter() - started:.1f} s)"
        )
        county = User.objects.create_user("bench_county", password=None)
        user_set_role(user=county, role=Role.COUNTY)
        clerk = User.objects.create_user("bench_clerk", password=None)
        user_set_role(user=clerk, role=Role.CLERK, township=Township.objects.order_by("sort_order").first())
        today = datetime.date(2025, 12, 15)
        rows = []
        for label, user in (("county", county), ("clerk", clerk)):
            client = Client()
            client.force_login(user)

            def baseline(user=user):
                list(
                    scoped(user, Appointment)
                    .filter(status="filed")
                    .values_list("person_id", "post", "start_date", "end_date", "village__township_id")
                )

            targets = {
                "coverage_report (selector)": lambda user=user: selectors.coverage_report(user=user, year=2025, today=today),
                "coverage page": lambda client=client: client.get("/training/coverage/?year=2025"),
                "coverage xlsx export": lambda client=client: client.get("/training/coverage/export/?year=2025"),
            }
            base_ms = timed(baseline, args.repeat)
            print(f"\n[{label}] baseline (scoped posts → list): {base_ms:8.1f} ms")
            for name, fn in targets.items():
                ms = timed(fn, args.repeat)
                with CaptureQueriesContext(connection) as ctx:
                    fn()
                rows.append(
                    {
                        "user": label,
                        "target": name,
                        "ms": round(ms, 1),
                        "baseline_ms": round(base_ms, 1),
                        "ratio": round(ms / base_ms, 2),
                        "queries": len(ctx.captured_queries),
                    }
                )
                print(f"  {name:30s} {ms:8.1f} ms   ×{ms / base_ms:5.1f} baseline   {len(ctx.captured_queries):3d} queries")
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")  # noqa: DTZ005
        (RESULTS / f"training-coverage-{stamp}.json").write_text(
            json.dumps({"people": args.people, "sessions": args.sessions, "rows": rows}, ensure_ascii=False, indent=1)
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
