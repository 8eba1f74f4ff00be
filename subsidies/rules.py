"""Pay and subsidy arithmetic: pure functions, no ORM, no policy lookups (DOMAIN §5, §12.3–12.4).

Every function takes plain values (Decimal money, int percentages, dates) and returns a ``Calc``:
the amount, quantized to the fen with ROUND_HALF_UP, plus a one-line Chinese explanation such as
``¥4,860 = ¥5,000 − 28 分 × ¥5`` and the inputs that produced it (JSON-safe, stored on the
ledger entry). Floats are refused: money is Decimal from the database or from strings.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from core import dates as core_dates

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")


# ---------------------------------------------------------------------------------------------
# Money and formatting
# ---------------------------------------------------------------------------------------------


def money(value) -> Decimal:
    """Yuan to the fen, ROUND_HALF_UP. Accepts Decimal, int and numeric strings, never float."""
    if isinstance(value, float):
        raise TypeError("money must be Decimal, int or str, never float")
    return Decimal(str(value) if not isinstance(value, Decimal) else value).quantize(CENT, rounding=ROUND_HALF_UP)


def dec(value) -> Decimal:
    """A non-money decimal (percentages, scores) from Decimal/int/str, never float."""
    if isinstance(value, float):
        raise TypeError("use Decimal or str, never float")
    return value if isinstance(value, Decimal) else Decimal(str(value))


def fmt_num(value) -> str:
    """28 → "28", 27.50 → "27.5", 1234 → "1,234" (no trailing zeros)."""
    d = dec(value)
    if d == d.to_integral_value():
        return f"{int(d):,}"
    return f"{d.normalize():,f}"


def fmt_yuan(value) -> str:
    """¥4,860 (whole yuan) or ¥2,250.05; negative amounts as −¥100."""
    d = money(value)
    sign = "−" if d < 0 else ""
    d = abs(d)
    body = f"{int(d):,}" if d == d.to_integral_value() else f"{d:,.2f}"
    return f"{sign}¥{body}"


def fmt_pct(value) -> str:
    return f"{fmt_num(value)}%"


def _json(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


@dataclass(frozen=True)
class Calc:
    amount: Decimal
    explanation: str
    rule: str
    inputs: dict = field(default_factory=dict)
    # Why the amount is ¥0, in the department's words (ZeroReason); empty when something is paid.
    zero_reason: str = ""

    def __post_init__(self):
        object.__setattr__(self, "inputs", _json(self.inputs))


class ZeroReason:
    """Why a person gets ¥0 for an item: the short words shown on the pay line (the explanation
    beside it says the detail). Rules may add their own (``年度考核不称职`` names the grade)."""

    NOT_INSURED = "未参保"
    BELOW_STANDARD = "低于标准"
    NOT_MET = "未达发放条件"
    POST_NOT_ELIGIBLE = "该职务不享受"
    UNDER_AGE = "未到龄"
    SHORT_SERVICE = "任职年限不足"
    ABNORMAL_DEPARTURE = "非正常离任"
    STILL_SERVING = "仍在任"
    STOPPED = "已终止发放"
    NO_REVIEW = "无年度考核结果"
    GRADE_NOT_SET = "考核等次未设发放比例"
    POINTS_USED_UP = "考核扣分扣完"
    NO_POST = "年度内无在任职务"

    @staticmethod
    def review_grade(grade_label: str) -> str:
        """A grade whose multiplier is 0 %: ``年度考核不称职``."""
        return f"年度考核{grade_label}"


def no_amount(*, reason: str, detail: str, rule: str, inputs: dict | None = None) -> Calc:
    """A ¥0 result with its reason: ``¥0（detail）``."""
    return Calc(ZERO, f"{fmt_yuan(ZERO)}（{detail}）", rule, inputs or {}, zero_reason=reason)


def post_not_eligible(*, item: str, posts: Sequence[str]) -> Calc:
    """The person's posts do not carry this item (e.g. the pension subsidy is for secretaries)."""
    names = "、".join(posts) or "所任职务"
    return no_amount(
        reason=ZeroReason.POST_NOT_ELIGIBLE,
        detail=f"{names}不享受{item}",
        rule="post_not_eligible",
        inputs={"item": item, "posts": list(posts)},
    )


