"""ID numbers: the worked example of DOMAIN §12.1 plus the defects clerks really produce."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import ric

from cadres.idcard import area_code_ever_existed, make_id_number, normalize_id_number, parse_id_number
from core import dates as core_dates


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


# Public vectors whose area code was not in force in the birth year: the code on a card is the
# one in force when it was *issued* (first card, or a re-issue after a 户口 move), so every code
# that ever existed is accepted whatever the birth year. Check digits computed with python-stdnum.
ACCEPTED = [
    # number, birth date, sex, why it is a good vector
    ("331122197905116239", datetime.date(1979, 5, 11), "M"),  # 缙云县 331122 only from 2000
    ("33050219880702447X", datetime.date(1988, 7, 2), "M"),  # 330502: 城区 1983–87, 吴兴区 from 2003
    ("11010519491231002X", datetime.date(1949, 12, 31), "F"),  # GB 11643-1999's own example
    ("430112198503090018", datetime.date(1985, 3, 9), "M"),  # 望城区 430112 (from 2011), born 1985
    ("331021198006150022", datetime.date(1980, 6, 15), "F"),  # 玉环县 1994–2017, then 331083
    ("430122201501010034", datetime.date(2015, 1, 1), "M"),  # 望城县, retired 2011
    ("110103201202290044", datetime.date(2012, 2, 29), "F"),  # 崇文区, retired 2010
    ("330511199507200057", datetime.date(1995, 7, 20), "M"),  # 湖州郊区 1983–1988
    ("810000199001010019", datetime.date(1990, 1, 1), "M"),  # 香港 (港澳居民居住证)
]


@pytest.mark.parametrize(("number", "birth", "sex"), ACCEPTED)
def test_an_area_code_that_ever_existed_is_accepted_whatever_the_birth_year(number, birth, sex):
    facts = parse_id_number(number)
    assert (facts.number, facts.birth_date, facts.sex) == (number, birth, sex)
    assert facts.warnings == ()


@pytest.mark.parametrize(
    ("number", "area", "birth"),
    [
        ("430199198003136661", "430199", datetime.date(1980, 3, 13)),  # 湖南 exists, county 0199 never did
        ("999999198503120018", "999999", datetime.date(1985, 3, 12)),  # no province 99 at all
    ],
)
def test_an_area_code_that_never_existed_is_a_warning_not_an_error(number, area, birth):
    """Was: refused as "不是有效的行政区划代码" (999999), or a KeyError inside python-stdnum (430199)."""
    facts = parse_id_number(number)
    assert facts.number == number
    assert facts.birth_date == birth
    assert facts.warnings == (f"身份证号前6位 {area} 不在行政区划代码表中（现行和历年撤销的代码都已查过），请核对号码是否抄错。",)


@pytest.mark.parametrize(
    ("area", "known"),
    [
        ("430122", True),  # 望城县, retired 2011
        ("430112", True),  # 望城区, from 2011
        ("331122", True),
        ("330502", True),
        ("110000", True),  # a province's own code
        ("430199", False),
        ("999999", False),
        ("000000", False),
        ("4301", False),
        ("43011X", False),
    ],
)
def test_area_code_ever_existed(area, known):
    assert area_code_ever_existed(area) is known


def _with_check_digit(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("430199198003136660", "checksum"),  # an unknown area does not excuse a wrong check digit
        (_with_check_digit("43012219850230001"), "birth_date"),  # 30 February, check digit right
        (_with_check_digit(f"430122{core_dates.today() + datetime.timedelta(days=1):%Y%m%d}001"), "birth_date"),
        (_with_check_digit("43012218991231001"), "birth_date"),
        (_with_check_digit("99999918991231001"), "birth_date"),
    ],
)
def test_check_digit_and_birth_date_stay_hard_errors(number, code):
    with pytest.raises(ValidationError) as exc:
        parse_id_number(number)
    assert exc.value.code == code


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


def test_a_birth_date_after_the_given_today_is_refused_and_the_same_day_is_not():
    number = make_id_number("430122", datetime.date(2024, 5, 20), 1, True)
    with pytest.raises(ValidationError) as caught:
        parse_id_number(number, today=datetime.date(2024, 5, 19))
    assert caught.value.code == "birth_date" and "不合理" in caught.value.messages[0]
    assert parse_id_number(number, today=datetime.date(2024, 5, 20)).birth_date == datetime.date(2024, 5, 20)


@pytest.mark.parametrize("seventeenth, sex", [(str(d), "M" if d % 2 else "F") for d in range(10)])
def test_sex_follows_the_parity_of_the_seventeenth_digit(seventeenth, sex):
    from cadres.idcard import birth_and_sex

    body = f"4301221985031200{seventeenth}"
    assert birth_and_sex(body + ric.calc_check_digit(body + "0")) == (datetime.date(1985, 3, 12), sex)
