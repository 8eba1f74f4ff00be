"""Resident ID numbers (居民身份证号码, GB 11643-1999), checked with python-stdnum.

python-stdnum's ``stdnum.cn.ric`` implements the ISO 7064 MOD 11-2 check digit; its area-code
table (``stdnum/cn/loc.dat``, each code with the years it was in force) tells whether digits 1–6
were ever an area code. We add normalisation of what clerks type (full-width digits, lowercase x,
spaces) and Chinese messages.

Hard errors: length, characters, birth date, check digit. The area code is only a warning (提示):
a number carries the code in force when it was *issued* (first card, or a re-issue after a 户口
move), not at birth, so any code that ever existed is accepted whatever the birth year, and a
code that never existed is reported but does not stop the person being registered (DOMAIN §10).
"""

from __future__ import annotations

import datetime
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from django.core.exceptions import ValidationError
from stdnum import numdb
from stdnum.cn import ric

from core import dates as core_dates

from .choices import Sex


def normalize_id_number(raw: object) -> str:
    """Full-width → half-width (NFKC), strip spaces, upper-case the trailing x."""
    if isinstance(raw, str) and raw.isascii() and raw.isalnum():  # the usual cell: nothing to normalise
        return raw.upper()
    text = unicodedata.normalize("NFKC", str(raw or ""))
    text = "".join(ch for ch in text if not ch.isspace())
    return text.upper()


class IdFacts(NamedTuple):  # a tuple: an import builds one for every row
    number: str
    birth_date: datetime.date
    sex: str
    warnings: tuple[str, ...] = ()  # 提示: usable, but worth a look (an unknown area code)


def parse_id_number(raw: object, *, today: datetime.date | None = None) -> IdFacts:
    """Validate and return the normalised number with the facts it encodes.

    Raises ValidationError with a Chinese message that says what is wrong; an unknown area code is
    not an error but a message in ``warnings``. ``today`` (for the birth date's plausibility):
    core.dates.today() unless a caller checking many numbers passes it once.
    """
    number = normalize_id_number(raw)
    if not number:
        raise ValidationError("身份证号不能为空。", code="required")
    if len(number) == 15 and number.isdigit():
        raise ValidationError("这是15位旧身份证号，请换成18位第二代身份证号。", code="legacy")
    if "E+" in number or "E" in number[:-1]:
        raise ValidationError(
            "身份证号被表格软件当成了数字（科学计数法），末几位已丢失，无法还原。请把该列设为“文本”格式后重新录入完整号码。",
            code="scientific",
        )
    if len(number) != 18:
        raise ValidationError(f"身份证号应为18位，当前为{len(number)}位。", code="length")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError("身份证号前17位须为数字，最后一位为数字或X。", code="format")
    try:
        birth, sex = birth_and_sex(number)
    except ValueError:
        raise ValidationError("身份证号中的出生日期（第7–14位）不是有效日期。", code="birth_date") from None
    if birth.year < 1900 or birth > (today or core_dates.today()):
        raise ValidationError("身份证号中的出生日期不合理。", code="birth_date")
    expected = ric.calc_check_digit(number)
    if number[17] != expected:
        raise ValidationError(f"身份证号校验位错误：最后一位应为 {expected}。", code="checksum")
    warnings = () if area_code_ever_existed(number[:6]) else (unknown_area_message(number[:6]),)
    return IdFacts(number=number, birth_date=birth, sex=sex, warnings=warnings)


def birth_and_sex(number: str) -> tuple[datetime.date, str]:
    """Birth date (digits 7–14) and sex (digit 17: odd = male) of an 18-character number whose
    first 17 are digits — the one place both are read from a number. ValueError when digits 7–14
    are not a date (:func:`parse_id_number` turns that into its message)."""
    year, month_day = divmod(int(number[6:14]), 10000)
    return datetime.date(year, *divmod(month_day, 100)), (Sex.MALE if number[16] in "13579" else Sex.FEMALE)


def unknown_area_message(area: str) -> str:
    """The 提示 for a number whose check digit is right but whose area code was never in use."""
    return f"身份证号前6位 {area} 不在行政区划代码表中（现行和历年撤销的代码都已查过），请核对号码是否抄错。"


@lru_cache(maxsize=8192)
def area_code_ever_existed(area: str) -> bool:
    """Whether ``area`` is, or ever was, an area code, in any year. Asks python-stdnum's table
    directly (``ric.get_birth_place`` checks the birth year and raises KeyError for a code whose
    province exists but whose county never did, e.g. 430199). Cached: a roster has thousands of
    rows but a handful of distinct codes."""
    if len(area) != 6 or not area.isdigit():
        return False
    try:
        found = numdb.get("cn/loc").info(area)
    except Exception:  # a lookup problem must never turn a valid number into a 500
        return False
    return any(props.get("county") for _part, props in found)


def id_number_validator(value: str) -> None:
    parse_id_number(value)


def make_id_number(area: str, birth: datetime.date, sequence: int, male: bool) -> str:
    """Build a valid 18-digit number (demo data and tests). ``sequence`` 0–99 → digits 15–16."""
    seq3 = sequence % 100 * 10 + (1 if male else 0)
    if male and seq3 % 2 == 0:
        seq3 += 1
    if not male and seq3 % 2 == 1:
        seq3 -= 1
    body = f"{area}{birth:%Y%m%d}{seq3:03d}"
    return body + ric.calc_check_digit(body + "0")
