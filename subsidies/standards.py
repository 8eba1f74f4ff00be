"""Pay standards from the policy section (plain dicts in, ``Calc`` out). No ORM.

``rules`` is the "subsidies" section (subsidies.policy_section.pay_rules), ``posts`` the register's
post table (code, name, post_class principal/deputy/general).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from . import rules as payrules
from .choices import StandardBasis
from .rules import Calc, money

CLASS_LABELS = {"principal": "主职", "deputy": "副职", "general": "一般干部"}
# The annual review's composite score is on the scale the assessments section chooses (百分制 100
# or 千分制 1000); the points-mode threshold must be on the same scale.
DEFAULT_REVIEW_SCALE = Decimal(100)


def review_score_scale(year: int) -> Decimal:
    """Full marks of the year's review scores, read from the profile's assessments section (data,
    not an import of that app): 100 unless the county chose 千分制."""
    from core.policy import policy_for_year

    scoring = policy_for_year(year).section("assessments").get("scoring") or {}
    try:
        value = payrules.dec(str(scoring.get("scale") or DEFAULT_REVIEW_SCALE))
    except ArithmeticError:
        return DEFAULT_REVIEW_SCALE
    return value if value in (Decimal(100), Decimal(1000)) else DEFAULT_REVIEW_SCALE


def scale_name(scale) -> str:
    return "千分制" if payrules.dec(scale) == 1000 else "百分制"


def tier_for(rules: dict, category: str | None) -> dict:
    tiers = {t["code"]: t for t in rules.get("tiers", [])}
    if category and category in tiers:
        return tiers[category]
    default = rules["standards"].get("default_tier")
    if default in tiers:
        return tiers[default]
    if not tiers:
        raise ValueError("政策配置中没有书记报酬档次。")
    return next(iter(tiers.values()))


def income_based(rules: dict) -> bool:
    """Standards derived from last year's rural income per head × multiples (else fixed tiers)."""
    return rules["standards"].get("basis") == StandardBasis.INCOME


def secretary_standard(rules: dict, category: str | None = None) -> Calc:
    s = rules["standards"]
    if income_based(rules):
        return payrules.income_standard(
            income=s.get("rural_income_per_head") or 0,
            multiple=s.get("secretary_multiple") or 0,
            rounding=s.get("income_rounding") or "fen",
            label="书记",
        )
    tier = tier_for(rules, category)
    return payrules.secretary_standard(tier_amount=tier["secretary_amount"], uplift=s.get("uplift") or 0)


def one_shoulder_standard(rules: dict, names: Sequence[str]) -> Calc:
    """一肩挑 (the principal posts held by one person) paid as one post at its own multiple."""
    s = rules["standards"]
    return payrules.income_standard(
        income=s.get("rural_income_per_head") or 0,
        multiple=s.get("one_shoulder_multiple") or 0,
        rounding=s.get("income_rounding") or "fen",
        label=f"一肩挑：{'、'.join(names)}",
    )


def class_percent(rules: dict, post_class: str) -> Decimal:
    """The default ratio of a post class to the secretary: 主职 100 %, 副职/一般干部 as configured."""
    s = rules["standards"]
    percents = {"principal": 100, "deputy": s["deputy_percent"], "general": s["general_percent"]}
    return payrules.dec(percents.get(post_class, 0))


def post_ratio(rules: dict, post: dict) -> tuple[Decimal, str]:
    """(percent of the secretary's pay, where it comes from) for one post: the post's own row in
    the ratio table (毛田镇 书记 : 主任 : 副职 : 文书 = 1 : 0.9 : 0.8 : 0.8) when the county set one,
    else the post's class (主职 / 副职 / 一般干部)."""
    for row in rules.get("post_ratios") or []:
        if row.get("code") == post.get("code") and row.get("percent") not in (None, ""):
            return payrules.dec(row["percent"]), "按职务系数"
    post_class = post.get("post_class", "")
    return class_percent(rules, post_class), f"按{CLASS_LABELS.get(post_class, '未分类职务')}比例"


def post_standard(rules: dict, post: dict, category: str | None = None) -> Calc:
    sec = secretary_standard(rules, category)
    calc = payrules.post_standard(secretary=sec.amount, percent=post_ratio(rules, post)[0])
    return Calc(calc.amount, calc.explanation, calc.rule, {**calc.inputs, "post": post["code"], "tier": category or ""})


@dataclass(frozen=True)
class PersonStandard:
    annual: Calc
    split: payrules.Split
    posts: list[str]
    warnings: list[str]
    explanation: str = ""


