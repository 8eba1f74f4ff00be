"""Cell normalisation: every form of DOMAIN §10, table-driven (pure, no database)."""

import datetime

import pytest

from cadres import choices
from cadres import normalize as rn
from core.imports import normalize as n
from core.imports.headers import header_key
from core.policy import default_profile_data

D = datetime.date


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1985.03", D(1985, 3, 1)),
        ("1985.3", D(1985, 3, 1)),
        ("198503", D(1985, 3, 1)),
        (198503, D(1985, 3, 1)),
        (198503.0, D(1985, 3, 1)),
        ("1985年3月", D(1985, 3, 1)),
        ("1985年03月12日", D(1985, 3, 12)),
        ("1985-03", D(1985, 3, 1)),
        ("1985-03-01", D(1985, 3, 1)),
        ("1985/3/12", D(1985, 3, 12)),
        ("19850312", D(1985, 3, 12)),
        (31107, D(1985, 3, 1)),
        (31107.0, D(1985, 3, 1)),
        (1985.03, D(1985, 3, 1)),
        (1985.12, D(1985, 12, 1)),
        ("１９８５．０３", D(1985, 3, 1)),
        (datetime.datetime(1985, 3, 12, 0, 0), D(1985, 3, 12)),
        (D(1985, 3, 12), D(1985, 3, 12)),
        ("", None),
        (None, None),
    ],
)
def test_dates_in_every_form(raw, expected):
    assert n.parse_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "year"), [(1985.1, 1985), (2001.1, 2001), (1985.10, 1985), (1985.1000000001, 1985), (1985.0999999999, 1985)]
)
def test_numeric_1985_1_is_ambiguous_never_guessed(raw, year):
    """January, or 1985.10 whose trailing 0 the spreadsheet dropped."""
    with pytest.raises(n.CellError, match=rf"^日期有歧义：\S+ 可能是{year}年1月，也可能是{year}年10月被表格软件截断"):
        n.parse_date(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # A numeric cell with one decimal other than 1 is not ambiguous: 1985.30 is no month.
        (1985.2, D(1985, 2, 1)),
        (1985.3, D(1985, 3, 1)),
        (1985.9, D(1985, 9, 1)),
        (2001.3, D(2001, 3, 1)),
        # … however the float arrives from the file
        (1985.2999999, D(1985, 3, 1)),
        (1985.2999999999999, D(1985, 3, 1)),
        (1985.3000000001, D(1985, 3, 1)),
        (float("1985.30"), D(1985, 3, 1)),
        (1985.7 - 1e-12, D(1985, 7, 1)),
        # two decimals are the month as written
        (1985.11, D(1985, 11, 1)),
        (1985.12, D(1985, 12, 1)),
        (1985.1199999999, D(1985, 12, 1)),
        (1985.1100000001, D(1985, 11, 1)),
        (1985.05, D(1985, 5, 1)),
        # text says what was typed
        ("1985.10", D(1985, 10, 1)),
        ("1985.3", D(1985, 3, 1)),
        (n.CsvText("1985.3"), D(1985, 3, 1)),
        (n.CsvText("1985.12"), D(1985, 12, 1)),
    ],
)
def test_numeric_month_table(raw, expected):
    """Was: a numeric 1985.3 was refused as "可能是1985年3月，也可能是1985年30月"."""
    assert n.parse_date(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [(1985.13, "不是有效日期"), (1985.0, "只有年份"), (1985.123, "不是日期")])
def test_numeric_non_months_are_refused(raw, expected):
    with pytest.raises(n.CellError, match=expected):
        n.parse_date(raw)


def test_text_1985_1_is_not_ambiguous_because_it_was_typed_as_text():
    assert n.parse_date("1985.1") == D(1985, 1, 1)
    assert n.parse_date("1985.10") == D(1985, 10, 1)


@pytest.mark.parametrize("raw", [1985, 1985.0, "1985", "1985年", " 1985 ", "１９８５", 1900, 2100, n.CsvText("1985")])
def test_a_bare_year_is_an_error_never_a_guessed_date(raw):
    """1985 read as an Excel serial would be 1905-06-07."""
    with pytest.raises(n.CellError, match=r"^只有年份，请写明年月，如 1985\.01$"):
        n.parse_date(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (n.CsvText("1985.1"), "歧义"),
        (n.CsvText("2001.1"), "歧义"),
        (n.CsvText("31107"), "无法识别"),  # a serial only counts when the cell is a number
        ("31107", "无法识别"),
        (1899, "不是日期"),
        (5000, "不是日期"),  # below 1920-01-01 as a serial
        (80000, "不是日期"),  # after 2100 as a serial
    ],
)
def test_csv_text_and_implausible_numbers_are_refused(raw, expected):
    with pytest.raises(n.CellError, match=expected):
        n.parse_date(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (n.CsvText("1985.10"), D(1985, 10, 1)),
        (n.CsvText("1985.3"), D(1985, 3, 1)),
        (n.CsvText("1985.01"), D(1985, 1, 1)),
        (n.CsvText("198501"), D(1985, 1, 1)),
        (n.CsvText("1985年1月"), D(1985, 1, 1)),
        (30000, D(1982, 2, 18)),
        (60000, D(2064, 4, 8)),
        (n.SERIAL_MIN, D(1920, 1, 1)),
        (n.SERIAL_MAX, D(2100, 12, 31)),
        (21916.0, D(1960, 1, 1)),
    ],
)
def test_unambiguous_csv_text_and_plausible_serials_still_work(raw, expected):
    assert n.parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["1985.13", "abc", "1985-02-30", True])
