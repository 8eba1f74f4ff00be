"""The import frame's one-cell columns (SheetType.cell_parsers, pipeline.clean_columns) and the
roster's cells worked out once per file: the same verdicts, told once per row, in column order."""

import datetime

from cadres.idcard import make_id_number
from core.imports.normalize import CellError, NotedText
from core.imports.pipeline import RowResult, clean_columns

from .sheet_files import roster_xlsx
from .test_imports import LI, ST, WANG, preview

D = datetime.date


def _rows(cells):
    return [RowResult(number=i + 3, raw={"c": cell}) for i, cell in enumerate(cells)]


def test_each_distinct_cell_of_a_column_is_parsed_once_and_told_apart_by_its_type():
    seen = []

    def parser(value):
        seen.append(value)
        return f"{type(value).__name__}:{value}"

    cells = ["甲", "甲", 1, 1.0, True, None, None, "1", 1]
    rows = _rows(cells)
    clean_columns(rows, {"c": cells}, {"c": parser})
    assert len(seen) == 6  # 甲, 1, 1.0, True, None, "1"
    assert [r.values["c"] for r in rows] == [
        "str:甲",
        "str:甲",
        "int:1",
        "float:1.0",
        "bool:True",
        "NoneType:None",
        "NoneType:None",
        "str:1",
        "int:1",
    ]
    assert not any(r.errors or r.warnings for r in rows)


def test_a_refused_cell_is_its_rows_error_and_a_noted_one_its_warning():
    def parser(value):
        if value == "坏":
            raise CellError("不认识")
        if value == "旧":
            return NotedText.with_note("新", "已换成新的写法")
        return value

    cells = ["好", "坏", "旧", "坏", [1, 2]]  # the last cell cannot be a key: every cell is parsed on its own
    rows = _rows(cells)
    clean_columns(rows, {"c": cells}, {"c": parser})
    assert [r.values["c"] for r in rows] == ["好", None, "新", None, [1, 2]]
    assert type(rows[2].values["c"]) is str  # plain text, not the NotedText
    assert [(i.key, i.value, i.reason) for i in rows[1].errors] == [("c", "坏", "不认识")]
    assert [(i.key, i.value, i.reason) for i in rows[2].warnings] == [("c", "旧", "已换成新的写法")]
    assert [bool(r.errors) for r in rows] == [False, True, False, True, False]


def test_a_column_the_file_lacks_is_parsed_as_blank_for_every_row():
    def required(value):
        if value is None:
            raise CellError("不能为空")
        return value

    calls = []

    def defaulted(value):
        calls.append(value)
        return "汉族" if value is None else value

    rows = _rows(["a", "b", "c"])
    clean_columns(rows, {}, {"c": required, "d": defaulted})
    assert [[i.reason for i in r.errors] for r in rows] == [["不能为空"]] * 3
    assert [r.values["d"] for r in rows] == ["汉族"] * 3
    assert calls == [None]  # the blank cell parsed once, not once a row


def test_a_rows_problems_are_told_in_the_order_of_the_sheets_columns(village_a, clerk_a):
    row = [*LI]
    row[1] = "甲九村"  # no such village (cleaned in clean_row)
    row[6] = 430122198503120000  # a number (a one-cell column)
    row[12] = "12345"  # not a phone number (a one-cell column)
    p = preview(roster_xlsx([row]), clerk_a)
    assert [e.key for e in p.rows[0].errors] == ["village", "id_number", "phone"]
    messages = p.messages(ST)
    assert messages[0] == "第4行「村(社区)」：甲九村 — 甲镇没有这个村(社区)，请核对名称"
    assert messages[1].startswith("第4行「身份证号码」：430122198503120000 — 身份证号被Excel存成了数字")
    assert messages[2].startswith("第4行「联系电话」：12345 — 应为11位手机号")


def test_rows_naming_the_same_village_each_get_its_verdict(village_a, clerk_a):
    """The 乡镇/村 pair is worked out once per file, but every row naming it is told."""
    rows = []
    for i, name in enumerate(["甲一村", "甲九村", "甲一村", "甲九村"]):
        row = [*WANG]
        row[1] = name
        row[2] = f"王芳{i}"
        row[6] = make_id_number("430122", D(1990, 6, 15), i + 1, False)
        rows.append(row)
    p = preview(roster_xlsx(rows), clerk_a)
    assert [r.values["village"] for r in p.rows] == [village_a, None, village_a, None]
    assert [[e.key for e in r.errors] for r in p.rows] == [[], ["village"], [], ["village"]]
    assert [m for m in p.messages(ST) if "甲九村" in m] == [
        "第5行「村(社区)」：甲九村 — 甲镇没有这个村(社区)，请核对名称",
        "第7行「村(社区)」：甲九村 — 甲镇没有这个村(社区)，请核对名称",
    ]
