"""Hostile and broken files through the real upload path: each ends in a final state with a clear
Chinese message, writes nothing, and stays within bounded memory and time."""

import io
import re
import threading
import time
import tracemalloc

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from cadres.models import Appointment, ImportBatch, Person
from core.imports import batches
from core.imports.batches import import_batch_create, import_batch_preview, preview_token
from core.imports.tasks import import_batch_preview_task

from .hostile_files import HOSTILE, Hostile

Status = ImportBatch.Status
BY_NAME = {h.name: h for h in HOSTILE}
ALLOWED_LATIN = {
    "Excel",
    "WPS",
    "xlsx",
    "xls",
    "ods",
    "csv",
    "CSV",
    "UTF",
    "NUL",
    "XML",
    "PDF",
    "Word",
    "PowerPoint",
    "xlsb",
    "docx",
}
MAX_PEAK_MB = 200
MAX_SECONDS = 20


def _rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096


class PeakMemory:
    """The peak above the start of both the Python heap (tracemalloc) and the resident set
    (sampled every 2 ms: calamine allocates in Rust, where tracemalloc does not look)."""

    def __enter__(self):
        self.base = _rss_bytes()
        self.peak_rss = self.base
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        tracemalloc.start()
        self.thread.start()
        self.started = time.perf_counter()
        return self

    def _sample(self):
        while self.running:
            self.peak_rss = max(self.peak_rss, _rss_bytes())
            time.sleep(0.002)

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started
        self.running = False
        self.thread.join()
        _, traced = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        self.peak_mb = max(traced, self.peak_rss - self.base) / 1024 / 1024


def assert_clear_chinese(message: str) -> None:
    assert re.search(r"[\u4e00-\u9fff]", message), message
    assert "Traceback" not in message and "Error" not in message and "Exception" not in message, message
    ours = re.sub(r"「[^」]*」", "", message)  # the file's own sheet and column names are quoted back as they are
    latin = set(re.findall(r"(?<![A-Za-z0-9_])[A-Za-z]{3,}(?![A-Za-z0-9_])", ours))
    assert latin <= ALLOWED_LATIN, (latin - ALLOWED_LATIN, message)


def _expected(case: Hostile) -> tuple[str, ...]:
    return case.expect if isinstance(case.expect, tuple) else (case.expect,)


def test_the_corpus_has_at_least_fifty_files():
    assert len(HOSTILE) >= 50
    assert len(BY_NAME) == len(HOSTILE)


@pytest.mark.parametrize("case", HOSTILE, ids=lambda c: c.name)
def test_hostile_file_through_the_upload_task(case, clerk_a, village_a, settings):
    for key, value in case.settings:
        setattr(settings, key, value)
    data = case.build()
    batch = import_batch_create(by=clerk_a, sheet_type="cadres", filename=case.filename, data=data)
    with PeakMemory() as peak:
        import_batch_preview_task.delay(batch.pk)  # eager in tests: the worker's code path, in process
    batch.refresh_from_db()
    print(f"{case.name}: {len(data):,} bytes, {peak.seconds:.2f} s, peak {peak.peak_mb:.0f} MB — {batch.message}")
    assert peak.peak_mb < MAX_PEAK_MB, case.name
    assert peak.seconds < MAX_SECONDS, case.name
    assert Person.objects.count() == 0 and Appointment.objects.count() == 0
    if case.expect is None:
        assert batch.status == Status.PREVIEWED, batch.message
        assert batch.counts["total"] >= 1 and batch.counts["errors"] == 0
        assert {r["name"] for r in batch.summary["rows"]} <= {"李建国", "王芳"}  # no NUL, no invisible marks
        return
    assert batch.status == Status.INVALID
    assert_clear_chinese(batch.message)
    for line in batch.summary["errors"]:
        assert_clear_chinese(line)
    text = batch.message + "".join(batch.summary["errors"])
    assert any(fragment in text for fragment in _expected(case)), (case.expect, text)


def test_the_worst_sparse_file_is_refused_before_anything_is_allocated(clerk_a, village_a):
    data = BY_NAME["sparse_a1_xfd150000"].build()
    assert len(data) < 5 * 1024
    batch = import_batch_create(by=clerk_a, sheet_type="cadres", filename="a.xlsx", data=data)
    with PeakMemory() as peak:
        batch = import_batch_preview(batch=batch)
    assert peak.peak_mb < 50 and peak.seconds < 2
    assert batch.message == (
        "工作表「Sheet1」的已用区域有 16,384 列（最右侧有内容的单元格在 XFD150000），超过 200 列的上限。"
        "请删除表格右侧/下方的空白行列和空白格式后另存，或拆分成几个文件上传。"
    )


@pytest.mark.parametrize(
    "name", ["sparse_20000x2000", "encrypted_ooxml", "csv_nul_late", "csv_utf16le_bom", "zip_bomb", "png_renamed"]
)
def test_through_the_upload_page(client, clerk_a, village_a, name):
    case = BY_NAME[name]
    client.force_login(clerk_a)
    response = client.post(
        reverse("core:import_list"), {"sheet_type": "cadres", "file": SimpleUploadedFile(case.filename, case.build())}
    )
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.status == (Status.PREVIEWED if case.expect is None else Status.INVALID)
    page = client.get(reverse("core:import_detail", args=[batch.pk]))
    assert page.status_code == 200
    if case.expect is not None:
        assert any(fragment in page.content.decode() for fragment in _expected(case))
    assert Person.objects.count() == 0


