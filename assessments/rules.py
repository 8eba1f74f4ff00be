"""The scoring rules of the annual review (双述双评) as pure functions: no ORM, no Django.

Everything a county may change is in :class:`Rules`, built from the yearly policy section
"assessments" by :func:`rules_from_policy`. Every function returns the number *and* the sentence
that explains it ("88.0 = 0.3×88 + 0.3×92 + 0.4×85", "优秀：称职票 91.7% ≥ 90%"), which the
services store so that each result can be explained on screen years later.

Arithmetic is Decimal throughout; shares are compared exactly (count × 100 ≥ percent × total),
never through a rounded display value. Scores are quantized to 0.01 with ROUND_HALF_UP.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from core.dates import add_months, full_months, merge_spans  # noqa: F401  (one calendar rule for every app)

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
HUNDRED = Decimal(100)

GROUP_LABELS = {"township": "乡镇测评", "members": "党员和村民代表测评", "all": "两类测评合计"}
SOURCE_LABELS = {
    "township_ballot": "乡镇测评",
    "members_ballot": "民主测评",
    "township_score": "乡镇考核评分",
    "daily_score": "日常工作考核",
    "village_score": "村级综合考核",
}

GRADED, TIE, INVALID, INCOMPLETE = "graded", "tie", "invalid", "incomplete"
WITHIN, OVER = "within", "over"


# ---------------------------------------------------------------------------------------------
# Number formatting (the explanations must read like a clerk's worksheet)
# ---------------------------------------------------------------------------------------------


def dec(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    return Decimal(value if value not in (None, "") else 0)


def q2(value) -> Decimal:
    return dec(value).quantize(CENT, ROUND_HALF_UP)


def plain(value) -> str:
    """88 → "88", 0.30 → "0.3", 95.67 → "95.67"."""
    d = dec(value)
    if d == d.to_integral_value():
        return str(d.quantize(Decimal(1)))
    return format(d.normalize(), "f")


def score_text(value) -> str:
    """A score with at least one decimal: 88 → "88.0", 95.666… → "95.67"."""
    s = plain(q2(value))
    return s if "." in s else s + ".0"


def percent_text(part, whole) -> str:
    """55 of 60 → "91.7%"; 30 of 60 → "50%"."""
    if not whole:
        return "0%"
    return plain((dec(part) * HUNDRED / dec(whole)).quantize(TENTH, ROUND_HALF_UP)) + "%"


# ---------------------------------------------------------------------------------------------
# The rules
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    code: str
    name: str
    source: str
    weight: Decimal


@dataclass(frozen=True)
class GradeDef:
    code: str
    name: str
    rank: int  # 1 = best
    min_score: Decimal
    quota_limited: bool = False
    poor: bool = False


@dataclass(frozen=True)
class BallotOption:
    code: str
    name: str
    points: Decimal


@dataclass(frozen=True)
class VoteRule:
    code: str
    name: str
    options: tuple[str, ...]
    group: str  # all | township | members
    comparator: str  # ge | gt
    percent: Decimal
    grade: str


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    top_percent: Decimal  # cumulative: A = first 20 %, B = up to 70 % …


@dataclass(frozen=True)
class StarRule:
    code: str
    name: str
    action: str  # grant | add | remove
    basis: str  # service_years | grade | category | item
    value: str
    stars: int


@dataclass(frozen=True)
class Rules:
    parts: tuple[Part, ...]
    grades: tuple[GradeDef, ...]
    options: tuple[BallotOption, ...]
    vote_rules: tuple[VoteRule, ...] = ()
    quorum_num: int = 2
    quorum_den: int = 3
    quorum_strict: bool = True
    quota_percent: Decimal = Decimal(20)
    quota_scope: str = "township"
    quota_rounding: str = "floor"
    max_bonus: Decimal = Decimal(0)
    max_penalty: Decimal = Decimal(0)
    categories: tuple[Category, ...] = ()
    rank_scope: str = "county"
    rank_basis: str = "village_score"
    star_rules: tuple[StarRule, ...] = ()
    max_stars: int = 5
    min_service_years: int = 1
    admonition_options: tuple[str, ...] = ()
    admonition_percent: Decimal = Decimal(40)
    admonition_grades: tuple[str, ...] = ()
    admonition_months: int = 3
    admonition_min_months: int = 1
    poor_consecutive_years: int = 2
    reballot_pass_percent: Decimal = Decimal(60)
    scale: Decimal = Decimal(100)  # full marks of every score: 百分制 100 or 千分制 1000

    def grade(self, code: str) -> GradeDef | None:
        return next((g for g in self.grades if g.code == code), None)

    def grade_name(self, code: str) -> str:
        g = self.grade(code)
        return g.name if g else code

    def option_name(self, code: str) -> str:
        return next((o.name for o in self.options if o.code == code), code)

    def category_name(self, code: str) -> str:
        return next((c.name for c in self.categories if c.code == code), code)

    def next_grade(self, code: str) -> GradeDef | None:
        g = self.grade(code)
        worse = [x for x in self.grades if g and x.rank > g.rank]
        return min(worse, key=lambda x: x.rank) if worse else None

    def worse_of(self, a: str, b: str) -> str:
        ga, gb = self.grade(a), self.grade(b)
        if ga is None or gb is None:
            return a if gb is None else b
        return a if ga.rank >= gb.rank else b

    @property
    def quota_grades(self) -> tuple[str, ...]:
        return tuple(g.code for g in self.grades if g.quota_limited)


def _codes(text) -> tuple[str, ...]:
    return tuple(c.strip() for c in str(text or "").replace("，", ",").replace("、", ",").split(",") if c.strip())


SCALES = (Decimal(100), Decimal(1000))


def score_scale(section: dict) -> Decimal:
    """Full marks of the review's scores from the policy section (百分制 100 unless 千分制 1000)."""
    value = dec((section.get("scoring") or {}).get("scale") or 100)
    return value if value in SCALES else Decimal(100)


