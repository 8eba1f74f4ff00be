"""Spreadsheet import/export benchmark (issue #3).

    .venv/bin/python bench/imports.py [--rows 1000,10000,100000] [--db sqlite,postgres] [--stock-max 10000] [--repeat 3]

For each roster size it generates a 两委成员花名册 (.xlsx) and measures, in the same run:
  raw read (python-calamine) · raw read + COPY into a scratch table (the baseline) · raw read +
  the register's cell checks + COPY (the read+validate+COPY baseline) ·
  openpyxl read-only read · the full pipeline: preview, apply, re-apply of the same file ·
  stock row-by-row django-import-export on the same file · the register's real 人员名册 export of
  the largest size's people (the /people/export/ view: scoped query, masking, xlsx, ExportLog) in
  a child process of its own, timed, with its peak memory (/proc VmHWM, and above the process's
  memory before the export).
Up to 10,000 rows every figure is the median of --repeat runs (the whole cycle from an empty
register each time, ours and stock django-import-export alike, each of our cycles followed by one of
stock's so that both see the machine in the same phase; these machines vary by ±25 % from run to
run). Every figure is printed as a ratio to the read+COPY baseline of the same size, and preview + apply
also against the read+validate+COPY baseline (the same cells checked by the register's own cell
parsers, then COPY: issue #15's target is within 5× of it). Each
database runs in its own subprocess, with production settings (DEBUG off: no query log), on a
fresh scratch database (SQLite file / PostgreSQL
database touyan_bench_<pid>); results are also written to bench/results/imports.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
sys.path.insert(0, str(ROOT / "bench"))
from _env import PRODUCTION_ENV  # noqa: E402


def make_roster(path: Path, rows: int, villages: list[tuple[str, str]]) -> None:
    import datetime

    import xlsxwriter

    from cadres.idcard import make_id_number

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("花名册")
    ws.write_row(0, 0, ["甲镇村“两委”成员花名册"])
    header = [
        "序号",
        "乡镇",
        "村（社区）",
        "姓名",
        "性别",
        "民族",
        "出生年月",
        "身份证号码",
        "政治面貌",
        "入党时间",
        "学历",
        "现任职务",
        "任职时间",
        "联系电话",
    ]
    ws.write_row(1, 0, header)
    posts = ["书记、主任", "副书记", "委员", "支委", "副主任", "监委会主任", "文书", "组长"]
    for i in range(rows):
        t, v = villages[i % len(villages)]
        birth = datetime.date(1958, 1, 1) + datetime.timedelta(days=i % 14000)
        male = i % 5 != 0
        idn = make_id_number("430122", birth, (i // 14000) % 100, male)  # unique up to 1.4 million rows
        ws.write_row(
            i + 2,
            0,
            [
                i + 1,
                t,
                v,
                f"干部{i:06d}",
                "男" if male else "女",
                "汉族",
                f"{birth:%Y.%m}",
                idn,
                "中共党员",
                f"{birth.year + 25}.07",
                "高中",
                posts[i % len(posts)],
                "2021.04",
                f"138{i:08d}",
            ],
        )
    wb.close()


def worker(db: str, sizes: list[int], stock_max: int, repeats: int, out: Path) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from cadres import choices
    from cadres.models import Appointment, FilingEvent, ImportBatch, Person, Township, User, Village
    from cadres.services import user_set_role
    from core.imports.batches import import_batch_apply, import_batch_create, import_batch_preview

    def empty_register() -> None:
        """No people, posts, filing events or import batches, and (PostgreSQL) no trace of them
        either: TRUNCATE leaves no dead rows for the next cycle's writes and foreign-key checks to
        step over, so every cycle, ours and stock's, starts from the same state (the tables that
        refer to people and posts are empty in the bench database, and are emptied with them)."""
        if connection.vendor == "postgresql":
            tables = (ImportBatch, FilingEvent, Appointment, Appointment.history.model, Person, Person.history.model)
            with connection.cursor() as cur:
                cur.execute("TRUNCATE " + ", ".join(f'"{m._meta.db_table}"' for m in tables) + " CASCADE")
            return
        ImportBatch.objects.all().delete()
        FilingEvent.objects.all().delete()
        Appointment.history.all().delete()
        Appointment.objects.all().delete()
        Person.history.all().delete()
        Person.objects.all().delete()

    results = {}
    for size in sizes:
        empty_register()
        Village.objects.all().delete()
        Township.objects.all().delete()
        t = Township.objects.create(name="甲镇", code="430122100")
        # Enough villages that each holds ≤ ~60 people (id numbers are unique per birth date).
        nvill = max(1, size // 40)
        Village.objects.bulk_create(
            Village(township=t, name=f"第{i:04d}村", code=f"430122{100000 + i:06d}") for i in range(nvill)
        )
        user, _ = User.objects.get_or_create(username="bench", defaults={"role": choices.Role.COUNTY})
        user_set_role(user=user, role=choices.Role.COUNTY)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"roster{size}.xlsx"
            make_roster(path, size, [("甲镇", f"第{i:04d}村") for i in range(nvill)])
            data = path.read_bytes()
            r = results[size] = {}
            small = size <= 10000
            n = repeats if small else 1
            r["raw_read"] = median_of(n, lambda: read_calamine(data))
            r["openpyxl_read"] = timed(lambda: read_openpyxl(path)) if small else None
            r["baseline_read_copy"] = median_of(n, lambda: copy_baseline(connection, read_calamine(data)))
            r["baseline_read_validate_copy"] = median_of(n, lambda: validate_copy_baseline(connection, read_calamine(data)))

            def preview():
                b = import_batch_create(by=user, sheet_type="cadres", filename=path.name, data=data, township=t)
                return import_batch_preview(batch=b)

            def reapply():
                b = preview()
                assert b.counts["unchanged"] == size, b.counts
                import_batch_apply(batch=b, by=user)

            # The whole cycle (empty register → preview → apply → re-upload) `repeats` times on
            # the smaller sizes, each followed by stock's (empty register → first import → the same
            # file again): both see the machine in the same phase, so their ratio is fair even when
            # the machine's speed drifts during the run. Each figure is the median of its runs.
            runs = {"preview": [], "apply": [], "preview_plus_apply": [], "reupload_unchanged": []}
            stock = {"stock_import_export": [], "stock_reimport": []}
            for i in range(n):
                if i:
                    empty_register()
                start = time.perf_counter()
                batch = preview()
                runs["preview"].append(time.perf_counter() - start)
                assert batch.counts["errors"] == 0, batch.summary["errors"][:3]
                runs["apply"].append(timed(lambda batch=batch: import_batch_apply(batch=batch, by=user)))
                assert Person.objects.count() == size
                runs["preview_plus_apply"].append(runs["preview"][-1] + runs["apply"][-1])
                runs["reupload_unchanged"].append(timed(reapply))
                if i == 0 and size == max(sizes):  # the export reads the people just imported
                    results["export"] = export_bench(size)
                if size <= stock_max:
                    empty_register()
                    stock["stock_import_export"].append(timed(lambda: stock_import(data)))
                    stock["stock_reimport"].append(timed(lambda: stock_import(data)))
            record_medians(r, runs)
            if size <= stock_max:
                record_medians(r, stock)
            else:
                r["stock_import_export"] = r["stock_reimport"] = None
    out.write_text(json.dumps(results))


def record_medians(r: dict, runs: dict[str, list[float]]) -> None:
    """Each measurement's median under its name, its runs under name_runs."""
    for key, values in runs.items():
        r[key] = statistics.median(values)
        r[key + "_runs"] = values


