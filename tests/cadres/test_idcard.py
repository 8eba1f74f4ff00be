"""ID numbers: the worked example of DOMAIN §12.1 plus the defects clerks really produce."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from cadres.idcard import make_id_number, normalize_id_number, parse_id_number


@pytest.mark.parametrize(
    "raw",
    [
        "43012219850312003X",
        "43012219850312003x",
        "43012219850312003Ｘ",
        "４３０１２２１９８５０３１２００３Ｘ",
        " 430122 19850312003X ",
    ],
)
def test_valid_number_in_any_typed_form_normalises_to_the_canonical_one(raw):
    facts = parse_id_number(raw)
    assert facts.number == "43012219850312003X"
    assert facts.birth_date == datetime.date(1985, 3, 12)
    assert facts.sex == "M"


@pytest.mark.parametrize(
    ("raw", "code", "fragment"),
    [
        ("430122198503120031", "checksum", "最后一位应为 X"),
        ("4301221985031200", "length", "当前为16位"),
        ("430122850312003", "legacy", "15位旧身份证号"),
        ("4.30122E+17", "scientific", "科学计数法"),
        ("43012219851332003X", "birth_date", "出生日期"),
        ("", "required", "不能为空"),
        ("43A12219850312003X", "format", "前17位须为数字"),
    ],
)
def test_invalid_numbers_are_rejected_with_a_chinese_reason(raw, code, fragment):
    with pytest.raises(ValidationError) as exc:
        parse_id_number(raw)
    assert exc.value.code == code
    assert fragment in exc.value.messages[0]


def test_unknown_area_code_is_rejected():
    body = "99999919850312001"
    from stdnum.cn import ric

    number = body + ric.calc_check_digit(body + "0")
    with pytest.raises(ValidationError) as exc:
        parse_id_number(number)
    assert exc.value.code == "area"


def test_female_is_even_seventeenth_digit():
    number = make_id_number("430122", datetime.date(1990, 1, 2), 12, male=False)
    facts = parse_id_number(number)
    assert facts.sex == "F"
    assert facts.birth_date == datetime.date(1990, 1, 2)


def test_generated_numbers_are_valid_and_distinct():
    numbers = {make_id_number("430122", datetime.date(1970, 1, 1), seq, male=seq % 2 == 0) for seq in range(100)}
    assert len(numbers) == 100
    for n in numbers:
        assert parse_id_number(n).number == n


def test_normalize_strips_full_width_spaces():
    assert normalize_id_number("　43012219850312003x　") == "43012219850312003X"
