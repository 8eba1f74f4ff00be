"""What a pay run would pay: the preview lines of each run kind (base monthly, performance
yearly, yearly subsidies) from the register, the policy and the previous postings. Nothing is
written here but progress; ``payruns`` stores the lines."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db.models import Sum

from cadres.choices import NORMAL_DEPARTURE_REASONS, FilingStatus
from cadres.models import Appointment, Person, User
from core.policy import post_table
from core.scope import scoped

from .. import standards
from ..choices import EntryType, RunKind
from ..models import LedgerEntry, LivingSubsidyStop, PayAccount, PayRun, PayRunLine
from ..policy_section import code_list, pay_rules
from ..rules import (
    Calc,
    Stint,
    ZeroReason,
    fmt_yuan,
    living_not_payable,
    money,
    monthly_base,
    no_amount,
    payable_in_year,
    pension_subsidy,
    post_not_eligible,
    service_years,
)
from .periods import _period_bounds
from .progress import Progress, _NoProgress


def compute_lines(
    *, run: PayRun, by: User, progress: Progress | None = None, township_id: int | None = None
) -> tuple[list[PayRunLine], list[str]]:
    """The lines a run would post, and notes for the preview (nothing written but progress).
    ``township_id``: only the lines paid in that township (one part of a county-wide run); a
    person is paid in exactly one township, so the parts add up to the whole run."""
    rules = pay_rules(run.policy_year)
    posts = post_table(run.policy_year)
    if township_id is not None and run.township_id not in (None, township_id):
        return [], []
    township_ids = [township_id] if township_id is not None else [run.township_id] if run.township_id else None
    progress = progress or _NoProgress()
    if run.kind == RunKind.BASE_MONTHLY:
        return _base_lines(run, by, rules, posts, township_ids, progress)
    if run.kind == RunKind.PERFORMANCE_YEARLY:
        return _performance_lines(run, by, rules, posts, township_ids, progress)
    return _subsidy_lines(run, by, rules, posts, township_ids, progress)


def _zero_line(run: PayRun, *, person_id, township_id, village_id, entry_type, calc: Calc, label: str) -> PayRunLine:
    """A ¥0 line: the person is listed with the reason the rules gave (calc.zero_reason)."""
    return PayRunLine(
        run=run,
        person_id=person_id,
        township_id=township_id,
        village_id=village_id,
        entry_type=entry_type,
        amount=calc.amount,
        rule=calc.rule,
        inputs=calc.inputs,
        explanation=f"{label} {calc.explanation}"[:500],
        zero_reason=calc.zero_reason[:100],
    )


def _post_names(posts_by_code: dict, codes) -> list[str]:
    """The posts' names from the year's posts table (a post no longer in it is not named)."""
    return [posts_by_code[c]["name"] for c in dict.fromkeys(codes) if c in posts_by_code]


def _village_categories(year: int, township_ids: list[int] | None) -> dict[int, str]:
    """Village category (A/B/C …) from the previous year's review, when the assessments app
    provides it; otherwise empty (the default tier applies)."""
    try:
        from assessments import selectors as review_selectors

        results = review_selectors.review_results_for_pay(year=year - 1, township_ids=township_ids)
    except (ImportError, AttributeError):
        return {}
    out: dict[int, str] = {}
    for r in results:
        if r.get("village_id") and r.get("village_category"):
            out.setdefault(r["village_id"], r["village_category"])
    return out


def _held_posts(by: User, township_ids, first: datetime.date, last: datetime.date):
    """Filed appointments held at any time in [first, last], for people with a post in scope.
    Returns {person_id: [(post, village_id, township_id, start, end)]} over all their posts, so
    that one person is paid once, in the township of the highest post."""
    # held on at least one day of the period: the register's one "current on a date" rule
    in_scope_qs = scoped(by, Appointment).held_between(first, last)
    if township_ids:
        in_scope_qs = in_scope_qs.filter(village__township_id__in=township_ids)
    person_ids = in_scope_qs.values("person_id")
    rows = (
        Appointment.objects.held_between(first, last)
        .filter(person_id__in=person_ids)
        .values_list("person_id", "post", "village_id", "village__township_id", "start_date", "end_date")
        .order_by("person_id", "start_date", "id")  # the same first post whichever township asks
    )
    held: dict[int, list] = defaultdict(list)
    for person_id, post, village_id, township_id, start, end in rows:
        held[person_id].append((post, village_id, township_id, start, end))
    return held


def _people(by_person: dict, township_ids) -> list[int] | None:
    """The people whose postings a township-limited computation checks (None: the whole period)."""
    return sorted(by_person) if township_ids else None


def _top_post(rules, posts_by_code, held, categories, cache: dict):
    """(village_id, township_id) of the best-paid post among those held."""
    best = None
    for post, village_id, township_id, _, _ in held:
        if post not in posts_by_code:
            continue
        key = (post, categories.get(village_id))
        if key not in cache:
            cache[key] = standards.post_standard(rules, posts_by_code[post], key[1]).amount
        amount = cache[key]
        if best is None or amount > best[0]:
            best = (amount, village_id, township_id)
    return best


def _base_lines(run, by, rules, posts, township_ids, progress):
    first, last = _period_bounds(run.period)
    posts_by_code = {p["code"]: p for p in posts}
    categories = _village_categories(run.period.year, township_ids)
    held = _held_posts(by, township_ids, first, last)
    paid = _already_posted(run, EntryType.BASE, _people(held, township_ids))
    lines, notes, cache, post_cache = [], [], {}, {}
    pct = rules["standards"]["base_percent"]
    progress.start("计算基本报酬（人）", len(held))
    for person_id, items in held.items():
        progress.tick()
        top = _top_post(rules, posts_by_code, items, categories, post_cache)
        if top is None:  # none of the posts held is paid (the posts table of the year)
            _, village_id, township_id, _, _ = items[0]
            if township_ids and township_id not in township_ids:
                continue
            calc = post_not_eligible(item="村干部报酬", posts=_post_names(posts_by_code, [i[0] for i in items]))
            lines.append(
                _zero_line(
                    run,
                    person_id=person_id,
                    township_id=township_id,
                    village_id=village_id,
                    entry_type=EntryType.BASE,
                    calc=calc,
                    label="基本报酬",
                )
            )
            continue
        _, village_id, township_id = top
        if township_ids and township_id not in township_ids:
            continue  # paid with the township of the person's highest post
        if (person_id, "") in paid:
            notes.append(f"人员{person_id}：本期基本报酬已入账，跳过。")
            continue
        key = tuple(sorted({(p, categories.get(v)) for p, v, _, _, _ in items if p in posts_by_code}))
        if key not in cache:
            std = standards.person_standard(rules, posts, list(key))
            monthly = monthly_base(base_annual=std.split.base_annual, month=run.period.month)
            names = "、".join(posts_by_code[p]["name"] for p in std.posts)
            text = f"{names}：年报酬 {std.explanation}；基本报酬{pct}%÷12 → {monthly.explanation}"
            inputs = {
                "posts": std.posts,
                "categories": [c or "" for _, c in key],
                "annual": str(std.annual.amount),
                "base_annual": str(std.split.base_annual),
                "base_percent": pct,
                "month": run.period.month,
            }
            cache[key] = (monthly.amount, text[:500], inputs, "；".join(std.warnings)[:300])
        amount, text, inputs, warning = cache[key]
        lines.append(
            PayRunLine(
                run=run,
                person_id=person_id,
                township_id=township_id,
                village_id=village_id,
                entry_type=EntryType.BASE,
                amount=amount,
                rule="monthly_base",
                inputs=inputs,
                explanation=text,
                warning=warning,
            )
        )
    return lines, notes


def _already_posted(run: PayRun, entry_type: str, person_ids=None) -> set[tuple[int, str]]:
    """(person, source_ref) pairs with a net non-zero amount of this type in this period, posted
    by other runs or by hand (``person_ids``: only these people, e.g. one township's)."""
    entries = LedgerEntry.objects.filter(period=run.period, entry_type=entry_type).exclude(pay_run=run)
    if person_ids is not None:
        entries = entries.filter(person_id__in=person_ids)
    rows = entries.values("person_id", "source_ref").annotate(net=Sum("amount")).order_by()
    return {(r["person_id"], r["source_ref"]) for r in rows if r["net"]}


def _performance_lines(run, by, rules, posts, township_ids, progress):
    from assessments import selectors as review_selectors

    year = run.period.year
    first, last = _period_bounds(run.period)
    results = review_selectors.review_results_for_pay(year=year, township_ids=township_ids)
    # the review's full marks travel with its results; without results, the year's profile says
    scale = next((r["score_scale"] for r in results if r.get("score_scale")), None) or standards.review_score_scale(year)
    if rules["performance"].get("mode") == "points":
        problem = standards.points_scale_problem(rules, scale)
        if problem:  # the run fails with the reason; nothing is previewed or posted
            raise ValidationError({"performance": problem})
    allowed = set(scoped(by, Person).filter(pk__in=[r["person_id"] for r in results]).values_list("pk", flat=True))
    held = _held_posts(by, township_ids, first, last)
    posts_by_code = {p["code"]: p for p in posts}
    paid = _already_posted(run, EntryType.PERFORMANCE, sorted(allowed) if township_ids else None)
    lines, notes = [], []
    progress.start("计算绩效报酬（人）", len(results))
    for r in results:
        progress.tick()
        pid = r["person_id"]
        if pid not in allowed or (township_ids and r.get("township_id") not in township_ids):
            continue
        if (pid, "") in paid:
            notes.append(f"人员{pid}：{year}年度绩效报酬已入账，跳过。")
            continue
        items = [i for i in held.get(pid, []) if i[0] in posts_by_code]
        where = {"person_id": pid, "township_id": r.get("township_id"), "village_id": r.get("village_id")}
        if not items:
            if where["township_id"]:
                calc = no_amount(reason=ZeroReason.NO_POST, detail=f"{year}年度无在任职务记录", rule="performance_no_post")
                lines.append(_zero_line(run, **where, entry_type=EntryType.PERFORMANCE, calc=calc, label="绩效报酬"))
            continue
        category = r.get("village_category") or None
        std = standards.person_standard(rules, posts, [(p, category) for p, *_ in items])
        calc = standards.performance(
            rules,
            pool=std.split.performance_pool,
            grade=r.get("grade", ""),
            grade_label=r.get("grade_label", ""),
            score=r.get("score"),
            category=category,
            scale=scale,
        )
        where["township_id"] = where["township_id"] or items[0][2]
        where["village_id"] = where["village_id"] or items[0][1]
        if calc is None:
            grade = r.get("grade_label") or r.get("grade")
            calc = (
                no_amount(reason=ZeroReason.GRADE_NOT_SET, detail=f"考核等次“{grade}”未设发放比例", rule="performance_grade")
                if grade
                else no_amount(reason=ZeroReason.NO_REVIEW, detail=f"{year}年度无考核等次或得分", rule="performance_no_review")
            )
        if calc.amount == 0:
            lines.append(_zero_line(run, **where, entry_type=EntryType.PERFORMANCE, calc=calc, label="绩效报酬"))
            continue
        names = "、".join(posts_by_code[p]["name"] for p in std.posts)
        annual = fmt_yuan(std.annual.amount)
        lines.append(
            PayRunLine(
                run=run,
                person_id=pid,
                township_id=where["township_id"],
                village_id=where["village_id"],
                entry_type=EntryType.PERFORMANCE,
                amount=calc.amount,
                rule=calc.rule,
                inputs={**calc.inputs, "annual": str(std.annual.amount), "posts": std.posts, "stars": r.get("stars")},
                explanation=f"{names}：绩效报酬 {calc.explanation}（绩效报酬基数 = 年报酬 {annual} − 基本报酬）"[:500],
            )
        )
    return lines, notes


def _subsidy_lines(run, by, rules, posts, township_ids, progress):
    year = run.period.year
    lines, notes = [], []
    lines += _pension_lines(run, by, rules, township_ids, notes, progress)
    lines += _living_lines(run, by, rules, township_ids, notes, progress)
    lines += _education_lines(run, by, township_ids, notes, progress)
    paying = sum(1 for line in lines if line.amount)
    zero = f"，另有 {len(lines) - paying} 笔为¥0（原因见明细）" if paying < len(lines) else ""
    return lines, [*notes, f"{year}年度补贴：共 {paying} 笔{zero}。"]


def _pension_lines(run, by, rules, township_ids, notes, progress):
    first, last = _period_bounds(run.period)
    pension_posts = set(code_list(rules["pension"].get("posts")))
    held = _held_posts(by, township_ids, first, last)
    eligible = {pid: items for pid, items in held.items() if any(i[0] in pension_posts for i in items)}
    accounts = {a.person_id: a for a in PayAccount.objects.filter(person_id__in=list(held))}
    posts_by_code = {p["code"]: p for p in post_table(run.policy_year)}
    paid = _already_posted(run, EntryType.PENSION, _people(eligible, township_ids))
    out = []
    # Insured cadres whose posts carry no pension subsidy: listed at ¥0, 该职务不享受.
    for pid, items in held.items():
        acct = accounts.get(pid)
        if pid in eligible or not (acct and acct.pension_insured) or (township_ids and items[0][2] not in township_ids):
            continue
        calc = post_not_eligible(item="养老保险补贴", posts=_post_names(posts_by_code, [i[0] for i in items]))
        out.append(
            _zero_line(
                run,
                person_id=pid,
                township_id=items[0][2],
                village_id=items[0][1],
                entry_type=EntryType.PENSION,
                calc=calc,
                label="养老保险补贴",
            )
        )
    progress.start("计算养老保险补贴（人）", len(eligible))
    for pid, items in eligible.items():
        progress.tick()
        item = next(i for i in items if i[0] in pension_posts)
        if township_ids and item[2] not in township_ids:
            continue
        acct = accounts.get(pid)
        calc = pension_subsidy(
            amount=rules["pension"]["amount"],
            insured=bool(acct and acct.pension_insured),
            paying_at_standard=bool(acct and acct.pension_at_standard),
        )
        if calc.amount == 0:
            out.append(
                _zero_line(
                    run,
                    person_id=pid,
                    township_id=item[2],
                    village_id=item[1],
                    entry_type=EntryType.PENSION,
                    calc=calc,
                    label="养老保险补贴",
                )
            )
            continue
        if (pid, "") in paid:
            notes.append(f"人员{pid}：养老保险补贴已入账，跳过。")
            continue
        out.append(
            PayRunLine(
                run=run,
                person_id=pid,
                township_id=item[2],
                village_id=item[1],
                entry_type=EntryType.PENSION,
                amount=calc.amount,
                rule=calc.rule,
                inputs=calc.inputs,
                explanation=f"养老保险补贴 {calc.explanation}",
            )
        )
    return out


def _living_lines(run, by, rules, township_ids, notes, progress):
    """Departed cadres: normal departure, eligible post, service years counted once across
    overlapping posts, age by sex, no stop before this year (a stop takes effect next year)."""
    living = rules["living"]
    year = run.period.year
    on = datetime.date(year, 12, 31)
    eligible_posts = set(code_list(living.get("eligible_posts")))
    term_posts = {r["code"] for r in rules.get("living_term_rates", [])} if living["model"] == "per_term" else set()
    counted_posts = eligible_posts | term_posts
    ended = scoped(by, Appointment).filter(status=FilingStatus.FILED, post__in=eligible_posts, end_date__isnull=False)
    if township_ids:
        ended = ended.filter(village__township_id__in=township_ids)
    candidates = set(ended.values_list("person_id", flat=True))
    serving = set(Appointment.objects.current(on).filter(person_id__in=candidates).values_list("person_id", flat=True))
    stints_by_person: dict[int, list] = defaultdict(list)
    for row in (
        Appointment.objects.filter(person_id__in=candidates, status=FilingStatus.FILED, post__in=counted_posts)
        .values_list("person_id", "post", "start_date", "end_date", "end_reason", "village_id", "village__township_id")
        .order_by("person_id", "start_date")
    ):
        stints_by_person[row[0]].append(row[1:])
    people = {p.pk: p for p in Person.objects.filter(pk__in=candidates).only("pk", "name", "sex", "birth_date")}
    stops: dict[int, datetime.date] = {}
    for pid, date in LivingSubsidyStop.objects.filter(person_id__in=candidates).values_list("person_id", "date"):
        stops[pid] = min(date, stops.get(pid, date))
    extras = set(PayAccount.objects.filter(person_id__in=candidates, living_extra=True).values_list("person_id", flat=True))
    paid = _already_posted(run, EntryType.LIVING, sorted(candidates) if township_ids else None)
    out = []
    progress.start("计算离任生活补贴（人）", len(candidates))
    for pid in sorted(candidates):
        progress.tick()
        person = people[pid]
        rows = stints_by_person.get(pid, [])
        main = [r for r in rows if r[0] in eligible_posts]
        if not main:
            continue
        last = max(main, key=lambda r: r[2] or on)
        township_id, village_id = last[5], last[4]
        if township_ids and township_id not in township_ids:
            continue
        if pid in serving:
            continue  # not a departed cadre: the living subsidy does not concern them yet
        where = {"person_id": pid, "township_id": township_id, "village_id": village_id}
        stints = [Stint(post=r[0], start=r[1], end=r[2]) for r in rows]
        service = service_years([s for s in stints if s.post in eligible_posts], on=on)
        refused = living_not_payable(
            sex=person.sex,
            birth_date=person.birth_date,
            on=on,
            normal_departure=last[3] in NORMAL_DEPARTURE_REASONS,
            still_serving=pid in serving,
            held_eligible_post=True,
            service=service,
            min_continuous_years=int(living["min_continuous_years"]),
            min_cumulative_years=int(living["min_cumulative_years"]),
            age_male=int(living["age_male"]),
            age_female=int(living["age_female"]),
        )
        if refused is not None:
            out.append(_zero_line(run, **where, entry_type=EntryType.LIVING, calc=refused, label="离任生活补贴"))
            continue
        if not payable_in_year(year=year, stop_date=stops.get(pid)):
            stop = stops[pid].year
            calc = no_amount(
                reason=ZeroReason.STOPPED, detail=f"生活补贴已于{stop}年终止，自{stop + 1}年起停发", rule="living_stopped"
            )
            out.append(_zero_line(run, **where, entry_type=EntryType.LIVING, calc=calc, label="离任生活补贴"))
            continue
        top_post = "secretary" if any(s.post == "secretary" for s in stints) else last[0]
        calc = standards.living_amount(rules, stints=stints, service=service, on=on, top_post=top_post, extra=pid in extras)
        if calc is None or calc.amount == 0:
            calc = no_amount(
                reason=ZeroReason.NOT_MET,
                detail=f"连续任职 {service.continuous_years} 年、累计 {service.cumulative_years} 年，未达最低发放档",
                rule="living_below_first_step",
            )
            out.append(_zero_line(run, **where, entry_type=EntryType.LIVING, calc=calc, label="离任生活补贴"))
            continue
        if (pid, "") in paid:
            notes.append(f"{person.name}：{year}年度生活补贴已入账，跳过。")
            continue
        out.append(
            PayRunLine(
                run=run,
                person_id=pid,
                township_id=township_id,
                village_id=village_id,
                entry_type=EntryType.LIVING,
                amount=calc.amount,
                rule=calc.rule,
                inputs={
                    **calc.inputs,
                    "continuous_years": service.continuous_years,
                    "cumulative_years": service.cumulative_years,
                },
                explanation=f"离任生活补贴 {calc.explanation}"[:500],
            )
        )
    return out


def _education_lines(run, by, township_ids, notes, progress):
    try:
        from training import selectors as training_selectors

        rows = training_selectors.education_subsidies_for_year(year=run.period.year, township_ids=township_ids)
    except (ImportError, AttributeError):
        return []
    allowed = set(scoped(by, Person).filter(pk__in=[r["person_id"] for r in rows]).values_list("pk", flat=True))
    paid = _already_posted(run, EntryType.EDUCATION, sorted(allowed) if township_ids else None)
    out = []
    progress.start("计算学历提升补贴（笔）", len(rows))
    for r in rows:
        progress.tick()
        if r["person_id"] not in allowed or (township_ids and r["township_id"] not in township_ids):
            continue
        ref = f"training:{r['upgrade_id']}:{r['kind']}"
        if (r["person_id"], ref) in paid:
            continue
        amount = money(r["amount"])
        if amount == 0:
            continue
        out.append(
            PayRunLine(
                run=run,
                person_id=r["person_id"],
                township_id=r["township_id"],
                village_id=None,
                entry_type=EntryType.EDUCATION,
                amount=amount,
                rule=f"education_{r['kind']}",
                inputs={"upgrade_id": r["upgrade_id"], "kind": r["kind"], "date": r["date"].isoformat() if r.get("date") else ""},
                explanation=f"{r['label']} {fmt_yuan(amount)}"[:500],
                source_ref=ref,
            )
        )
    return out