def median_of(n: int, fn) -> float:
    return statistics.median(timed(fn) for _ in range(n))


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def read_calamine(data: bytes):
    from core.imports.reader import read_workbook

    return read_workbook(data)[1][0].rows


def read_openpyxl(path: Path):
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


def copy_baseline(connection, rows, columns: int = 14) -> None:
    """What the hardware can do: the same cells into a scratch table, COPY on PostgreSQL."""
    import io

    from django.db import transaction

    body = rows[2:]
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_scratch")
        cur.execute("CREATE TABLE bench_scratch (" + ", ".join(f"c{i} text" for i in range(columns)) + ")")
        if connection.vendor == "postgresql":
            buf = io.StringIO()
            for row in body:
                buf.write("\t".join(str(v).replace("\t", " ") for v in row) + "\n")
            buf.seek(0)
            cur.copy_expert("COPY bench_scratch FROM STDIN", buf)
        else:
            cur.executemany(
                "INSERT INTO bench_scratch VALUES (" + ",".join(["%s"] * columns) + ")", [[str(v) for v in r] for r in body]
            )


def validate_copy_baseline(connection, rows) -> None:
    """The least an importer must do: read, check every cell the way the register does (the same
    cell parsers: 身份证号 with its check digit, dates, posts, phone; the village looked up), and
    COPY the checked values — no header finding, no comparison with the register, no preview, no
    history."""
    from django.core.exceptions import ValidationError

    from cadres.idcard import parse_id_number
    from cadres.models import Village
    from core import dates as core_dates
    from core.imports import normalize as n
    from core.policy import policy_for_year

    aliases = n.post_aliases(policy_for_year(core_dates.today().year).section("register")["posts"])
    villages = {(v.township.name, v.name): v.pk for v in Village.objects.select_related("township")}
    checked, errors = [], []
    for number, row in enumerate(rows[2:], start=3):
        try:
            name = n.text(row[3])
            if not name or row[4] not in ("男", "女"):
                raise n.CellError("姓名或性别")
            facts = parse_id_number(row[7])
            village = villages[(n.text(row[1]), n.text(row[2]))]
            values = (
                name,
                facts.number,
                n.parse_date(row[6]),
                facts.sex,
                village,
                n.text(row[8]),
                n.parse_date(row[9]),
                "、".join(n.parse_posts(row[11], aliases)),
                n.parse_date(row[12]),
                n.parse_phone(row[13]),
            )
        except (n.CellError, ValidationError, KeyError) as exc:
            errors.append((number, str(exc)))
            continue
        checked.append(values)
    assert not errors, errors[:3]
    copy_baseline(connection, [None, None, *checked], columns=10)


