"""Amounts in words: 人民币大写金额 as written on pay sheets and bank forms (pure, no ORM).

``yuan_in_capitals(Decimal("1234.56"))`` → ``"壹仟贰佰叁拾肆元伍角陆分"``. The amount is first
rounded to the fen (ROUND_HALF_UP). Customary rules: ``整`` after 元 or 角 when no 分 follows; one
``零`` for each run of zeros inside the number (壹万零伍佰元整) and between 元 and 分 when there is
no 角 (壹元零伍分); ``零元整`` for nothing; ``负`` in front of a negative amount.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("", "拾", "佰", "仟")
GROUP_UNITS = ("", "万", "亿")
LIMIT = Decimal("1000000000000")  # 一万亿: larger sums are not pay


def _integer_in_capitals(n: int) -> str:
    digits = str(n)
    size = len(digits)
    out: list[str] = []
    pending_zero = False
    for i, ch in enumerate(digits):
        pos = size - 1 - i
        d = int(ch)
        if d == 0:
            pending_zero = True
        else:
            if pending_zero and out:
                out.append("零")
            pending_zero = False
            out.append(DIGITS[d] + SMALL_UNITS[pos % 4])
        if pos % 4 == 0 and pos > 0 and int(digits[max(0, i - 3) : i + 1]):
            out.append(GROUP_UNITS[pos // 4])  # 万 / 亿 closes a group that is not all zeros
    return "".join(out)


def yuan_in_capitals(amount: Decimal) -> str:
    """The amount (元) in Chinese capital numerals, to the fen."""
    value = Decimal(amount).quantize(FEN, rounding=ROUND_HALF_UP)
    if abs(value) >= LIMIT:
        raise ValueError(f"金额 {value} 超出大写金额的范围")
    sign = "负" if value < 0 else ""
    fen_total = int(abs(value) * 100)
    yuan, rest = divmod(fen_total, 100)
    jiao, fen = divmod(rest, 10)
    if fen_total == 0:
        return "零元整"
    text = _integer_in_capitals(yuan) + "元" if yuan else ""
    if jiao:
        text += DIGITS[jiao] + "角"
    elif fen and yuan:
        text += "零"
    if fen:
        text += DIGITS[fen] + "分"
    else:
        text += "整"
    return sign + text