def _command(tmp_path, case):
    path = tmp_path / case.filename
    path.write_bytes(case.build())
    out = io.StringIO()
    try:
        call_command("import_sheet", str(path), "--type", "cadres", "--township", "甲镇", "--user", "admin_t", stdout=out)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue().strip().splitlines()


@pytest.mark.parametrize("name", ["sparse_a1_xfd150000", "encrypted_ooxml", "csv_cell_over_field_limit", "xls_far_column"])
def test_import_sheet_command_refuses_with_the_same_message(tmp_path, admin_user, village_a, name):
    case = BY_NAME[name]
    code, lines = _command(tmp_path, case)
    assert code == 1
    assert any(case.expect in line for line in lines), lines
    assert lines[-1] == "created=0 updated=0 unchanged=0 errors=1"
    assert ImportBatch.objects.get().status == Status.INVALID
    assert Person.objects.count() == 0


def test_import_sheet_command_reads_a_utf16_csv(tmp_path, admin_user, village_a):
    code, lines = _command(tmp_path, BY_NAME["csv_utf16be_bom"])
    assert code == 0 and lines[-1] == "created=2 updated=0 unchanged=0 errors=0"
    assert set(Person.objects.values_list("name", flat=True)) == {"李建国", "王芳"}


def test_an_unexpected_crash_in_preview_ends_the_batch_in_a_final_state(clerk_a, village_a, monkeypatch):
    def boom(*args, **kwargs):
        raise KeyError("something nobody foresaw")

    monkeypatch.setattr(batches, "clean_file", boom)
    data = BY_NAME["csv_gbk"].build()
    batch = import_batch_create(by=clerk_a, sheet_type="cadres", filename="x.csv", data=data)
    import_batch_preview_task.delay(batch.pk)
    batch.refresh_from_db()
    assert batch.status == Status.INVALID
    assert batch.message == batches.PREVIEW_CRASHED
    assert batch.summary["file_errors"] == [batches.PREVIEW_CRASHED]
    assert_clear_chinese(batch.message)


def test_invisible_marks_are_dropped_from_headers_and_values(clerk_a, village_a):
    batch = import_batch_create(
        by=clerk_a, sheet_type="cadres", filename="rtl.xlsx", data=BY_NAME["invisible_marks_in_headers"].build()
    )
    batch = import_batch_preview(batch=batch)
    assert batch.status == Status.PREVIEWED, batch.message
    assert [r["name"] for r in batch.summary["rows"]] == ["李建国", "王芳"]


def test_a_hyperlink_formula_typed_as_text_is_neutralised_on_export(client, clerk_a, county_user, village_a):
    """A CSV cell "=HYPERLINK(…)" is text to the importer; every export writes it back as text."""
    from .hostile_files import HEADER, LI, WANG
    from .sheet_files import roster_csv

    evil = [*WANG]
    evil[2] = '=HYPERLINK("http://e.cn","王芳")'  # fits the 30 characters of 姓名
    client.force_login(clerk_a)
    client.post(
        reverse("core:import_list"),
        {"sheet_type": "cadres", "file": SimpleUploadedFile("link.csv", roster_csv([LI, evil], HEADER))},
    )
    batch = ImportBatch.objects.get()
    assert batch.status == Status.PREVIEWED, batch.message
    client.post(reverse("core:import_apply", args=[batch.pk]), {"preview": preview_token(batch)})
    assert Person.objects.filter(name=evil[2]).exists()
    client.force_login(county_user)
    ws = openpyxl.load_workbook(io.BytesIO(client.get(reverse("cadres:roster_export")).content)).active
    names = [c.value for c in ws["C"]]
    assert "'" + evil[2] in names and evil[2] not in names
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_a_cell_longer_than_its_field_is_an_error_on_its_row_and_column(client, clerk_a, village_a):
    """A name over the 30 characters 姓名 holds is refused with its row and column, and nothing is
    written (PostgreSQL would refuse the whole COPY; SQLite would store it silently)."""
    from .hostile_files import HEADER, LI, WANG
    from .sheet_files import roster_csv

    long_name = [*WANG]
    long_name[2] = '=HYPERLINK("http://evil.example/x","王芳")'
    client.force_login(clerk_a)
    client.post(
        reverse("core:import_list"),
        {"sheet_type": "cadres", "file": SimpleUploadedFile("long.csv", roster_csv([LI, long_name], HEADER))},
    )
    batch = ImportBatch.objects.get()
    assert batch.status == Status.INVALID, batch.message
    bad = [r for r in batch.summary["rows"] if r["s"] == "error"]
    assert len(bad) == 1 and bad[0]["n"] == 3
    assert any("「姓名」" in e and "最多30个字，此格有40个字" in e for e in bad[0]["e"]), bad[0]
    assert any(line.startswith("第3行") and "姓名" in line for line in batch.summary["errors"]), batch.summary["errors"]
    response = client.post(reverse("core:import_apply", args=[batch.pk]), {"preview": preview_token(batch)})
    assert response.status_code in (200, 302)
    batch.refresh_from_db()
    assert batch.status == Status.INVALID
    assert not Person.objects.exists()
