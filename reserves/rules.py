"""Pure rules of the reserve pool (no ORM): Party path intervals, eligibility, coverage, bands.

Everything here takes plain values and returns plain values, so it is table-tested in
tests/reserves/test_rules.py. Local thresholds (age limit, cut-off date, minimum education,
target per village) come in as a dict from the yearly policy profile; the Party path intervals
are national rules (Party Constitution art. 7 and the development work rules, DOMAIN §6 / §12.8).
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from core.dates import add_months

from .choices import PartyStage

# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------


def age_on(birth_date: datetime.date, on: datetime.date) -> int:
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def cn(day: datetime.date) -> str:
    return f"{day:%Y年%m月%d日}"


# ---------------------------------------------------------------------------------------------
# Party path (申请入党 → 入党积极分子 → 发展对象 → 预备党员 → 正式党员)
# ---------------------------------------------------------------------------------------------

PARTY_ORDER = [
    PartyStage.APPLICANT,
    PartyStage.ACTIVIST,
    PartyStage.CANDIDATE,
    PartyStage.PROBATIONARY,
    PartyStage.FULL,
]
# Minimum months between entering a stage and entering the next one.
MIN_MONTHS_AFTER = {
    PartyStage.APPLICANT: 6,  # 申请 ≥ 半年 → 积极分子
    PartyStage.ACTIVIST: 12,  # 积极分子培养教育 ≥ 1 年 → 发展对象
    PartyStage.CANDIDATE: 0,  # 政治审查、短期集中培训 → 预备党员
    PartyStage.PROBATIONARY: 12,  # 预备期 1 年 → 正式党员
}
PROBATION_MONTHS = 12
MAX_EXTENSION_MONTHS = 12  # 预备期可延长，最长不超过一年


def _main_stages(history: Iterable[tuple[str, datetime.date]]) -> list[tuple[str, datetime.date]]:
    return sorted(((s, d) for s, d in history if s != PartyStage.EXTENSION), key=lambda sd: (sd[1], PARTY_ORDER.index(sd[0])))


def _extension(history: Iterable[tuple[str, datetime.date, datetime.date | None]]) -> datetime.date | None:
    untils = [until for s, _d, until in history if s == PartyStage.EXTENSION and until]
    return max(untils) if untils else None


def probation_due(probation_start: datetime.date, extended_until: datetime.date | None = None) -> datetime.date:
    """When a probationary member is due for full membership (the end of an extension, if any)."""
    return extended_until or add_months(probation_start, PROBATION_MONTHS)


def latest_extension_until(probation_start: datetime.date) -> datetime.date:
    return add_months(probation_start, PROBATION_MONTHS + MAX_EXTENSION_MONTHS)


def next_party_step(history: list[tuple[str, datetime.date, datetime.date | None]]) -> tuple[str, datetime.date] | None:
    """(next stage, earliest date) from the recorded stages; None when nothing is due (empty
    history or already a full member)."""
    main = _main_stages((s, d) for s, d, _u in history)
    if not main:
        return None
    stage, since = main[-1]
    if stage == PartyStage.FULL:
        return None
    nxt = PARTY_ORDER[PARTY_ORDER.index(stage) + 1]
    if stage == PartyStage.PROBATIONARY:
        return nxt, probation_due(since, _extension(history))
    return nxt, add_months(since, MIN_MONTHS_AFTER[stage])


def party_stage_errors(
    history: list[tuple[str, datetime.date, datetime.date | None]],
    *,
    stage: str,
    on: datetime.date,
    until: datetime.date | None = None,
    today: datetime.date,
) -> dict[str, str]:
    """Field-keyed Chinese messages for recording ``stage`` on ``on``; empty when allowed.

    ``history`` holds (stage, date, until) of what is already recorded for the reserve.
    """
    labels = dict(PartyStage.choices)
    if stage not in labels:
        return {"stage": "请选择入党进程阶段。"}
    if on > today:
        return {"date": "日期不能晚于今天。"}
    main = _main_stages((s, d) for s, d, _u in history)
    last_stage, last_date = main[-1] if main else (None, None)
    if stage == PartyStage.EXTENSION:
        if last_stage != PartyStage.PROBATIONARY:
            return {"stage": "只有预备党员才能延长预备期。"}
        if any(s == PartyStage.EXTENSION for s, _d, _u in history):
            return {"stage": "预备期只能延长一次。"}
        if on < last_date:
            return {"date": f"延长决定日期不能早于预备期开始日期（{cn(last_date)}）。"}
        if until is None:
            return {"until": "请填写延长后的预备期截止日期。"}
        normal_due = probation_due(last_date)
        limit = latest_extension_until(last_date)
        if until <= normal_due:
            return {"until": f"延长后的截止日期须晚于原预备期满日期（{cn(normal_due)}）。"}
        if until > limit:
            return {"until": f"预备期延长最长不超过一年，最迟至{cn(limit)}。"}
        return {}
    if until is not None:
        return {"until": "只有“延长预备期”需要填写截止日期。"}
    if last_stage is None:
        if stage == PartyStage.FULL:
            return {"stage": "正式党员须先有预备党员阶段的记录。"}
        return {}
    if any(s == stage for s, _d in main):
        return {"stage": f"已记录过“{labels[stage]}”阶段。"}
    if last_stage == PartyStage.FULL:
        return {"stage": "已是正式党员。"}
    expected = PARTY_ORDER[PARTY_ORDER.index(last_stage) + 1]
    if stage != expected:
        return {"stage": f"当前为“{labels[last_stage]}”，下一阶段应为“{labels[expected]}”，不能跳过或倒退。"}
    earliest = add_months(last_date, MIN_MONTHS_AFTER[last_stage])
    if last_stage == PartyStage.PROBATIONARY:
        earliest = probation_due(last_date, _extension(history))
    if on < earliest:
        if last_stage == PartyStage.PROBATIONARY:
            return {"date": f"预备期未满：{cn(last_date)}起的预备党员最早于{cn(earliest)}转为正式党员。"}
        months = MIN_MONTHS_AFTER[last_stage]
        return {
            "date": f"“{labels[last_stage]}”（{cn(last_date)}起）须满{_months_text(months)}，"
            f"最早于{cn(earliest)}成为“{labels[stage]}”。"
        }
    return {}


def _months_text(months: int) -> str:
    return f"{months // 12}年" if months % 12 == 0 else f"{months}个月"


# ---------------------------------------------------------------------------------------------
# Eligibility (policy: age limit at a cut-off date, minimum education)
# ---------------------------------------------------------------------------------------------

COLLEGE = "5_college"


def cutoff_date(cohort: int, cutoff: str) -> datetime.date:
    """The date age is computed at: the cohort year's month-day from the policy ("01-01")."""
    month, day = (int(part) for part in str(cutoff or "01-01").split("-")[:2])
    return datetime.date(cohort, month, min(day, calendar.monthrange(cohort, month)[1]))


