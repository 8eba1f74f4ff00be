"""manage.py import_sheet: same pipeline and scope; exit 0/1; summary as the last line."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cadres.models import ImportBatch, Person

from .sheet_files import roster_xlsx
from .test_imports import LI, WANG


def run(*args):
    import io

    out = io.StringIO()
    try:
        call_command("import_sheet", *args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue().strip().splitlines()


def test_dry_run_then_apply_then_rerun(tmp_path, admin_user, village_a):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(roster_xlsx([LI, WANG]))
    code, lines = run(str(path), "--type", "cadres", "--township", "甲镇", "--user", "admin_t", "--dry-run")
    assert code == 0 and lines[-1] == "created=2 updated=0 unchanged=0 errors=0"
    assert Person.objects.count() == 0
    code, lines = run(str(path), "--type", "cadres", "--township", "430122100", "--user", "admin_t")
    assert code == 0 and lines[-1] == "created=2 updated=0 unchanged=0 errors=0"
    assert Person.objects.count() == 2
    code, lines = run(str(path), "--type", "cadres", "--township", "甲镇", "--user", "admin_t")
    assert lines[-1] == "created=0 updated=0 unchanged=2 errors=0"


def test_errors_exit_1_write_nothing_and_leave_an_error_workbook(tmp_path, admin_user, village_a):
    bad = [*WANG]
    bad[6] = "430122199006150025"
    path = tmp_path / "bad.xlsx"
    path.write_bytes(roster_xlsx([LI, bad]))
    code, lines = run(str(path), "--type", "cadres", "--township", "甲镇", "--user", "admin_t")
    assert code == 1
    assert lines[-1] == "created=1 updated=0 unchanged=0 errors=1"
    assert any(line.startswith("第5行「身份证号码」") for line in lines)
    assert (tmp_path / "bad.错误标注.xlsx").exists()
    assert Person.objects.count() == 0


def test_township_scope_applies_to_the_command(tmp_path, admin_user, village_a, village_b):
    row = [*WANG]
    row[0], row[1] = "乙镇", "乙一村"
    path = tmp_path / "mixed.xlsx"
    path.write_bytes(roster_xlsx([LI, row]))
    code, lines = run(str(path), "--type", "cadres", "--township", "甲镇", "--user", "admin_t")
    assert code == 1
    assert any("本次导入只能导入甲镇的数据" in line for line in lines)


def test_clerk_user_cannot_name_another_township(tmp_path, clerk_a, township_b):
    path = tmp_path / "x.xlsx"
    path.write_bytes(roster_xlsx([LI]))
    with pytest.raises(CommandError, match="只能导入甲镇"):
        call_command("import_sheet", str(path), "--type", "cadres", "--township", "乙镇", "--user", "clerk_a")


def test_type_help_lists_registered_sheet_types_without_a_file():
    code, lines = run("--type", "help")
    assert code == 0
    rows = dict(line.split("\t") for line in lines)
    assert rows["cadres"] == "村“两委”成员花名册" and rows["first_secretaries"] == "驻村第一书记花名册"


def test_a_file_is_required_for_any_other_type():
    with pytest.raises(CommandError, match="请指定要导入的表格文件"):
        call_command("import_sheet", "--type", "cadres")


def test_a_crash_during_apply_prints_a_chinese_error_the_summary_and_exits_1(tmp_path, admin_user, village_a, monkeypatch):
    from core.imports.pipeline import get_sheet_type

    def crash(self, rows, ctx, *, batch):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(type(get_sheet_type("cadres")), "apply", crash)
    path = tmp_path / "roster.xlsx"
    path.write_bytes(roster_xlsx([LI, WANG]))
    code, lines = run(str(path), "--type", "cadres", "--township", "甲镇", "--user", "admin_t")
    assert code == 1
    assert lines[-1] == "created=2 updated=0 unchanged=0 errors=1"
    assert lines[-2].startswith("导入时发生系统错误，未写入任何数据") and lines[-2].endswith("磁盘已满")
    assert Person.objects.count() == 0
    assert ImportBatch.objects.get().status == ImportBatch.Status.FAILED