def stock_import(data: bytes) -> None:
    """Stock django-import-export, row by row, on the same workbook (people only: it cannot even
    express the appointments, and it stops at the first bad cell instead of listing all)."""
    import tablib
    from import_export import fields, resources
    from import_export.widgets import DateWidget

    from cadres.models import Person

    class StockPersonResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名")
        id_number = fields.Field(attribute="id_number", column_name="身份证号码")
        birth_date = fields.Field(attribute="birth_date", column_name="出生年月", widget=DateWidget("%Y.%m"))
        sex = fields.Field(attribute="sex", column_name="性别")
        phone = fields.Field(attribute="phone", column_name="联系电话")

        class Meta:
            model = Person
            import_id_fields = ["id_number"]
            fields = ["name", "id_number", "birth_date", "sex", "phone"]
            use_transactions = True

        def before_import_row(self, row, **kwargs):
            row["性别"] = "M" if row["性别"] == "男" else "F"

    rows = read_calamine(data)
    ds = tablib.Dataset(*[[str(v) for v in r] for r in rows[2:]], headers=[str(h) for h in rows[1]])
    result = StockPersonResource().import_data(ds, dry_run=False, raise_errors=True)
    assert not result.has_errors()


def export_bench(rows: int) -> dict:
    """The register's 人员名册 export of ``rows`` people through the production path, in a child
    process on the same database so that its peak memory (ru_maxrss) is its own."""
    out = subprocess.run(
        [sys.executable, __file__, "--export-worker", str(rows)], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def peak_rss_kb() -> int:
    """This process's peak resident memory (kB). /proc's VmHWM belongs to the process's own
    address space, so a child started from the big benchmark worker does not inherit the
    parent's peak — getrusage's ru_maxrss does (it survives fork and exec), which once made
    this export look like 900 MB."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def export_worker(expected_rows: int) -> None:
    """Child process: GET /people/export/ as an auditor (so every ID number and phone is masked)
    through the view itself — scoped selector with its prefetches, masking, constant-memory
    xlsx, ExportLog — and print seconds, file size and memory as JSON."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.test import RequestFactory

    from cadres import choices
    from cadres.models import ExportLog, User
    from cadres.views import PersonListView

    user, _ = User.objects.get_or_create(username="bench_auditor", defaults={"role": choices.Role.AUDITOR})
    request = RequestFactory().get("/people/export/")
    request.user = user
    view = PersonListView.as_view(export=True)
    rss_before = peak_rss_kb()
    start = time.perf_counter()
    response = view(request)
    seconds = time.perf_counter() - start
    rss_peak = peak_rss_kb()
    log = ExportLog.objects.filter(user=user).latest("id")
    assert response.status_code == 200, response.status_code
    assert log.rows == expected_rows and log.masked, (log.rows, log.masked)
    print(
        json.dumps(
            {
                "rows": log.rows,
                "seconds": seconds,
                "bytes": len(response.content),
                "peak_mb": rss_peak / 1024,
                "peak_above_start_mb": (rss_peak - rss_before) / 1024,
            }
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", default="1000,10000,100000")
    ap.add_argument("--db", default="sqlite,postgres")
    ap.add_argument("--stock-max", type=int, default=10000)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each measurement up to 10,000 rows (median)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--export-worker", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.export_worker is not None:
        export_worker(args.export_worker)
        return
    sizes = [int(x) for x in args.rows.split(",")]
    if args.worker:
        worker(args.worker, sizes, args.stock_max, args.repeat, Path(args.out))
        return
    results = {}
    for db in args.db.split(","):
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env.update(PRODUCTION_ENV)  # DEBUG off, as in production (ours and stock alike)
        env["CELERY_EAGER"] = "1"
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "r.json"
            pg_name = f"touyan_bench_{os.getpid()}"
            if db == "postgres":
                subprocess.run(["psql", PG_ADMIN, "-qc", f"CREATE DATABASE {pg_name}"], check=True)
                env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{pg_name}"
            else:
                env["SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
            env["PRIVATE_MEDIA_ROOT"] = str(Path(tmp) / "private")
            try:
                subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--worker",
                        db,
                        "--rows",
                        args.rows,
                        "--stock-max",
                        str(args.stock_max),
                        "--repeat",
                        str(args.repeat),
                        "--out",
                        str(out),
                    ],
                    env=env,
                    check=True,
                    cwd=ROOT,
                )
                results[db] = json.loads(out.read_text())
            finally:
                if db == "postgres":
                    subprocess.run(["psql", PG_ADMIN, "-qc", f"DROP DATABASE IF EXISTS {pg_name}"], check=False)
    report(results)
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "imports.json").write_text(json.dumps(results, indent=1))


def report(results: dict) -> None:
    keys = [
        "raw_read",
        "openpyxl_read",
        "baseline_read_copy",
        "baseline_read_validate_copy",
        "preview",
        "apply",
        "preview_plus_apply",
        "reupload_unchanged",
        "stock_import_export",
        "stock_reimport",
    ]
    for db, by_size in results.items():
        print(f"\n== {db} ==")
        print(f"{'rows':>7} " + " ".join(f"{k:>22}" for k in keys))
        for size, r in by_size.items():
            if not size.isdigit():
                continue
            base = r["baseline_read_copy"]
            cells = []
            for k in keys:
                v = r.get(k)
                cells.append(f"{'—':>22}" if v is None else f"{v:8.2f}s ({v / base:6.1f}×)")
            print(f"{size:>7} " + " ".join(f"{c:>22}" for c in cells))
            if r.get("baseline_read_validate_copy"):
                ratio = r["preview_plus_apply"] / r["baseline_read_validate_copy"]
                print(
                    f"{'':>7} preview + apply = {ratio:.1f}× the read + validate + COPY baseline "
                    f"({r['baseline_read_validate_copy']:.2f}s; target ≤ 5×)"
                )
            if r.get("stock_import_export"):
                first = r["stock_import_export"] / r["preview_plus_apply"]
                again = r["stock_reimport"] / r["reupload_unchanged"]
                print(
                    f"{'':>7} vs stock django-import-export: first import {first:.1f}× faster (target ≥ 15×), "
                    f"re-import of the same file {again:.1f}× faster"
                )
        if "export" in by_size:
            e = by_size["export"]
            print(
                f"人员名册 export of {e['rows']} people (query + masking + xlsx + ExportLog): {e['seconds']:.2f}s, "
                f"{e['bytes'] / 1e6:.1f} MB file, peak memory {e['peak_mb']:.0f} MB "
                f"({e['peak_above_start_mb']:.0f} MB above the process before the export)"
            )
    print(
        "\nTargets: 10k preview+apply ≤ 3 s on PostgreSQL, within 5× the read+validate+COPY baseline and ≥ 15× faster "
        "than stock; re-upload ≤ 2 s; 100k export ≤ 15 s, ≤ 200 MB."
    )


if __name__ == "__main__":
    main()
