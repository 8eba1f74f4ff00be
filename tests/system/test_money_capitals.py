"""人民币大写金额 (core.money): table of the customary cases, pure (no database)."""

from decimal import Decimal

import pytest

from core.money import yuan_in_capitals


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "零元整"),
        ("0.004", "零元整"),  # rounds to nothing
        ("0.005", "壹分"),  # ROUND_HALF_UP to the fen
        ("0.05", "伍分"),
        ("0.50", "伍角整"),
        ("1.05", "壹元零伍分"),
        ("10.50", "壹拾元伍角整"),
        ("1000", "壹仟元整"),
        ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
        ("100.05", "壹佰元零伍分"),
        ("10010.10", "壹万零壹拾元壹角整"),
        ("100500", "壹拾万零伍佰元整"),
        ("200000", "贰拾万元整"),
        ("1010000", "壹佰零壹万元整"),
        ("10050000", "壹仟零伍万元整"),
        ("100000000", "壹亿元整"),
        ("100000001", "壹亿零壹元整"),
        ("100010000", "壹亿零壹万元整"),
        ("27950.00", "贰万柒仟玖佰伍拾元整"),
        ("-35.20", "负叁拾伍元贰角整"),
        ("123456789012.34", "壹仟贰佰叁拾肆亿伍仟陆佰柒拾捌万玖仟零壹拾贰元叁角肆分"),
    ],
)
def test_amount_in_capitals(amount, words):
    assert yuan_in_capitals(Decimal(amount)) == words


def test_amounts_beyond_a_trillion_are_refused():
    with pytest.raises(ValueError, match="超出"):
        yuan_in_capitals(Decimal("1000000000000"))