def test_bad_dates(raw):
    with pytest.raises(n.CellError):
        n.parse_date(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("汉", "汉族"), ("汉族", "汉族"), ("土家", "土家族"), ("维吾尔", "维吾尔族"), (" 苗族 ", "苗族"), ("", "")],
)
def test_ethnicity(raw, expected):
    assert rn.parse_ethnicity(raw) == expected


def test_unknown_ethnicity():
    with pytest.raises(n.CellError):
        rn.parse_ethnicity("火星族")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("大学本科", choices.Education.BACHELOR),
        ("本科", choices.Education.BACHELOR),
        ("大专", choices.Education.COLLEGE),
        ("专科", choices.Education.COLLEGE),
        ("大学专科", choices.Education.COLLEGE),
        ("中专", choices.Education.VOCATIONAL),
        ("高中", choices.Education.SENIOR),
        ("初中", choices.Education.JUNIOR),
        ("研究生", choices.Education.POSTGRAD),
        ("本科（函授）", choices.Education.BACHELOR),
        ("小学", choices.Education.PRIMARY),
    ],
)
def test_education_variants(raw, expected):
    assert rn.parse_education(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("党员", "member"),
        ("中共党员", "member"),
        ("预备党员", "probationary"),
        ("团员", "league"),
        ("群众", "masses"),
        ("九三学社社员", "democratic"),
    ],
)
def test_political_status(raw, expected):
    assert rn.parse_political(raw) == expected


@pytest.fixture
def aliases():
    return n.post_aliases(default_profile_data()["register"]["posts"])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("书记、主任", ["secretary", "chair"]),
        ("书记，主任", ["secretary", "chair"]),
        ("党支部书记兼村委会主任", ["secretary", "chair"]),
        ("书记 主任", ["secretary", "chair"]),
        ("村党组织书记", ["secretary"]),
        ("副书记、副主任", ["deputy_secretary", "vice_chair"]),
        ("支委、委员", ["party_member", "committee_member"]),
        ("村务监督委员会主任", ["supervision_chair"]),
        ("文书", ["clerk"]),
        ("书记、主任（一肩挑）", ["secretary", "chair"]),
    ],
)
def test_posts_one_cell_may_hold_several(aliases, raw, expected):
    assert n.parse_posts(raw.replace("（一肩挑）", "一肩挑"), aliases) == expected


def test_unknown_post_is_named(aliases):
    with pytest.raises(n.CellError, match="「镇长」"):
        n.parse_posts("书记、镇长", aliases)


def test_id_number_with_an_unknown_area_code_is_kept_with_a_note():
    value = rn.id_number_cell("430199198003136661")
    assert value == "430199198003136661"
    assert value.note == "身份证号前6位 430199 不在行政区划代码表中（现行和历年撤销的代码都已查过），请核对号码是否抄错"
    plain = rn.id_number_cell("331122197905116239")  # 缙云县 from 2000, born 1979: accepted, no note
    assert plain == "331122197905116239" and not isinstance(plain, rn.NotedText)


def test_id_number_stored_as_number_is_refused_and_never_repaired():
    with pytest.raises(n.CellError, match="存成了数字"):
        rn.id_number_cell(4.30122198503120e17)
    assert rn.id_number_cell("43012219850312003x") == "43012219850312003X"


@pytest.mark.parametrize(("raw", "ok"), [("13807310001", True), ("0731-88888888", True), ("1380731", False)])
def test_phone(raw, ok):
    if ok:
        assert n.parse_phone(raw) == raw
    else:
        with pytest.raises(n.CellError):
            n.parse_phone(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("身份证号码*", "身份证号码"),
        ("出生年月\n（格式：1985.03）", "出生年月"),
        ("　姓　名　", "姓名"),
        ("村（社区）", "村(社区)"),
    ],
)
def test_header_key_ignores_stars_notes_and_spaces(raw, expected):
    assert header_key(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [("是", True), ("√", True), ("否", False), ("", False), (True, True)])
def test_bool(raw, expected):
    assert n.parse_bool(raw) is expected
