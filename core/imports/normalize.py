"""Cell normalisation for clerks' spreadsheets (DOMAIN §10). Pure functions, no ORM.

Each parser returns the value or raises CellError with a Chinese reason; warnings are returned
separately by the callers that need them.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

EXCEL_EPOCH = datetime.date(1899, 12, 30)
# A number in a date column is read as an Excel serial only inside this range (1920-01-01 …
# 2100-12-31): below it lie bare years (1985 would be 1905-06-07) and other non-dates.
SERIAL_MIN = (datetime.date(1920, 1, 1) - EXCEL_EPOCH).days
SERIAL_MAX = (datetime.date(2100, 12, 31) - EXCEL_EPOCH).days
YEAR_ONLY = "只有年份，请写明年月，如 1985.01"


class CsvText(str):
    """A cell read from a CSV file. There numbers and text look alike: "1985.1" may be a number
    1985.10 that the exporting program shortened, so it is as ambiguous as a numeric 1985.1."""

    __slots__ = ()


class CellError(ValueError):
    """A cell value that cannot be used; the message says why and how to fix it."""


class NotedText(str):
    """A usable cell value that carries a warning (提示) for its row in ``note``; RowResult.parse
    records the note and keeps the plain string."""

    note: str = ""

    @classmethod
    def with_note(cls, value: str, note: str) -> NotedText:
        noted = cls(value)
        noted.note = note
        return noted


def text(value) -> str:
    """NFKC (full-width → half-width), drop all whitespace incl. U+3000, keep Chinese."""
    if value is None:
        return ""
    if isinstance(value, str):
        s = value if value.isascii() else unicodedata.normalize("NFKC", value)
    else:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        s = unicodedata.normalize("NFKC", str(value))
    return "".join(s.split())


def display(value) -> str:
    """How a raw cell is quoted back in a message (an absent cell as empty, never "None")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, datetime.date):
        return f"{value:%Y-%m-%d}"
    return str(value).strip()


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def optional(parser):
    """``parser`` for a column that may be left blank: a blank cell is None, not parsed."""

    def parse(value):
        return None if is_blank(value) else parser(value)

    return parse


# --- dates ------------------------------------------------------------------------------------

_YM = re.compile(r"^(\d{4})[.\-/年](\d{1,2})(?:月)?$")
_YMD = re.compile(r"^(\d{4})[.\-/年](\d{1,2})[.\-/月](\d{1,2})日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})?$")


def _mk(y: int, m: int, d: int = 1) -> datetime.date:
    try:
        return datetime.date(y, m, d)
    except ValueError:
        raise CellError("不是有效日期") from None


def _ambiguous(y: str, frac: str, value) -> CellError:
    return CellError(
        f"日期有歧义：{value} 可能是{y}年{frac}月，也可能是{y}年{frac}0月被表格软件截断。"
        f"请把单元格设为文本并写成 {y}.0{frac} 或 {y}.{frac}0"
    )