def scale_name(scale) -> str:
    return "千分制" if dec(scale) == 1000 else "百分制"


def score_out_of_scale(value, scale) -> bool:
    return value is not None and not (0 <= dec(value) <= dec(scale))


def rules_from_policy(section: dict) -> Rules:
    """Build the rules from the policy section dict (JSON values: decimals arrive as strings)."""
    grading = section.get("grading", {})
    meeting = section.get("meeting", {})
    quota = section.get("quota", {})
    ranking = section.get("ranking", {})
    stars = section.get("stars", {})
    cons = section.get("consequences", {})
    return Rules(
        parts=tuple(Part(p["code"], p["name"], p["source"], dec(p["weight"])) for p in section.get("parts", [])),
        grades=tuple(
            sorted(
                (
                    GradeDef(
                        g["code"],
                        g["name"],
                        int(g["rank"]),
                        dec(g.get("min_score") or 0),
                        bool(g.get("quota_limited")),
                        bool(g.get("poor")),
                    )
                    for g in section.get("grades", [])
                ),
                key=lambda g: g.rank,
            )
        ),
        options=tuple(BallotOption(o["code"], o["name"], dec(o["points"])) for o in section.get("ballot_options", [])),
        vote_rules=tuple(
            VoteRule(
                r["code"],
                r["name"],
                _codes(r["options"]),
                r.get("group") or "all",
                r.get("comparator") or "ge",
                dec(r["percent"]),
                r["grade"],
            )
            for r in section.get("vote_rules", [])
        ),
        quorum_num=int(meeting.get("quorum_numerator", 2)),
        quorum_den=int(meeting.get("quorum_denominator", 3)),
        quorum_strict=bool(meeting.get("quorum_strict", True)),
        quota_percent=dec(quota.get("excellent_percent", 20)),
        quota_scope=quota.get("scope", "township"),
        quota_rounding=quota.get("rounding", "floor"),
        max_bonus=dec(grading.get("max_bonus", 0)),
        max_penalty=dec(grading.get("max_penalty", 0)),
        categories=tuple(Category(c["code"], c["name"], dec(c["top_percent"])) for c in section.get("categories", [])),
        rank_scope=ranking.get("scope", "county"),
        rank_basis=ranking.get("basis", "village_score"),
        star_rules=tuple(
            StarRule(r["code"], r["name"], r["action"], r["basis"], str(r.get("value") or ""), int(r["stars"]))
            for r in section.get("star_rules", [])
        ),
        max_stars=int(stars.get("max_stars", 5)),
        min_service_years=int(stars.get("min_service_years", 1)),
        admonition_options=_codes(cons.get("admonition_vote_options", "")),
        admonition_percent=dec(cons.get("admonition_vote_percent", 40)),
        admonition_grades=_codes(cons.get("admonition_grades", "")),
        admonition_months=int(cons.get("admonition_months", 3)),
        admonition_min_months=int(cons.get("admonition_min_months", 1)),
        poor_consecutive_years=int(cons.get("poor_consecutive_years", 2)),
        reballot_pass_percent=dec(cons.get("reballot_pass_percent", 60)),
        scale=score_scale(section),
    )