def person_standard(rules: dict, posts: Sequence[dict], held: Sequence[tuple[str, str | None]]) -> PersonStandard:
    """A person's yearly standard from the posts held, each ``(post code, village category)``
    (一肩挑 / cross-posts combined as the profile says; with income-based standards, two or more
    principal posts held together are one 一肩挑 post at the 一肩挑 multiple)."""
    table = {p["code"]: p for p in posts}
    pairs = sorted(((table[c], cat) for c, cat in dict.fromkeys(held) if c in table), key=lambda pc: pc[0].get("sort", 0))
    if not pairs:
        raise ValueError("没有可计酬的职务。")
    if income_based(rules):
        pairs = list({p["code"]: (p, cat) for p, cat in pairs}.values())  # the village tier plays no part
    calcs = [(p, post_standard(rules, p, cat), cat) for p, cat in pairs]
    s = rules["standards"]
    principals = [p for p, _ in pairs if p.get("post_class") == "principal"]
    one_shoulder = None
    if income_based(rules) and len(principals) >= 2:
        one_shoulder = one_shoulder_standard(rules, [p["name"] for p in principals])
        standards = [("一肩挑", one_shoulder.amount)]
        standards += [(p["name"], c.amount) for p, c, _ in calcs if p.get("post_class") != "principal"]
    else:
        standards = [(p["name"], c.amount) for p, c, _ in calcs]
    annual = payrules.combine_posts(
        standards=standards, mode=s.get("cross_post_mode", "highest"), multiple_percent=s.get("cross_post_multiple_percent", 100)
    )
    split = payrules.split_pay(annual=annual.amount, base_percent=s["base_percent"])
    warnings = []
    floor = payrules.principal_floor(
        rural_income=s.get("rural_income_per_head") or 0,
        multiple=s.get("floor_multiple") or 0,
        minimum=s.get("floor_minimum") or 0,
    )
    if principals:
        w = payrules.floor_warning(
            standard=annual.amount,
            rural_income=s.get("rural_income_per_head") or 0,
            multiple=s.get("floor_multiple") or 0,
            minimum=s.get("floor_minimum") or 0,
        )
    elif any(p.get("post_class") == "deputy" for p, _ in pairs):
        w = payrules.deputy_floor_warning(
            standard=annual.amount,
            principal_floor=floor,
            percent=s.get("deputy_floor_percent") or 0,
            minimum=s.get("deputy_floor_minimum") or 0,
        )
    else:
        w = None
    if w:
        warnings.append(w)
    if one_shoulder is not None:
        parts = [one_shoulder.explanation]
    else:
        parts = [f"书记标准 {secretary_standard(rules, cat).explanation}" for cat in dict.fromkeys(cat for _, cat in pairs)]
    parts += [f"{p['name']} {c.explanation}" for p, c, _ in calcs if p.get("post_class") != "principal"]
    if len(standards) > 1:
        parts.append(annual.explanation)
    return PersonStandard(
        annual=annual,
        split=split,
        posts=[p["code"] for p, _ in pairs],
        warnings=warnings,
        explanation="，".join(parts),
    )


def standards_table(rules: dict, posts: Sequence[dict]) -> list[dict]:
    """What each post earns this year in each tier (the preview page): one row per post."""
    tiers = display_tiers(rules)
    rows = []
    for post in sorted(posts, key=lambda p: p.get("sort", 0)):
        cells = []
        for tier in tiers:
            std = person_standard(rules, posts, [(post["code"], tier["code"])])
            cells.append(
                {
                    "tier": tier,
                    "annual": std.annual.amount,
                    "explanation": post_standard(rules, post, tier["code"]).explanation,
                    "base_annual": std.split.base_annual,
                    "monthly": std.split.monthly,
                    "performance_pool": std.split.performance_pool,
                    "warnings": std.warnings,
                }
            )
        percent, source = post_ratio(rules, post)
        rows.append(
            {
                "post": post,
                "class_label": CLASS_LABELS.get(post.get("post_class"), ""),
                "percent": percent,
                "ratio_source": source,
                "cells": cells,
            }
        )
    return rows


def display_tiers(rules: dict) -> list[dict]:
    """The columns of the standards table: the village tiers, or one column when standards
    follow rural income (the tier then plays no part)."""
    if income_based(rules):
        return [{"code": "", "name": "按上年农村居民人均可支配收入倍数"}]
    return list(rules.get("tiers", []))


def one_shoulder_preview(rules: dict, posts: Sequence[dict]) -> PersonStandard | None:
    """What one person holding the principal posts (书记、主任) earns, for the standards page."""
    principals = [p["code"] for p in sorted(posts, key=lambda p: p.get("sort", 0)) if p.get("post_class") == "principal"]
    if len(principals) < 2:
        return None
    category = None if income_based(rules) else rules["standards"].get("default_tier")
    return person_standard(rules, posts, [(code, category) for code in principals[:2]])