def valid_cutoff(cutoff: str) -> bool:
    try:
        cutoff_date(2024, cutoff)
    except (TypeError, ValueError):
        return False
    return True


def age_limit(education: str, rules: Mapping) -> int:
    limit = int(rules["max_age"])
    college_limit = int(rules.get("max_age_college") or 0)
    if college_limit and education and education >= COLLEGE:
        limit = max(limit, college_limit)
    return limit


def eligibility_errors(
    *, birth_date: datetime.date, education: str, cohort: int, rules: Mapping, education_labels: Mapping[str, str]
) -> dict[str, str]:
    """Problems with a person's age and education against the year's reserve rules."""
    errors: dict[str, str] = {}
    on = cutoff_date(cohort, rules.get("age_cutoff", "01-01"))
    age = age_on(birth_date, on)
    limit = age_limit(education, rules)
    if age > limit:
        errors["person"] = f"截至{cn(on)}年满{age}周岁，超过后备力量年龄条件（{limit}周岁及以下）。"
    elif age < 18:
        errors["person"] = f"截至{cn(on)}未满十八周岁。"
    minimum = rules.get("min_education") or ""
    if minimum:
        if not education:
            errors["education"] = f"未填写学历，后备力量须具有{education_labels.get(minimum, minimum)}及以上学历。"
        elif education < minimum:
            errors["education"] = (
                f"学历为{education_labels.get(education, education)}，低于后备力量最低学历"
                f"（{education_labels.get(minimum, minimum)}及以上）。"
            )
    return errors


# ---------------------------------------------------------------------------------------------
# Coverage and structure
# ---------------------------------------------------------------------------------------------

HUNDRED = Decimal("100")
CENT = Decimal("0.01")


def share_percent(part: int, whole: int) -> Decimal:
    """part / whole as a percentage with two decimals (ROUND_HALF_UP); 0.00 for an empty whole."""
    if not whole:
        return Decimal("0.00")
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


def meets_target(count: int, target: int) -> bool:
    return count >= target


def coverage_summary(counts: Iterable[int], target: int) -> dict:
    """{villages, meeting, below, share, members, shortfall} for a list of per-village counts."""
    counts = list(counts)
    meeting = sum(1 for c in counts if meets_target(c, target))
    return {
        "villages": len(counts),
        "meeting": meeting,
        "below": len(counts) - meeting,
        "share": share_percent(meeting, len(counts)),
        "members": sum(counts),
        "shortfall": sum(max(0, target - c) for c in counts),
    }


AGE_BANDS = [(30, "30岁及以下"), (35, "31–35岁"), (40, "36–40岁"), (45, "41–45岁"), (200, "46岁及以上")]


def age_band(age: int) -> str:
    return next(label for upper, label in AGE_BANDS if age <= upper)