# ---------------------------------------------------------------------------------------------
# Years in post (stars: 任书记满几年)
# ---------------------------------------------------------------------------------------------


def service_years(spans: Iterable[tuple[datetime.date, datetime.date | None]], *, on: datetime.date) -> int:
    """Whole years in post up to ``on`` from (first day, last day or None) spans, both ends
    inclusive; overlapping or back-to-back spans are merged and counted once (12 full months
    make a year: 2000-01-01 … 2008-12-31 is 9 years)."""
    return sum(full_months(a, b) for a, b in merge_spans(spans, on=on)) // 12


# ---------------------------------------------------------------------------------------------
# Ballots
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """One rater group's paper ballots, entered as counts."""

    group: str
    entitled: int
    attended: int
    counts: dict[str, int]
    invalid: int = 0

    @property
    def valid(self) -> int:
        return sum(self.counts.values())


def meeting_valid(tally: Tally, rules: Rules) -> tuple[bool, str]:
    """> 2/3 of those entitled must attend (strict by default; ``quorum_strict`` False → ≥)."""
    label = GROUP_LABELS.get(tally.group, tally.group)
    lhs, rhs = tally.attended * rules.quorum_den, tally.entitled * rules.quorum_num
    ok = tally.entitled > 0 and (lhs > rhs if rules.quorum_strict else lhs >= rhs)
    sign = ">" if rules.quorum_strict else "≥"
    share = percent_text(tally.attended, tally.entitled)
    need = f"{rules.quorum_num}/{rules.quorum_den}"
    if ok:
        return True, f"{label}：实到{tally.attended}/{tally.entitled}人（{share}）{sign} {need}，会议有效"
    return False, f"{label}：实到{tally.attended}/{tally.entitled}人（{share}）未达到{sign} {need}，测评无效，须重新组织测评"


def ballot_score(tally: Tally, rules: Rules) -> tuple[Decimal | None, str]:
    """Ballots → a score on the policy's scale: Σ(票数 × 分值) ÷ 有效票 (the options' points are
    on the same scale)."""
    valid = tally.valid
    label = GROUP_LABELS.get(tally.group, tally.group)
    if not valid:
        return None, f"{label}：没有有效票"
    points = {o.code: o.points for o in rules.options}
    total = sum(dec(tally.counts.get(o.code, 0)) * o.points for o in rules.options)
    score = q2(total / valid)
    terms = " + ".join(f"{tally.counts.get(o.code, 0)}×{plain(points[o.code])}" for o in rules.options)
    return score, f"{label}折算分 {score_text(score)} = ({terms}) ÷ {valid}"


def _share_ok(count: int, total: int, comparator: str, percent: Decimal) -> bool:
    lhs, rhs = dec(count) * HUNDRED, percent * total
    return lhs > rhs if comparator == "gt" else lhs >= rhs


def _combine(tallies: Iterable[Tally], group: str) -> tuple[dict[str, int], int]:
    counts: dict[str, int] = {}
    for t in tallies:
        if group != "all" and t.group != group:
            continue
        for code, n in t.counts.items():
            counts[code] = counts.get(code, 0) + n
    return counts, sum(counts.values())


def vote_grade(tallies: list[Tally], rules: Rules) -> tuple[str | None, str]:
    """The first vote-share rule that fires decides the grade; None when none fires."""
    misses = []
    for rule in rules.vote_rules:
        counts, total = _combine(tallies, rule.group)
        if not total:
            continue
        n = sum(counts.get(code, 0) for code in rule.options)
        names = "+".join(rules.option_name(c) for c in rule.options)
        sign = ">" if rule.comparator == "gt" else "≥"
        share = percent_text(n, total)
        scope = "" if rule.group == "all" else GROUP_LABELS.get(rule.group, rule.group)
        if _share_ok(n, total, rule.comparator, rule.percent):
            return rule.grade, f"{rules.grade_name(rule.grade)}：{scope}{names}票 {share} {sign} {plain(rule.percent)}%"
        misses.append(f"{scope}{names}票 {share}，未达到{sign} {plain(rule.percent)}%")
    return None, "；".join(misses)


def band_grade(score: Decimal, rules: Rules) -> tuple[str, str]:
    for g in rules.grades:
        if score >= g.min_score:
            return g.code, f"{g.name}：综合得分 {score_text(score)} ≥ {plain(g.min_score)}"
    worst = rules.grades[-1]
    return worst.code, f"{worst.name}：综合得分 {score_text(score)}"