# ---------------------------------------------------------------------------------------------
# Pay standards (DOMAIN §5, §12.3)
# ---------------------------------------------------------------------------------------------


def secretary_standard(*, tier_amount, uplift) -> Calc:
    """Secretary's yearly pay: tier + yearly uplift (¥42,000 + ¥3,000 → ¥45,000)."""
    tier, up = money(tier_amount), money(uplift)
    amount = money(tier + up)
    return Calc(
        amount,
        f"{fmt_yuan(amount)} = {fmt_yuan(tier)} + {fmt_yuan(up)}",
        "secretary_standard",
        {"tier_amount": tier, "uplift": up},
    )


def post_standard(*, secretary, percent) -> Calc:
    """Another post's yearly pay as a percentage of the secretary's (deputy 80 %, general 70 %)."""
    sec, p = money(secretary), dec(percent)
    amount = money(sec * p / HUNDRED)
    if p == HUNDRED:
        return Calc(amount, f"{fmt_yuan(amount)}（与书记同一标准）", "post_standard", {"secretary": sec, "percent": p})
    return Calc(amount, f"{fmt_yuan(amount)} = {fmt_yuan(sec)} × {fmt_pct(p)}", "post_standard", {"secretary": sec, "percent": p})


def combine_posts(*, standards: Sequence[tuple[str, Decimal]], mode: str, multiple_percent=100) -> Calc:
    """One person holding several posts (一肩挑, 交叉任职): the highest post only, the highest
    post times a configured multiple, or each post paid (兼职兼薪) — as the profile says."""
    if not standards:
        raise ValueError("no posts")
    ranked = sorted(standards, key=lambda s: money(s[1]), reverse=True)
    top_name, top = ranked[0][0], money(ranked[0][1])
    names = "、".join(name for name, _ in ranked)
    inputs = {"posts": [[n, money(a)] for n, a in ranked], "mode": mode, "multiple_percent": dec(multiple_percent)}
    if len(ranked) == 1:
        return Calc(top, f"{fmt_yuan(top)}（{top_name}）", "single_post", inputs)
    if mode == "sum":
        amount = money(sum((money(a) for _, a in ranked), ZERO))
        parts = " + ".join(fmt_yuan(a) for _, a in ranked)
        return Calc(amount, f"{fmt_yuan(amount)} = {parts}（兼职兼薪：{names}）", "cross_post_sum", inputs)
    if mode == "multiple":
        p = dec(multiple_percent)
        amount = money(top * p / HUNDRED)
        return Calc(
            amount,
            f"{fmt_yuan(amount)} = {fmt_yuan(top)}（{top_name}） × {fmt_pct(p)}（一人多岗：{names}）",
            "cross_post_multiple",
            inputs,
        )
    return Calc(top, f"{fmt_yuan(top)}（一人多岗只按最高职务{top_name}计发一份：{names}）", "cross_post_highest", inputs)


@dataclass(frozen=True)
class Split:
    annual: Decimal
    base_annual: Decimal
    monthly: Decimal
    performance_pool: Decimal
    explanation: str


def split_pay(*, annual, base_percent) -> Split:
    """Base/performance split (60/40): ¥45,000 → base ¥27,000 = ¥2,250/month, pool ¥18,000."""
    total, p = money(annual), dec(base_percent)
    base = money(total * p / HUNDRED)
    monthly = money(base / 12)
    pool = money(total - base)
    text = (
        f"基本报酬 {fmt_yuan(base)} = {fmt_yuan(total)} × {fmt_pct(p)}，每月 {fmt_yuan(monthly)}；"
        f"绩效报酬 {fmt_yuan(pool)} = {fmt_yuan(total)} − {fmt_yuan(base)}"
    )
    return Split(total, base, monthly, pool, text)