def parse_date(value, *, month_only_ok: bool = True) -> datetime.date | None:
    """Every form of DOMAIN §10: real dates, Excel serials, 1985.03 / 1985.3 / 198503 / 1985年3月 /
    1985-03-01. Month-only values become the 1st of the month. A *numeric* 1985.1 (or "1985.1"
    from a CSV file, where it may be a shortened number) is ambiguous — January, or October
    truncated from 1985.10 — and is refused, never guessed; a numeric 1985.3 … 1985.9 is not
    (1985.30 is no month), so it is March … September, and 1985.11 / 1985.12 are November /
    December. A float is read to 6 decimals, so 1985.3 stored as 1985.2999999999 is still March.
    A bare year (1985, number or text) is refused too. Only a *numeric* cell can be an Excel
    serial, and only a plausible one."""
    if is_blank(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        raise CellError("不是日期")
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():
            y, frac = f"{value:.6f}".split(".")
            frac = frac.rstrip("0")
            if len(y) == 4 and 1900 <= int(y) <= 2100:
                if frac == "1":  # January, or 1985.10 with its 0 dropped
                    raise _ambiguous(y, frac, value)
                if len(frac) in (1, 2):  # 1985.3 is March (1985.30 is no month); 1985.12 December
                    return _mk(int(y), int(frac))
            raise CellError("不是日期")
        number = int(value)
        if 1900 <= number <= 2100:
            raise CellError(YEAR_ONLY)
        if 190001 <= number <= 210012:  # 198503 typed as a number
            return _mk(number // 100, number % 100)
        if 19000101 <= number <= 21001231:
            return _mk(number // 10000, number // 100 % 100, number % 100)
        if SERIAL_MIN <= number <= SERIAL_MAX:  # Excel serial
            return EXCEL_EPOCH + datetime.timedelta(days=number)
        raise CellError("不是日期")
    s = text(value).replace("．", ".").replace("。", ".")
    s = s.rstrip(".")
    if re.fullmatch(r"\d{4}年?", s) and 1900 <= int(s[:4]) <= 2100:
        raise CellError(YEAR_ONLY)
    if isinstance(value, CsvText) and (m := re.fullmatch(r"(\d{4})\.(1)", s)) and 1900 <= int(m[1]) <= 2100:
        raise _ambiguous(m[1], m[2], s)
    if m := _YMD.match(s):
        return _mk(int(m[1]), int(m[2]), int(m[3]))
    if m := _YM.match(s):
        return _mk(int(m[1]), int(m[2]))
    if m := _COMPACT.match(s):
        return _mk(int(m[1]), int(m[2]), int(m[3] or 1))
    raise CellError("无法识别的日期，请写成 1985.03 或 1985-03-12")


_TRUE = {"是", "√", "✓", "Y", "y", "YES", "yes", "True", "TRUE", "1", "有"}
_FALSE = {"否", "×", "N", "n", "NO", "no", "False", "FALSE", "0", "无", ""}


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    s = text(value)
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise CellError("应填“是”或“否”")


_POST_SPLIT = re.compile(r"[、,，;；/／和及兼\s]+|兼任")


def post_aliases(posts: list[dict]) -> dict[str, str]:
    """Alias → post code from the year's post table plus the common ways clerks write posts."""
    aliases: dict[str, str] = {}
    for p in posts:
        aliases[text(p["name"])] = p["code"]
    common = {
        "secretary": [
            "书记",
            "支部书记",
            "党支部书记",
            "党总支书记",
            "村党支部书记",
            "村党总支书记",
            "党委书记",
            "村党委书记",
            "村书记",
            "社区书记",
            "社区党委书记",
            "社区党支部书记",
            "党组织书记",
        ],
        "deputy_secretary": ["副书记", "党支部副书记", "党总支副书记", "村党支部副书记", "社区副书记"],
        "party_member": ["支委", "支部委员", "党支部委员", "党总支委员", "总支委员", "党委委员"],
        "chair": ["主任", "村主任", "村委会主任", "村委主任", "居委会主任", "社区主任", "社区居委会主任"],
        "vice_chair": ["副主任", "村委会副主任", "村委副主任", "居委会副主任", "社区副主任"],
        "committee_member": ["委员", "村委", "村委委员", "村委会委员", "居委会委员", "社区居委会委员"],
        "supervision_chair": ["监委会主任", "村监委会主任", "监督委员会主任", "村务监督委员会主任"],
        "supervision_member": ["监委会委员", "村监委会委员", "监督委员会委员", "村务监督委员会委员", "监委委员"],
        "group_leader": ["组长", "村民小组长", "小组长", "居民小组长"],
        "clerk": ["文书", "村文书", "秘书", "村秘书"],
        "accountant": ["报账员", "会计", "村会计", "出纳"],
    }
    codes = {p["code"] for p in posts}
    for code, names in common.items():
        if code in codes:
            for n in names:
                aliases.setdefault(n, code)
    return aliases


def _segment(part: str, aliases: dict[str, str]) -> list[str] | None:
    """'书记主任' → ['书记', '主任'] by longest known alias first; None when it cannot."""
    if not part:
        return []
    for end in range(len(part), 0, -1):
        head = part[:end]
        if head in aliases:
            rest = _segment(part[end:], aliases)
            if rest is not None:
                return [head, *rest]
    return None


def parse_posts(value, aliases: dict[str, str]) -> list[str]:
    """'书记、主任' → ['secretary', 'chair']; '书记兼主任', '书记 主任' likewise. Unknown parts raise."""
    raw = unicodedata.normalize("NFKC", str(value or "")).strip()
    if not raw:
        return []
    whole = text(raw)
    if whole in aliases:
        return [aliases[whole]]
    raw = re.sub(r"[(（]?一肩挑[)）]?", "、", raw)
    parts = [text(p) for p in _POST_SPLIT.split(raw) if text(p)]
    codes: list[str] = []
    unknown = []
    for part in parts:
        pieces = [part] if part in aliases else (_segment(part, aliases) or [])
        if not pieces:
            unknown.append(part)
        for piece in pieces:
            code = aliases[piece]
            if code not in codes:
                codes.append(code)
    if unknown:
        raise CellError(f"无法识别的职务「{'、'.join(unknown)}」（多个职务用顿号分隔，如“书记、主任”）")
    return codes


_PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")


def parse_phone(value) -> str:
    s = text(value).replace("—", "-").replace("－", "-")
    if not s:
        return ""
    if _PHONE.match(s):
        return s
    raise CellError("应为11位手机号或带区号的固定电话")


def parse_int(value, *, lo: int | None = None, hi: int | None = None) -> int | None:
    if is_blank(value):
        return None
    try:
        number = float(text(value))
    except ValueError:
        raise CellError("应为整数") from None
    if not number.is_integer():
        raise CellError("应为整数")
    number = int(number)
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        raise CellError(f"应在 {lo}–{hi} 之间")
    return number