# ---------------------------------------------------------------------------------------------
# Composite score
# ---------------------------------------------------------------------------------------------


def composite(values: dict[str, Decimal | None], rules: Rules) -> tuple[Decimal | None, str, list[str]]:
    """Σ weight × value ÷ Σ weight. Returns (score, "88.0 = 0.3×88 + …", missing part names)."""
    parts = [p for p in rules.parts if p.weight > 0]
    missing = [p.name for p in parts if values.get(p.source) is None]
    if missing or not parts:
        return None, "", missing
    total_weight = sum(p.weight for p in parts)
    raw = sum(p.weight * dec(values[p.source]) for p in parts) / total_weight
    score = q2(raw)
    terms = " + ".join(f"{plain(p.weight / total_weight)}×{plain(values[p.source])}" for p in parts)
    return score, f"{score_text(score)} = {terms}", []


def adjusted(score: Decimal, items: list[tuple[str, Decimal]], rules: Rules) -> tuple[Decimal, str]:
    """Bonus and penalty items, each side capped by the policy (0 = no cap)."""
    if not items:
        return score, ""
    bonus = sum((dec(p) for _, p in items if dec(p) > 0), Decimal(0))
    penalty = -sum((dec(p) for _, p in items if dec(p) < 0), Decimal(0))
    notes = []
    if rules.max_bonus and bonus > rules.max_bonus:
        notes.append(f"加分合计{plain(bonus)}，超过上限{plain(rules.max_bonus)}，按{plain(rules.max_bonus)}计")
        bonus = rules.max_bonus
    if rules.max_penalty and penalty > rules.max_penalty:
        notes.append(f"减分合计{plain(penalty)}，超过上限{plain(rules.max_penalty)}，按{plain(rules.max_penalty)}计")
        penalty = rules.max_penalty
    final = max(q2(score + bonus - penalty), Decimal("0.00"))
    terms = " ".join(f"{'+' if dec(p) >= 0 else '−'} {plain(abs(dec(p)))}（{name}）" for name, p in items)
    text = f"{score_text(final)} = {score_text(score)} {terms}"
    return final, text + (f"（{'；'.join(notes)}）" if notes else "")


# ---------------------------------------------------------------------------------------------
# One review
# ---------------------------------------------------------------------------------------------


@dataclass
class ReviewInput:
    tallies: list[Tally] = field(default_factory=list)
    township_score: Decimal | None = None
    daily_score: Decimal | None = None
    village_score: Decimal | None = None
    adjustments: list[tuple[str, Decimal]] = field(default_factory=list)  # (name, ± points)
    vetoes: list[tuple[str, str]] = field(default_factory=list)  # (name, max grade code)


@dataclass
class ReviewOutcome:
    status: str
    score: Decimal | None = None
    score_explanation: str = ""
    grade: str = ""
    grade_lines: list[str] = field(default_factory=list)

    @property
    def grade_explanation(self) -> str:
        return "\n".join(self.grade_lines)


def evaluate(inp: ReviewInput, rules: Rules) -> ReviewOutcome:
    """Composite score and the grade before the quota (quota: :func:`apply_quota`)."""
    lines = []
    invalid = False
    for t in inp.tallies:
        ok, text = meeting_valid(t, rules)
        lines.append(text)
        invalid |= not ok
    if invalid:
        return ReviewOutcome(status=INVALID, grade_lines=lines)
    by_group = {t.group: t for t in inp.tallies}
    values: dict[str, Decimal | None] = {
        "township_score": inp.township_score,
        "daily_score": inp.daily_score,
        "village_score": inp.village_score,
    }
    score_lines = []
    for group in ("township", "members"):
        t = by_group.get(group)
        value, text = ballot_score(t, rules) if t else (None, "")
        values[f"{group}_ballot"] = value
        if value is not None:
            score_lines.append(text)
    needed_groups = {r.group for r in rules.vote_rules}
    missing_ballots = [GROUP_LABELS[g] for g in ("township", "members") if g in needed_groups and g not in by_group]
    if "all" in needed_groups and not inp.tallies:
        missing_ballots.append("测评票")
    score, text, missing = composite(values, rules)
    missing = [*missing, *(m for m in missing_ballots if m not in missing)]
    if score is None or missing_ballots:
        return ReviewOutcome(status=INCOMPLETE, grade_lines=[*lines, f"尚未录入：{'、'.join(missing) or '考核项目'}"])
    explanation = [text]
    if inp.adjustments:
        score, adj_text = adjusted(score, inp.adjustments, rules)
        explanation.append(adj_text)
    grade, why = vote_grade(inp.tallies, rules)
    if grade is not None and rules.grade(grade) is not None:
        lines.append(why)
    else:
        if why:
            lines.append(f"测评票未触发等次规则（{why}），按综合得分定等次")
        grade, why = band_grade(score, rules)
        lines.append(why)
    for name, cap in inp.vetoes:
        capped = rules.worse_of(grade, cap)
        if capped != grade:
            lines.append(f"一票否决「{name}」：等次不高于{rules.grade_name(cap)}，定为{rules.grade_name(capped)}")
            grade = capped
        else:
            lines.append(f"一票否决「{name}」：等次不高于{rules.grade_name(cap)}（已不高于）")
    return ReviewOutcome(
        status=GRADED, score=score, score_explanation="；".join([*score_lines, *explanation]), grade=grade, grade_lines=lines
    )