def monthly_base(*, base_annual, month: int) -> Calc:
    """One month's base pay: a twelfth, rounded to the fen; December takes the remainder so the
    twelve months add up to the yearly base exactly."""
    base = money(base_annual)
    monthly = money(base / 12)
    if month == 12:
        amount = money(base - 11 * monthly)
        if amount != monthly:
            return Calc(
                amount,
                f"{fmt_yuan(amount)} = {fmt_yuan(base)} − 11 × {fmt_yuan(monthly)}（12月补足尾差）",
                "monthly_base",
                {"base_annual": base, "month": month},
            )
    return Calc(monthly, f"{fmt_yuan(monthly)} = {fmt_yuan(base)} ÷ 12", "monthly_base", {"base_annual": base, "month": month})


ROUNDINGS = {"fen": (CENT, "精确到分"), "yuan": (Decimal(1), "四舍五入到元"), "hundred": (Decimal(100), "四舍五入到百元")}


def round_standard(value, rounding: str = "fen") -> Decimal:
    """A yearly standard rounded as the profile says (to the fen, yuan or hundred yuan,
    ROUND_HALF_UP), kept as money (two decimals)."""
    step = ROUNDINGS.get(rounding, ROUNDINGS["fen"])[0]
    return money((dec(value) / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step)


def income_standard(*, income, multiple, rounding: str = "fen", label: str = "书记") -> Calc:
    """A yearly standard as a multiple of last year's rural disposable income per head (白河县:
    书记、主任 2 倍, 一肩挑 2.5 倍): ¥19,000 × 2 = ¥38,000."""
    inc, m = money(income), dec(multiple)
    raw = inc * m
    amount = round_standard(raw, rounding)
    text = f"{fmt_yuan(amount)} = {fmt_yuan(inc)}（上年农村居民人均可支配收入） × {fmt_num(m)} 倍（{label}）"
    if amount != money(raw):
        text += f"，{ROUNDINGS.get(rounding, ROUNDINGS['fen'])[1]}"
    return Calc(amount, text, "income_standard", {"income": inc, "multiple": m, "rounding": rounding, "label": label})


def floor_warning(*, standard, rural_income, multiple, minimum) -> str | None:
    """Hubei-style floor: ≥ multiple × last year's rural income per head and ≥ a minimum."""
    std = money(standard)
    by_income = money(money(rural_income) * dec(multiple))
    floor = max(by_income, money(minimum))
    if std >= floor:
        return None
    return (
        f"{fmt_yuan(std)} 低于保底标准 {fmt_yuan(floor)}"
        f"（上年农村居民人均可支配收入 {fmt_yuan(rural_income)} × {fmt_num(multiple)} 倍 = {fmt_yuan(by_income)}，"
        f"且不低于 {fmt_yuan(minimum)}）"
    )


def principal_floor(*, rural_income, multiple, minimum) -> Decimal:
    """The principal posts' floor: the larger of multiple × rural income and the minimum."""
    return max(money(money(rural_income) * dec(multiple)), money(minimum))


def deputy_floor_warning(*, standard, principal_floor, percent, minimum) -> str | None:
    """Deputies' own floor (湖北: 副职不低于主职的70%): the larger of ``percent`` of the principal
    floor and a minimum of their own; 0 and 0 mean no floor for deputies."""
    p, low = dec(percent or 0), money(minimum or 0)
    if p <= 0 and low <= 0:
        return None
    by_share = money(money(principal_floor) * p / HUNDRED)
    floor = max(by_share, low)
    std = money(standard)
    if std >= floor:
        return None
    parts = []
    if p > 0:
        parts.append(f"主职保底 {fmt_yuan(principal_floor)} × {fmt_pct(p)} = {fmt_yuan(by_share)}")
    if low > 0:
        parts.append(f"不低于 {fmt_yuan(low)}")
    return f"{fmt_yuan(std)} 低于副职保底标准 {fmt_yuan(floor)}（{'，且'.join(parts)}）"


# ---------------------------------------------------------------------------------------------
# Performance pay (DOMAIN §4, §5)
# ---------------------------------------------------------------------------------------------


def performance_by_grade(*, pool, grade_label: str, grade_percent, category_label: str = "", category_percent=None) -> Calc:
    """Pool × grade multiplier (× village-category multiplier where configured)."""
    base, g = money(pool), dec(grade_percent)
    amount = base * g / HUNDRED
    text = f"{fmt_yuan(base)} × {fmt_pct(g)}（{grade_label}）"
    inputs = {"pool": base, "grade": grade_label, "grade_percent": g}
    if category_percent is not None:
        c = dec(category_percent)
        amount = amount * c / HUNDRED
        text += f" × {fmt_pct(c)}（{category_label}）"
        inputs.update(category=category_label, category_percent=c)
    amount = money(amount)
    if amount == ZERO and g == 0:
        return Calc(
            amount, f"{fmt_yuan(amount)} = {text}", "performance_grade", inputs, zero_reason=ZeroReason.review_grade(grade_label)
        )
    return Calc(amount, f"{fmt_yuan(amount)} = {text}", "performance_grade", inputs)


def performance_by_points(*, pool, score, full_score=900, per_point=5) -> Calc:
    """毛田镇: ≥900 points → full pool; each point below deducts ¥5 (never below zero)."""
    base, s, full, step = money(pool), dec(score), dec(full_score), money(per_point)
    inputs = {"pool": base, "score": s, "full_score": full, "per_point": step}
    if s >= full:
        return Calc(base, f"{fmt_yuan(base)}（得分 {fmt_num(s)} ≥ {fmt_num(full)}，全额）", "performance_points", inputs)
    short = full - s
    amount = max(money(base - short * step), ZERO)
    text = f"{fmt_yuan(amount)} = {fmt_yuan(base)} − {fmt_num(short)} 分 × {fmt_yuan(step)}"
    if amount == ZERO:
        text += "（扣完为止）"
        return Calc(amount, text, "performance_points", inputs, zero_reason=ZeroReason.POINTS_USED_UP)
    return Calc(amount, text, "performance_points", inputs)


def pension_subsidy(*, amount, insured: bool, paying_at_standard: bool) -> Calc:
    """Seed 002: secretaries in basic pension insurance paying at the standard get ¥2,000/yr;
    otherwise ¥0, 未参保 or 低于标准 (insured, but paying below the standard)."""
    a = money(amount)
    inputs = {"amount": a, "insured": insured, "paying_at_standard": paying_at_standard}
    if not insured:
        return no_amount(reason=ZeroReason.NOT_INSURED, detail="未参加基本养老保险", rule="pension_subsidy", inputs=inputs)
    if not paying_at_standard:
        return no_amount(
            reason=ZeroReason.BELOW_STANDARD, detail="已参保，但缴费低于补贴标准", rule="pension_subsidy", inputs=inputs
        )
    return Calc(a, f"{fmt_yuan(a)}（参加基本养老保险并按标准缴费）", "pension_subsidy", inputs)


# ---------------------------------------------------------------------------------------------
# Service years (counted once across overlapping posts)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stint:
    post: str
    start: datetime.date
    end: datetime.date | None = None


@dataclass(frozen=True)
class Service:
    cumulative_months: int
    continuous_months: int

    @property
    def cumulative_years(self) -> int:
        return self.cumulative_months // 12

    @property
    def continuous_years(self) -> int:
        return self.continuous_months // 12


def full_months(start: datetime.date, end: datetime.date) -> int:
    """Whole months from ``start`` to ``end``, the last day in post (inclusive): 2000-01-01 …
    2008-12-31 is 108 months, and a year counts only after 12 full months. The one calendar
    rule of every app (core.dates.full_months)."""
    return core_dates.full_months(start, end)


def merge_stints(stints: Iterable[Stint], *, on: datetime.date) -> list[tuple[datetime.date, datetime.date]]:
    """Overlapping or back-to-back posts merged into continuous periods of (first day, last day),
    both inclusive: a post ending on 31 March and the next starting on 1 April are one period.
    Service after ``on`` is not counted; an end before its start (a typing error) counts nothing."""
    return core_dates.merge_spans(((s.start, s.end) for s in stints), on=on)


def service_years(stints: Iterable[Stint], *, on: datetime.date) -> Service:
    periods = merge_stints(stints, on=on)
    months = [full_months(a, b) for a, b in periods]
    return Service(cumulative_months=sum(months), continuous_months=max(months, default=0))


# ---------------------------------------------------------------------------------------------
# Departed-cadre living subsidy (DOMAIN §5): eligibility and the four amount models
# ---------------------------------------------------------------------------------------------


def age_on(birth_date: datetime.date, on: datetime.date) -> int:
    years = on.year - birth_date.year
    return years - 1 if (on.month, on.day) < (birth_date.month, birth_date.day) else years


def living_refusals(
    *,
    sex: str,
    birth_date: datetime.date,
    on: datetime.date,
    normal_departure: bool,
    still_serving: bool,
    held_eligible_post: bool,
    service: Service,
    min_continuous_years: int,
    min_cumulative_years: int,
    age_male: int,
    age_female: int,
) -> list[tuple[str, str]]:
    """Why the person is not (yet) eligible, as (ZeroReason, detail) pairs; empty means eligible."""
    reasons = []
    if still_serving:
        reasons.append((ZeroReason.STILL_SERVING, "仍在任村干部"))
    if not normal_departure:
        reasons.append((ZeroReason.ABNORMAL_DEPARTURE, "非正常离任（免职、罢免等）"))
    if not held_eligible_post:
        reasons.append((ZeroReason.POST_NOT_ELIGIBLE, "未担任过享受补贴的职务"))
    if service.continuous_years < min_continuous_years and service.cumulative_years < min_cumulative_years:
        reasons.append(
            (
                ZeroReason.SHORT_SERVICE,
                f"任职年限不足：连续 {service.continuous_years} 年（须满 {min_continuous_years} 年）、"
                f"累计 {service.cumulative_years} 年（须满 {min_cumulative_years} 年）",
            )
        )
    threshold = age_male if sex == "M" else age_female
    age = age_on(birth_date, on)
    if age < threshold:
        reasons.append((ZeroReason.UNDER_AGE, f"未到年龄：{age} 岁（{'男' if sex == 'M' else '女'}性须满 {threshold} 岁）"))
    return reasons


def living_ineligibility(**kwargs) -> list[str]:
    """Reasons the person is not (yet) eligible, in full; an empty list means eligible."""
    return [detail for _, detail in living_refusals(**kwargs)]


def living_not_payable(**kwargs) -> Calc | None:
    """The ¥0 living-subsidy result of an ineligible departed cadre, every reason named (short
    reasons joined on the line: ``未到龄、任职年限不足``); None when eligible."""
    refusals = living_refusals(**kwargs)
    if not refusals:
        return None
    return no_amount(
        reason="、".join(reason for reason, _ in refusals),
        detail="；".join(detail for _, detail in refusals),
        rule="living_ineligible",
    )


def payable_in_year(*, year: int, stop_date: datetime.date | None) -> bool:
    """Termination takes effect from the following year: a stop in 2025 still pays 2025."""
    return stop_date is None or stop_date.year >= year


def living_by_bands(*, years: int, bands: Sequence[dict], extra=None, extra_label: str = "孤寡/无子女") -> Calc | None:
    """Model 1 (安龙): yearly amount by band of cumulative years; optional extra."""
    for band in sorted(bands, key=lambda b: int(b["min_years"]), reverse=True):
        lo, hi = int(band["min_years"]), int(band.get("max_years") or 0)
        if years >= lo and (hi == 0 or years <= hi):
            base = money(band["amount"])
            label = f"{lo}年以上档" if hi == 0 else (f"{lo}年档" if lo == hi else f"{lo}–{hi}年档")
            inputs = {"years": years, "band": label, "band_amount": base}
            if extra is not None and money(extra) > 0:
                e = money(extra)
                amount = money(base + e)
                inputs["extra"] = e
                return Calc(
                    amount,
                    f"{fmt_yuan(amount)} = {fmt_yuan(base)}（累计任职 {years} 年，{label}） + {fmt_yuan(e)}（{extra_label}）",
                    "living_bands",
                    inputs,
                )
            return Calc(base, f"{fmt_yuan(base)}（累计任职 {years} 年，{label}）", "living_bands", inputs)
    return None


def living_per_three_years(*, years: int, monthly_per_step) -> Calc | None:
    """Model 2 (太湖): ¥30/month per full three years served, paid for twelve months."""
    steps = years // 3
    if steps == 0:
        return None
    rate = money(monthly_per_step)
    monthly = money(steps * rate)
    amount = money(monthly * 12)
    return Calc(
        amount,
        f"{fmt_yuan(amount)} = {steps} 个满3年 × {fmt_yuan(rate)} × 12 个月（累计任职 {years} 年，每月 {fmt_yuan(monthly)}）",
        "living_per_three_years",
        {"years": years, "steps": steps, "monthly_per_step": rate},
    )


def _month_starts(first: datetime.date, last: datetime.date):
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        yield datetime.date(y, m, 1)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def months_by_highest_post(stints: Sequence[Stint], *, ranks: dict[str, int], on: datetime.date) -> dict[str, int]:
    """Each calendar month wholly within the person's service (the posts merged, ends inclusive,
    up to ``on``) counts once, for the highest-ranked post held at any time in it (rank 0 =
    highest): overlapping posts are never counted twice, and a change of post in mid-month loses
    no month."""
    ranked = [s for s in stints if s.post in ranks and s.start <= on]
    periods = merge_stints(ranked, on=on)
    out: dict[str, int] = {}
    for first, last in periods:
        for month in _month_starts(first, last):
            month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
            if month < first or month_end > last:
                continue  # a month only partly served
            holders = [s for s in ranked if s.start <= month_end and (s.end is None or s.end >= month)]
            top = min(holders, key=lambda s: ranks[s.post]).post
            out[top] = out.get(top, 0) + 1
    return out


def living_per_term(
    *, stints: Sequence[Stint], rates: dict[str, tuple[int, Decimal, str]], on: datetime.date, term_years: int = 3
) -> Calc | None:
    """Model 3: monthly amount per full term, by post (secretary > chair > clerk). ``rates`` maps
    post code → (rank, monthly amount per term, post name). A term counts after ``term_years``."""
    months = months_by_highest_post(stints, ranks={k: v[0] for k, v in rates.items()}, on=on)
    parts = []
    monthly = ZERO
    for post, count in sorted(months.items(), key=lambda kv: rates[kv[0]][0]):
        terms = count // (term_years * 12)
        if terms:
            rate = money(rates[post][1])
            monthly += terms * rate
            parts.append((post, terms, rate))
    if not parts:
        return None
    monthly = money(monthly)
    amount = money(monthly * 12)
    terms_text = " + ".join(f"{t} 届 × {fmt_yuan(r)}（{rates[p][2]}）" for p, t, r in parts)
    return Calc(
        amount,
        f"{fmt_yuan(amount)} = ({terms_text}) × 12 个月",
        "living_per_term",
        {"months_by_post": months, "terms": [[p, t, r] for p, t, r in parts], "term_years": term_years},
    )


def living_percent_of_secretary(
    *,
    continuous_years: int,
    cumulative_years: int,
    steps: Sequence[dict],
    secretary_base,
    post_percent=100,
    post_label: str = "",
) -> Calc | None:
    """Model 4: a percentage of the current secretary base pay by years (连续6/累计9 → 10 % …);
    other principal posts a share of the secretary figure (chairs 80 %)."""
    best = None
    for step in steps:
        met = continuous_years >= int(step["continuous_years"]) or cumulative_years >= int(step["cumulative_years"])
        if met and (best is None or dec(step["percent"]) > dec(best["percent"])):
            best = step
    if best is None:
        return None
    base, p, pp = money(secretary_base), dec(best["percent"]), dec(post_percent)
    amount = base * p / HUNDRED
    cond = f"连续满{best['continuous_years']}年或累计满{best['cumulative_years']}年"
    text = f"{fmt_yuan(base)} × {fmt_pct(p)}（{cond}）"
    if pp != HUNDRED:
        amount = amount * pp / HUNDRED
        text += f" × {fmt_pct(pp)}（{post_label}）"
    amount = money(amount)
    return Calc(
        amount,
        f"{fmt_yuan(amount)} = {text}",
        "living_percent_of_secretary",
        {
            "continuous_years": continuous_years,
            "cumulative_years": cumulative_years,
            "secretary_base": base,
            "percent": p,
            "post_percent": pp,
        },
    )