def points_scale_problem(rules: dict, scale=DEFAULT_REVIEW_SCALE) -> str:
    """Why the points-mode threshold cannot be compared with the review's score, or "".

    The deduction is the points lost on the review's own scale (``scale``: 100 or 1000): a
    threshold above its full marks (900 against a 百分制 score) would deduct about 800 points ×
    ¥5 from everyone, so it is refused (pay runs fail with this message, the standards page
    shows it in red)."""
    perf = rules["performance"]
    scale = payrules.dec(scale)
    try:
        full = payrules.dec(perf.get("full_score"))
    except (ArithmeticError, ValueError, TypeError):
        return "绩效报酬“全额分数线”未填写或格式不正确。"
    if full > scale:
        hint = "如千分制 900 分折合百分制 90 分" if scale == 100 else "或在年度考核配置中改选分制"
        return (
            f"绩效报酬“全额分数线”为 {payrules.fmt_num(full)} 分，超出考核综合得分的满分 "
            f"{payrules.fmt_num(scale)} 分（{scale_name(scale)}）：按分数扣减时每人将被多扣约 "
            f"{payrules.fmt_num(full - scale)} 分。请在政策配置中按{scale_name(scale)}填写（{hint}）。"
        )
    return ""


def grade_percent(rules: dict, grade: str, grade_label: str = "") -> tuple[str, int] | None:
    for row in rules.get("grades", []):
        if (grade and row["code"] == grade) or (grade_label and row["name"] == grade_label):
            return row["name"], int(row["percent"])
    return None


def performance(
    rules: dict,
    *,
    pool: Decimal,
    grade: str,
    grade_label: str,
    score,
    category: str | None,
    scale=DEFAULT_REVIEW_SCALE,
) -> Calc | None:
    """Year-end performance pay from the review result, as the profile says (grades or points;
    points on the review's ``scale``)."""
    perf = rules["performance"]
    if perf.get("mode") == "points":
        problem = points_scale_problem(rules, scale)
        if problem:
            raise ValueError(problem)
        if score is None:
            return None
        return payrules.performance_by_points(pool=pool, score=score, full_score=perf["full_score"], per_point=perf["per_point"])
    found = grade_percent(rules, grade, grade_label)
    if found is None:
        return None
    label, pct = found
    cat_label, cat_pct = "", None
    if perf.get("use_village_category") and category:
        row = next((c for c in rules.get("categories", []) if c["code"] == category), None)
        if row is not None:
            cat_label, cat_pct = row["name"], int(row["percent"])
    return payrules.performance_by_grade(
        pool=pool, grade_label=label, grade_percent=pct, category_label=cat_label, category_percent=cat_pct
    )


def secretary_base_annual(rules: dict) -> Decimal:
    """Current secretary base pay at the default tier (living-subsidy model 4)."""
    sec = secretary_standard(rules)
    return payrules.split_pay(annual=sec.amount, base_percent=rules["standards"]["base_percent"]).base_annual


def living_amount(
    rules: dict,
    *,
    stints: Sequence[payrules.Stint],
    service: payrules.Service,
    on,
    top_post: str,
    extra: bool = False,
) -> Calc | None:
    """The yearly living subsidy under the county's chosen model."""
    living = rules["living"]
    model = living["model"]
    if model == "bands":
        return payrules.living_by_bands(
            years=service.cumulative_years,
            bands=rules.get("living_bands", []),
            extra=money(living.get("extra_amount") or 0) if extra else None,
        )
    if model == "per_three_years":
        return payrules.living_per_three_years(years=service.cumulative_years, monthly_per_step=living["monthly_per_three_years"])
    if model == "per_term":
        rates = {r["code"]: (int(r["rank"]), money(r["monthly"]), r["name"]) for r in rules.get("living_term_rates", [])}
        return payrules.living_per_term(stints=stints, rates=rates, on=on, term_years=int(living.get("term_years") or 3))
    if model == "percent_of_secretary":
        pp, label = 100, ""
        if top_post != "secretary":
            pp, label = int(living.get("chair_percent") or 100), "非书记主职"
        return payrules.living_percent_of_secretary(
            continuous_years=service.continuous_years,
            cumulative_years=service.cumulative_years,
            steps=rules.get("living_percent_steps", []),
            secretary_base=secretary_base_annual(rules),
            post_percent=pp,
            post_label=label,
        )
    raise ValueError(f"unknown living subsidy model {model!r}")