# ---------------------------------------------------------------------------------------------
# Quota on 优秀 (never auto-exceeded; a tie at the boundary goes back to the township)
# ---------------------------------------------------------------------------------------------


@dataclass
class QuotaOutcome:
    slots: int
    status: dict = field(default_factory=dict)  # key → within | over | tie
    explanation: dict = field(default_factory=dict)  # key → sentence


def quota_slots(total: int, rules: Rules) -> int:
    raw = dec(total) * rules.quota_percent / HUNDRED
    return int(raw.to_integral_value(ROUND_HALF_UP if rules.quota_rounding == "half_up" else ROUND_FLOOR))


def apply_quota(candidates: list[tuple[object, Decimal]], *, total: int, already: int, rules: Rules, grade_name: str = "优秀"):
    """``candidates``: (key, score) of reviews whose computed grade is quota-limited;
    ``total``: reviews in the quota scope; ``already``: places taken by manual decisions."""
    cap = quota_slots(total, rules)
    slots = max(cap - already, 0)
    out = QuotaOutcome(slots=slots)
    head = f"{grade_name}名额：{total}人×{plain(rules.quota_percent)}%={cap}人" + (f"，已确定{already}人" if already else "")
    ordered = sorted(candidates, key=lambda c: c[1], reverse=True)
    if len(ordered) <= slots:
        for i, (key, _) in enumerate(ordered, start=1):
            out.status[key] = WITHIN
            out.explanation[key] = f"{head}，按综合得分排第{i}名，在名额内"
        return out
    boundary = ordered[slots - 1][1] if slots else None
    tie_at_boundary = slots > 0 and ordered[slots][1] == boundary
    tied = [k for k, s in ordered if tie_at_boundary and s == boundary]
    first_tied = next((i for i, (_, s) in enumerate(ordered, start=1) if tie_at_boundary and s == boundary), 0)
    granted_above = sum(1 for _, s in ordered if tie_at_boundary and s > boundary)
    for i, (key, score) in enumerate(ordered, start=1):
        if tie_at_boundary and score == boundary:
            out.status[key] = TIE
            out.explanation[key] = (
                f"{head}；第{first_tied}—{first_tied + len(tied) - 1}名并列{score_text(score)}分，"
                f"剩余{slots - granted_above}个名额由乡镇决定（系统不自动确定）"
            )
        elif (tie_at_boundary and score > boundary) or (not tie_at_boundary and i <= slots):
            out.status[key] = WITHIN
            out.explanation[key] = f"{head}，按综合得分排第{i}名，在名额内"
        else:
            out.status[key] = OVER
            out.explanation[key] = f"{head}，按综合得分排第{i}名，超出名额"
    return out


# ---------------------------------------------------------------------------------------------
# Village ranking → category (以村考核排名定类别)
# ---------------------------------------------------------------------------------------------


def competition_ranks(items: list[tuple[object, Decimal]]) -> dict:
    """1, 2, 2, 4 …: equal scores share a rank."""
    ordered = sorted(items, key=lambda x: x[1], reverse=True)
    ranks, prev, rank = {}, None, 0
    for i, (key, score) in enumerate(ordered, start=1):
        if score != prev:
            rank, prev = i, score
        ranks[key] = rank
    return ranks


