"""Resident ID numbers (居民身份证号码, GB 11643-1999), checked with python-stdnum.

python-stdnum's ``stdnum.cn.ric`` implements the ISO 7064 MOD 11-2 check digit, the birth date
and the birth-place (area code) lookup; we add normalisation of what clerks type (full-width
digits, lowercase x, spaces) and Chinese messages.
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError
from stdnum import exceptions as stdnum_exc
from stdnum.cn import ric

from .choices import Sex


def normalize_id_number(raw: object) -> str:
    """Full-width → half-width (NFKC), strip spaces, upper-case the trailing x."""
    if isinstance(raw, str) and raw.isascii() and raw.isalnum():  # the usual cell: nothing to normalise
        return raw.upper()
    text = unicodedata.normalize("NFKC", str(raw or ""))
    text = "".join(ch for ch in text if not ch.isspace())
    return text.upper()


@dataclass(frozen=True)
class IdFacts:
    number: str
    birth_date: datetime.date
    sex: str


def parse_id_number(raw: object) -> IdFacts:
    """Validate and return the normalised number with the facts it encodes.

    Raises ValidationError with a Chinese message that says what is wrong.
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
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError("身份证号中的出生日期（第7–14位）不是有效日期。", code="birth_date") from None
    if birth > datetime.date.today() or birth.year < 1900:
        raise ValidationError("身份证号中的出生日期不合理。", code="birth_date")
    expected = ric.calc_check_digit(number)
    if number[17] != expected:
        raise ValidationError(f"身份证号校验位错误：最后一位应为 {expected}。", code="checksum")
    if not _area_known(number[:6], birth.year):
        raise ValidationError("身份证号前6位不是有效的行政区划代码。", code="area")
    sex = Sex.MALE if int(number[16]) % 2 == 1 else Sex.FEMALE
    return IdFacts(number=number, birth_date=birth, sex=sex)


@lru_cache(maxsize=8192)
def _area_known(area: str, year: int) -> bool:
    """python-stdnum's area-code lookup (numdb) for the birth year; cached because a roster has
    thousands of rows but only a handful of distinct area codes."""
    body = f"{area}{year:04d}0101001"
    try:
        ric.get_birth_place(body + ric.calc_check_digit(body + "0"))
    except stdnum_exc.ValidationError:
        return False
    return True


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