def category_for(rank: int, total: int, rules: Rules, scope_label: str = "全县") -> tuple[str, str]:
    if not rules.categories or not total:
        return "", ""
    cats = sorted(rules.categories, key=lambda c: c.top_percent)
    position = percent_text(rank, total)
    for c in cats:
        if dec(rank) * HUNDRED <= c.top_percent * total:
            return c.code, f"{scope_label}排名第{rank}/{total}（前{position}）→ {c.name}（前{plain(c.top_percent)}%）"
    last = cats[-1]
    return last.code, f"{scope_label}排名第{rank}/{total}（前{position}）→ {last.name}"


# ---------------------------------------------------------------------------------------------
# Stars (工龄成就赋星、六大体系加星、三项措施降星)
# ---------------------------------------------------------------------------------------------


def _matches(rule: StarRule, *, service_years: int, grade: str, category: str, items: set[str]) -> bool:
    if rule.basis == "service_years":
        try:
            return service_years >= int(rule.value)
        except ValueError:
            return False
    if rule.basis == "grade":
        return grade == rule.value
    if rule.basis == "category":
        return bool(category) and category == rule.value
    if rule.basis == "item":
        return rule.value in items
    return False


def star_rating(*, service_years: int, grade: str, category: str, items: set[str], rules: Rules) -> tuple[int, list[str]]:
    """Grant (the highest matching grant rule), then add and remove; 0…max_stars; one reason per star."""
    if service_years < rules.min_service_years:
        return 0, [f"任书记不满{rules.min_service_years}年，不评星"]
    facts = {"service_years": service_years, "grade": grade, "category": category, "items": items}
    reasons: list[str] = []
    grants = [r for r in rules.star_rules if r.action == "grant" and _matches(r, **facts)]
    stars = 0
    if grants:
        best = max(grants, key=lambda r: r.stars)
        stars = best.stars
        reasons.append(f"赋{best.stars}星：{best.name}")
    for r in rules.star_rules:
        if r.action == "add" and _matches(r, **facts):
            stars += r.stars
            reasons.append(f"加{r.stars}星：{r.name}")
    for r in rules.star_rules:
        if r.action == "remove" and _matches(r, **facts):
            stars -= r.stars
            reasons.append(f"降{r.stars}星：{r.name}")
    if stars > rules.max_stars:
        reasons.append(f"最高{rules.max_stars}星")
    if stars < 0:
        reasons.append("最低0星")
    return max(0, min(stars, rules.max_stars)), reasons


# ---------------------------------------------------------------------------------------------
# Consequences (proposals; county staff confirm)
# ---------------------------------------------------------------------------------------------


def admonition_reason(*, grade: str, tallies: list[Tally], rules: Rules) -> str:
    if grade and grade in rules.admonition_grades:
        return f"年度等次为{rules.grade_name(grade)}，建议诫勉谈话（诫勉期{rules.admonition_months}个月）"
    if rules.admonition_options:
        counts, total = _combine(tallies, "all")
        n = sum(counts.get(c, 0) for c in rules.admonition_options)
        if total and _share_ok(n, total, "ge", rules.admonition_percent):
            names = "+".join(rules.option_name(c) for c in rules.admonition_options)
            return (
                f"{names}票 {percent_text(n, total)} ≥ {plain(rules.admonition_percent)}%，"
                f"建议诫勉谈话（诫勉期{rules.admonition_months}个月）"
            )
    return ""


def consecutive_poor_reason(*, year: int, grades_by_year: dict[int, str], rules: Rules) -> str:
    """Poor grades in ``poor_consecutive_years`` years up to and including ``year``."""
    n = rules.poor_consecutive_years
    if n < 1:
        return ""
    poor = {g.code for g in rules.grades if g.poor}
    years = list(range(year - n + 1, year + 1))
    if all(grades_by_year.get(y) in poor for y in years):
        labels = "、".join(f"{y}年{rules.grade_name(grades_by_year[y])}" for y in years)
        return f"连续{n}年等次较差（{labels}），建议组织调整"
    return ""


def reballot_passed(*, votes_for: int, votes_total: int, rules: Rules) -> tuple[bool, str]:
    ok = votes_total > 0 and dec(votes_for) * HUNDRED > rules.reballot_pass_percent * votes_total
    share = percent_text(votes_for, votes_total)
    if ok:
        return True, f"再测评满意票 {votes_for}/{votes_total}（{share}）> {plain(rules.reballot_pass_percent)}%，通过"
    return False, f"再测评满意票 {votes_for}/{votes_total}（{share}）未超过{plain(rules.reballot_pass_percent)}%，建议免职"
