"""Writes to the pay ledger: the only place where pay rules change data.

Keyword-only arguments; permission and data-scope checks first; Chinese ValidationErrors keyed by
field; history with who and when. The ledger is append-only: nothing here updates or deletes a
LedgerEntry — corrections are reversing entries with a reason.

Pay runs: ``payrun_create`` → (task) ``payrun_compute`` writes preview lines → township
``payrun_prepare`` → county ``payrun_approve`` → (task) ``payrun_post`` writes the ledger entries →
``payrun_mark_paid`` with the bank batch reference. Compute and post are idempotent. Compute runs
in committed chunks so that its progress is visible; posting is one transaction (all or nothing).
"""

from __future__ import annotations

import datetime
import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from cadres.choices import NORMAL_DEPARTURE_REASONS, FilingStatus
from cadres.models import Appointment, Person, Township, User
from core import dates as core_dates
from core.fastwrite import copy_history, insert_with_history
from core.policy import post_table
from core.scope import scoped
from core.services import model_save, require_perm, require_scope

from . import rules as payrules
from . import standards
from .choices import RUN_PERIOD_KIND, EntrySource, EntryType, PeriodKind, RunKind, RunStatus
from .models import BenefitRecord, LedgerEntry, LivingSubsidyStop, PayAccount, PayPeriod, PayRun, PayRunLine
from .policy_section import code_list, pay_rules

log = logging.getLogger(__name__)
CHUNK = 5000


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _require_county(by: User, message: str) -> None:
    if not by.sees_all_townships:
        raise PermissionDenied(message)


# ---------------------------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------------------------

PERIOD_RE = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


def parse_period_code(code: str) -> tuple[str, int, int | None]:
    m = PERIOD_RE.match((code or "").strip())
    if not m or (m.group(2) and not 1 <= int(m.group(2)) <= 12):
        raise ValidationError({"period": "期间格式应为“2025-03”（月度）或“2025”（年度）。"})
    year, month = int(m.group(1)), (int(m.group(2)) if m.group(2) else None)
    if not 2000 <= year <= 2100:
        raise ValidationError({"period": "年度应在2000–2100之间。"})
    return (PeriodKind.MONTH if month else PeriodKind.YEAR), year, month


@transaction.atomic
def period_get_or_create(*, code: str, by: User | None = None) -> PayPeriod:
    kind, year, month = parse_period_code(code)
    code = f"{year}-{month:02d}" if month else str(year)
    period = PayPeriod.objects.filter(code=code).first()
    if period is None:
        period = PayPeriod(code=code, kind=kind, year=year, month=month)
        model_save(period, by=by)
    return period


@transaction.atomic
def period_lock(*, period: PayPeriod, by: User) -> PayPeriod:
    require_perm(by, "subsidies.lock_payperiod", "只有县级财务可以锁定期间。")
    period = PayPeriod.objects.select_for_update().get(pk=period.pk)
    if period.is_locked:
        return period
    busy = PayRun.objects.filter(period=period, status__in=[RunStatus.COMPUTING, RunStatus.POSTING, RunStatus.QUEUED])
    if busy.exists():
        raise ValidationError({"period": "该期间还有正在计算或记账的批次，完成后再锁定。"})
    period.locked_at, period.locked_by = timezone.now(), by
    model_save(period, by=by, update_fields=["locked_at", "locked_by"])
    return period


@transaction.atomic
def period_unlock(*, period: PayPeriod, by: User) -> PayPeriod:
    require_perm(by, "subsidies.lock_payperiod", "只有县级财务可以解锁期间。")
    period = PayPeriod.objects.select_for_update().get(pk=period.pk)
    period.locked_at, period.locked_by = None, None
    model_save(period, by=by, update_fields=["locked_at", "locked_by"])
    return period


def _require_open(period: PayPeriod, field: str = "period") -> None:
    if period.is_locked:
        raise ValidationError({field: f"{period}已锁定，只能录入冲销更正。"})


# ---------------------------------------------------------------------------------------------
# Pay runs
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def payrun_create(*, by: User, kind: str, period_code: str, township: Township | None = None) -> PayRun:
    """Open a run for one period and one township (or the whole county) and queue its preview."""
    require_perm(by, "subsidies.add_payrun")
    if kind not in RunKind.values:
        raise ValidationError({"kind": "未知的批次类型。"})
    if by.is_clerk:
        township = by.township
    elif not by.sees_all_townships:
        raise PermissionDenied("您没有执行此操作的权限。")
    period_kind, _, _ = parse_period_code(period_code)
    if period_kind != RUN_PERIOD_KIND[kind]:
        want = "月度（如 2025-03）" if RUN_PERIOD_KIND[kind] == PeriodKind.MONTH else "年度（如 2025）"
        raise ValidationError({"period": f"{RunKind(kind).label}须选择{want}期间。"})
    period = period_get_or_create(code=period_code, by=by)
    _require_open(period)
    open_runs = PayRun.objects.open().filter(kind=kind, period=period)
    clash = open_runs.filter(Q(township__isnull=True) | Q(township=township)) if township else open_runs
    if clash.exists():
        other = clash.select_related("township").first()
        label = RunKind(kind).label
        raise ValidationError(
            {"period": f"{period}已有{other.scope_label}的“{label}”批次（{other.get_status_display()}），不能重复计发。"}
        )
    run = PayRun(kind=kind, period=period, township=township, policy_year=period.year, created_by=by)
    model_save(run, by=by)
    _schedule_compute(run, by)
    return run


def _schedule_compute(run: PayRun, by: User) -> None:
    from .tasks import payrun_compute_task

    transaction.on_commit(lambda: payrun_compute_task.delay(run_id=run.pk, user_id=by.pk))


def _set_status(run: PayRun, status: str, *, by: User | None, message: str | None = None, **fields) -> None:
    run.status = status
    update = ["status", *fields]
    for k, v in fields.items():
        setattr(run, k, v)
    if message is not None:
        run.message = message
        update.append("message")
    model_save(run, by=by, update_fields=update)


def payrun_compute(*, run: PayRun, by: User) -> PayRun:
    """Compute the preview lines of a run (replacing any earlier preview). Idempotent: a run that
    is already prepared, posted or cancelled is left alone. Reads start from ``scoped(by, …)``."""
    with transaction.atomic():
        run = PayRun.objects.select_for_update(of=("self",)).select_related("period", "township").get(pk=run.pk)
        if run.status not in (RunStatus.QUEUED, RunStatus.COMPUTING, RunStatus.PREVIEW, RunStatus.FAILED):
            return run
        require_scope(by, run)
        _set_status(run, RunStatus.COMPUTING, by=by, message="", progress_done=0, progress_total=0, progress_step="读取任职记录")
        PayRunLine.objects.filter(run=run).delete()
    try:
        lines, notes = compute_lines(run=run, by=by, progress=Progress(run))
        _write_lines(run, lines, by)
    except ValidationError as exc:
        with transaction.atomic():
            PayRunLine.objects.filter(run=run).delete()
            _set_status(run, RunStatus.FAILED, by=by, message="；".join(exc.messages))
        return run
    with transaction.atomic():
        agg = PayRunLine.objects.filter(run=run).aggregate(t=Sum("amount"), n=Count("person_id", distinct=True))
        _set_status(
            run,
            RunStatus.PREVIEW,
            by=by,
            message="\n".join(notes[:50]) + (f"\n……另有{len(notes) - 50}条提示" if len(notes) > 50 else ""),
            total_amount=agg["t"] or Decimal("0.00"),
            line_count=agg["n"] or 0,
            progress_done=len(lines),
            progress_total=len(lines),
            progress_step="",
        )
    return run


LINE_FIELDS = [
    "run_id",
    "person_id",
    "township_id",
    "village_id",
    "entry_type",
    "amount",
    "rule",
    "inputs",
    "explanation",
    "source_ref",
    "warning",
]


PROGRESS_EVERY = 1000


def _report_progress(run_id: int, *, step: str, done: int, total: int) -> None:
    """One UPDATE of the run's progress (autocommit outside the posting transaction: the run
    page polls it every 2 seconds)."""
    PayRun.objects.filter(pk=run_id).update(progress_step=step[:40], progress_done=done, progress_total=total)


class Progress:
    """Progress of one step of a computation (e.g. 计算基本报酬 1,000/50,000 人), reported every
    ``PROGRESS_EVERY`` items and when a step starts or ends; ``None``-safe for callers outside a run."""

    def __init__(self, run: PayRun):
        self.run_id = run.pk
        self.step, self.done, self.total, self._last = "", 0, 0, 0

    def start(self, step: str, total: int) -> None:
        self.step, self.done, self.total, self._last = step, 0, total, 0
        _report_progress(self.run_id, step=step, done=0, total=total)

    def tick(self, n: int = 1) -> None:
        self.done += n
        if self.done - self._last >= PROGRESS_EVERY or self.done == self.total:
            self._last = self.done
            _report_progress(self.run_id, step=self.step, done=self.done, total=self.total)


class _NoProgress:
    def start(self, step: str, total: int) -> None:
        pass

    def tick(self, n: int = 1) -> None:
        pass


def _write_lines(run: PayRun, lines: list[PayRunLine], by: User) -> None:
    """Preview lines in committed chunks (COPY on PostgreSQL) so that progress is visible."""
    total = len(lines)
    _report_progress(run.pk, step="写入预览明细", done=0, total=total)
    for start in range(0, total, CHUNK):
        chunk = lines[start : start + CHUNK]
        rows = [
            {
                **{f: getattr(line, f) for f in LINE_FIELDS if f != "inputs"},
                "inputs": json.dumps(line.inputs, ensure_ascii=False),
            }
            for line in chunk
        ]
        with transaction.atomic():
            insert_with_history(PayRunLine, rows, user=by, reason="")
            PayRun.objects.filter(pk=run.pk).update(progress_done=min(start + CHUNK, total))


def compute_lines(*, run: PayRun, by: User, progress: Progress | None = None) -> tuple[list[PayRunLine], list[str]]:
    """The lines a run would post, and notes for the preview (nothing written but progress)."""
    rules = pay_rules(run.policy_year)
    posts = post_table(run.policy_year)
    township_ids = [run.township_id] if run.township_id else None
    progress = progress or _NoProgress()
    if run.kind == RunKind.BASE_MONTHLY:
        return _base_lines(run, by, rules, posts, township_ids, progress)
    if run.kind == RunKind.PERFORMANCE_YEARLY:
        return _performance_lines(run, by, rules, posts, township_ids, progress)
    return _subsidy_lines(run, by, rules, posts, township_ids, progress)


def _period_bounds(period: PayPeriod) -> tuple[datetime.date, datetime.date]:
    if period.month:
        first = datetime.date(period.year, period.month, 1)
        nxt = datetime.date(period.year + (period.month == 12), period.month % 12 + 1, 1)
        return first, nxt - datetime.timedelta(days=1)
    return datetime.date(period.year, 1, 1), datetime.date(period.year, 12, 31)


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
    in_scope_qs = (
        scoped(by, Appointment)
        .filter(status=FilingStatus.FILED, start_date__lte=last)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
    )
    if township_ids:
        in_scope_qs = in_scope_qs.filter(village__township_id__in=township_ids)
    person_ids = in_scope_qs.values("person_id")
    rows = (
        Appointment.objects.filter(status=FilingStatus.FILED, start_date__lte=last, person_id__in=person_ids)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        .values_list("person_id", "post", "village_id", "village__township_id", "start_date", "end_date")
        .order_by()
    )
    held: dict[int, list] = defaultdict(list)
    for person_id, post, village_id, township_id, start, end in rows:
        held[person_id].append((post, village_id, township_id, start, end))
    return held


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
    paid = _already_posted(run, EntryType.BASE)
    lines, notes, cache, post_cache = [], [], {}, {}
    pct = rules["standards"]["base_percent"]
    progress.start("计算基本报酬（人）", len(held))
    for person_id, items in held.items():
        progress.tick()
        top = _top_post(rules, posts_by_code, items, categories, post_cache)
        if top is None:
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
            monthly = payrules.monthly_base(base_annual=std.split.base_annual, month=run.period.month)
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


def _already_posted(run: PayRun, entry_type: str) -> set[tuple[int, str]]:
    """(person, source_ref) pairs with a net non-zero amount of this type in this period."""
    rows = (
        LedgerEntry.objects.filter(period=run.period, entry_type=entry_type)
        .values("person_id", "source_ref")
        .annotate(net=Sum("amount"))
        .order_by()
    )
    return {(r["person_id"], r["source_ref"]) for r in rows if r["net"]}


def _performance_lines(run, by, rules, posts, township_ids, progress):
    from assessments import selectors as review_selectors

    year = run.period.year
    if rules["performance"].get("mode") == "points":
        problem = standards.points_scale_problem(rules)
        if problem:  # the run fails with the reason; nothing is previewed or posted
            raise ValidationError({"performance": problem})
    first, last = _period_bounds(run.period)
    results = review_selectors.review_results_for_pay(year=year, township_ids=township_ids)
    allowed = set(scoped(by, Person).filter(pk__in=[r["person_id"] for r in results]).values_list("pk", flat=True))
    held = _held_posts(by, township_ids, first, last)
    posts_by_code = {p["code"]: p for p in posts}
    paid = _already_posted(run, EntryType.PERFORMANCE)
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
        if not items:
            notes.append(f"人员{pid}：{year}年度无在任职务记录，未计发绩效报酬。")
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
        )
        if calc is None:
            notes.append(f"人员{pid}：考核等次“{r.get('grade_label') or r.get('grade')}”未配置发放比例，未计发。")
            continue
        if calc.amount == 0:
            notes.append(f"人员{pid}：{calc.explanation}，不计发。")
            continue
        names = "、".join(posts_by_code[p]["name"] for p in std.posts)
        annual = payrules.fmt_yuan(std.annual.amount)
        lines.append(
            PayRunLine(
                run=run,
                person_id=pid,
                township_id=r.get("township_id") or items[0][2],
                village_id=r.get("village_id") or items[0][1],
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
    return lines, [*notes, f"{year}年度补贴：共 {len(lines)} 笔。"]


def _pension_lines(run, by, rules, township_ids, notes, progress):
    first, last = _period_bounds(run.period)
    pension_posts = set(code_list(rules["pension"].get("posts")))
    held = _held_posts(by, township_ids, first, last)
    eligible = {pid: items for pid, items in held.items() if any(i[0] in pension_posts for i in items)}
    accounts = {a.person_id: a for a in PayAccount.objects.filter(person_id__in=list(eligible))}
    paid = _already_posted(run, EntryType.PENSION)
    out = []
    progress.start("计算养老保险补贴（人）", len(eligible))
    for pid, items in eligible.items():
        progress.tick()
        item = next(i for i in items if i[0] in pension_posts)
        if township_ids and item[2] not in township_ids:
            continue
        acct = accounts.get(pid)
        calc = payrules.pension_subsidy(
            amount=rules["pension"]["amount"],
            insured=bool(acct and acct.pension_insured),
            paying_at_standard=bool(acct and acct.pension_at_standard),
        )
        if calc is None:
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
    serving = set(
        Appointment.objects.filter(person_id__in=candidates, status=FilingStatus.FILED, end_date__isnull=True).values_list(
            "person_id", flat=True
        )
    )
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
    paid = _already_posted(run, EntryType.LIVING)
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
        stints = [payrules.Stint(post=r[0], start=r[1], end=r[2]) for r in rows]
        service = payrules.service_years([s for s in stints if s.post in eligible_posts], on=on)
        reasons = payrules.living_ineligibility(
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
        if reasons:
            continue
        if not payrules.payable_in_year(year=year, stop_date=stops.get(pid)):
            notes.append(f"{person.name}：生活补贴已于{stops[pid].year}年终止，自{stops[pid].year + 1}年起停发。")
            continue
        top_post = "secretary" if any(s.post == "secretary" for s in stints) else last[0]
        calc = standards.living_amount(rules, stints=stints, service=service, on=on, top_post=top_post, extra=pid in extras)
        if calc is None or calc.amount == 0:
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
    paid = _already_posted(run, EntryType.EDUCATION)
    out = []
    progress.start("计算学历提升补贴（笔）", len(rows))
    for r in rows:
        progress.tick()
        if r["person_id"] not in allowed or (township_ids and r["township_id"] not in township_ids):
            continue
        ref = f"training:{r['upgrade_id']}:{r['kind']}"
        if (r["person_id"], ref) in paid:
            continue
        amount = payrules.money(r["amount"])
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
                explanation=f"{r['label']} {payrules.fmt_yuan(amount)}"[:500],
                source_ref=ref,
            )
        )
    return out


@transaction.atomic
def payrun_recompute(*, run: PayRun, by: User) -> PayRun:
    require_perm(by, "subsidies.add_payrun")
    require_scope(by, run)
    run = PayRun.objects.select_for_update().get(pk=run.pk)
    if run.status not in (RunStatus.PREVIEW, RunStatus.FAILED):
        raise ValidationError({"status": f"批次状态为“{run.get_status_display()}”，不能重新计算。"})
    _require_open(run.period)
    _set_status(run, RunStatus.QUEUED, by=by, message="")
    _schedule_compute(run, by)
    return run


@transaction.atomic
def payrun_prepare(*, run: PayRun, by: User) -> PayRun:
    """The township checks the preview and submits it to the county."""
    require_perm(by, "subsidies.prepare_payrun")
    require_scope(by, run)
    run = PayRun.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.PREVIEW:
        raise ValidationError({"status": f"只有预览状态的批次可以确认，当前为“{run.get_status_display()}”。"})
    if run.line_count == 0:
        raise ValidationError({"status": "批次没有任何明细，无需确认。"})
    _set_status(run, RunStatus.PREPARED, by=by, prepared_by=by, prepared_at=timezone.now())
    return run


@transaction.atomic
def payrun_return(*, run: PayRun, by: User, reason: str) -> PayRun:
    """The county sends a prepared run back to the township."""
    require_perm(by, "subsidies.approve_payrun", "只有县级可以退回批次。")
    _require_county(by, "只有县级可以退回批次。")
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写退回原因。"})
    run = PayRun.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.PREPARED:
        raise ValidationError({"status": "只有乡镇已确认的批次可以退回。"})
    _set_status(run, RunStatus.PREVIEW, by=by, message=f"县级退回：{reason.strip()}", prepared_by=None, prepared_at=None)
    return run


@transaction.atomic
def payrun_approve(*, run: PayRun, by: User) -> PayRun:
    """The county approves: the run is queued for posting to the ledger."""
    require_perm(by, "subsidies.approve_payrun", "只有县级可以审批发放批次。")
    _require_county(by, "只有县级可以审批发放批次。")
    run = PayRun.objects.select_for_update(of=("self",)).select_related("period").get(pk=run.pk)
    if run.status != RunStatus.PREPARED:
        raise ValidationError({"status": f"只有乡镇已确认的批次可以审批，当前为“{run.get_status_display()}”。"})
    _require_open(run.period)
    _set_status(
        run, RunStatus.POSTING, by=by, approved_by=by, approved_at=timezone.now(), progress_done=0, progress_step="记账入账"
    )
    from .tasks import payrun_post_task

    transaction.on_commit(lambda: payrun_post_task.delay(run_id=run.pk, user_id=by.pk))
    return run


@transaction.atomic
def payrun_post(*, run: PayRun, by: User) -> PayRun:
    """Write the run's lines to the ledger in one transaction. Idempotent: posting a posted run
    does nothing; the sum of the entries equals the run's total to the fen."""
    run = PayRun.objects.select_for_update(of=("self",)).select_related("period").get(pk=run.pk)
    if run.status in (RunStatus.APPROVED, RunStatus.PAID):
        return run
    if run.status != RunStatus.POSTING:
        raise ValidationError({"status": f"批次状态为“{run.get_status_display()}”，不能入账。"})
    _require_open(run.period)
    PayPeriod.objects.select_for_update().get(pk=run.period_id)  # serialise postings of one period
    dupes = _double_pay(run)
    if dupes:
        raise ValidationError({"status": f"以下人员本期已有同类账目，不能重复入账：{'、'.join(dupes[:20])}"})
    count = _copy_lines_to_ledger(run, by)
    posted = LedgerEntry.objects.filter(pay_run=run).total()
    if posted != run.total_amount:
        raise ValidationError({"status": f"入账合计 {posted} 与批次合计 {run.total_amount} 不一致，已全部撤回。"})
    _set_status(run, RunStatus.APPROVED, by=by, progress_done=count, progress_total=count, progress_step="")
    return run


def _double_pay(run: PayRun) -> list[str]:
    lines = PayRunLine.objects.filter(run=run).values_list("person_id", "entry_type", "source_ref").order_by()
    types = set(PayRunLine.objects.filter(run=run).values_list("entry_type", flat=True).distinct().order_by())
    existing: set[tuple] = set()
    for t in types:
        existing |= {(pid, t, ref) for pid, ref in _already_posted(run, t)}
    hits = {pid for pid, t, ref in lines if (pid, t, ref) in existing}
    return list(Person.objects.filter(pk__in=hits).values_list("name", flat=True))


def _copy_lines_to_ledger(run: PayRun, by: User) -> int:
    """The run's lines become ledger entries, and each entry gets its '+' history row, in two
    INSERT … SELECT statements inside the caller's transaction (no row passes through Python:
    50,000 entries post in seconds). Values are exactly the previewed ones."""
    now = timezone.now()
    entry_table = connection.ops.quote_name(LedgerEntry._meta.db_table)
    line_table = connection.ops.quote_name(PayRunLine._meta.db_table)
    copied = ["person_id", "township_id", "village_id", "entry_type", "amount", "rule", "inputs", "explanation", "source_ref"]
    q = connection.ops.quote_name
    cols = [*copied, "period_id", "source", "pay_run_id", "reason", "created_by_id", "created_at"]
    select = [*(q(c) for c in copied), "%s", "%s", "%s", "%s", "%s", "%s"]
    params = [run.period_id, EntrySource.RULE_RUN, run.pk, "", by.pk, now]
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {entry_table} ({', '.join(q(c) for c in cols)}) "  # noqa: S608 (names from model meta)
            f"SELECT {', '.join(select)} FROM {line_table} WHERE {q('run_id')} = %s ORDER BY {q('id')}",
            [*params, run.pk],
        )
        count = cur.rowcount
    copy_history(
        LedgerEntry,
        where=f"{q('pay_run_id')} = %s AND {q('reverses_id')} IS NULL",
        params=[run.pk],
        now=now,
        reason=f"发放批次{run.pk}入账",
        user=by,
    )
    return count


@transaction.atomic
def payrun_mark_paid(*, run: PayRun, by: User, bank_batch_ref: str) -> PayRun:
    require_perm(by, "subsidies.pay_payrun", "只有县级财务可以登记发放。")
    require_scope(by, run)
    ref = (bank_batch_ref or "").strip()
    if not ref:
        raise ValidationError({"bank_batch_ref": "请填写银行批次号。"})
    run = PayRun.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.APPROVED:
        raise ValidationError({"status": f"只有已审批入账的批次可以登记发放，当前为“{run.get_status_display()}”。"})
    _set_status(run, RunStatus.PAID, by=by, paid_by=by, paid_at=timezone.now(), bank_batch_ref=ref)
    return run


@transaction.atomic
def payrun_cancel(*, run: PayRun, by: User) -> PayRun:
    require_perm(by, "subsidies.add_payrun")
    require_scope(by, run)
    run = PayRun.objects.select_for_update().get(pk=run.pk)
    if run.status in (RunStatus.POSTING, RunStatus.APPROVED, RunStatus.PAID):
        raise ValidationError({"status": "已入账的批次不能作废；如有错误请对账目录入冲销更正。"})
    if run.status == RunStatus.CANCELLED:
        return run
    PayRunLine.objects.filter(run=run).delete()
    _set_status(run, RunStatus.CANCELLED, by=by, line_count=0, total_amount=Decimal("0.00"))
    return run


# ---------------------------------------------------------------------------------------------
# Ledger: reversals, manual entries, awards
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def ledger_entry_reverse(*, entry: LedgerEntry, by: User, reason: str) -> LedgerEntry:
    """A correction: a new entry of the opposite amount pointing at the original, with a reason.
    Allowed in locked periods (the only write that is)."""
    require_perm(by, "subsidies.reverse_ledgerentry", "只有县级财务可以冲销更正。")
    require_scope(by, entry)
    if not (reason or "").strip():
        raise ValidationError({"reason": "冲销更正须填写事由。"})
    entry = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.reverses_id:
        raise ValidationError({"reason": "冲销记录本身不能再冲销；如需恢复请重新录入。"})
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise ValidationError({"reason": "该账目已被冲销。"})
    reversal = LedgerEntry(
        person_id=entry.person_id,
        township_id=entry.township_id,
        village_id=entry.village_id,
        period_id=entry.period_id,
        entry_type=entry.entry_type,
        amount=-entry.amount,
        source=EntrySource.REVERSAL,
        pay_run_id=entry.pay_run_id,
        rule="reversal",
        inputs={"reverses": entry.pk, "amount": str(entry.amount)},
        explanation=f"冲销第{entry.pk}号账目 {payrules.fmt_yuan(entry.amount)}：{reason.strip()}"[:500],
        source_ref=entry.source_ref,
        reverses=entry,
        reason=reason.strip()[:300],
        created_by=by,
    )
    model_save(reversal, by=by)
    return reversal


def _money_input(value, field: str = "amount") -> Decimal:
    try:
        amount = payrules.money(value)
    except (ArithmeticError, ValueError, TypeError):
        raise ValidationError({field: "金额格式不正确。"}) from None
    if amount == 0:
        raise ValidationError({field: "金额不能为0。"})
    return amount


def _person_township(person: Person, by: User) -> tuple[int, int | None]:
    """Township (and village) of a person's latest appointment within the user's scope."""
    appt = (
        scoped(by, Appointment)
        .filter(person=person)
        .order_by("-start_date", "-id")
        .values("village_id", "village__township_id")
        .first()
    )
    if appt:
        return appt["village__township_id"], appt["village_id"]
    if person.registered_township_id and (not by.is_clerk or person.registered_township_id == by.township_id):
        return person.registered_township_id, None
    raise ValidationError({"person": "该人员在您的数据范围内没有任职记录，无法确定发放乡镇。"})


@transaction.atomic
def ledger_entry_add(
    *,
    by: User,
    person: Person,
    period_code: str,
    entry_type: str,
    amount,
    reason: str,
    source: str = EntrySource.MANUAL,
    source_ref: str = "",
    rule: str = "manual",
    origin: str = "",
) -> LedgerEntry:
    """A manual or imported entry (awards, one-off payments). Not in locked periods. ``origin``
    (e.g. "表格导入 #12 第3行") is added to the explanation."""
    require_perm(by, "subsidies.add_ledgerentry", "只有县级可以录入账目。")
    require_scope(by, person)
    if entry_type not in EntryType.values:
        raise ValidationError({"entry_type": "未知的账目类型。"})
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写发放事由。"})
    amount = _money_input(amount)
    period = period_get_or_create(code=period_code, by=by)
    _require_open(period)
    township_id, village_id = _person_township(person, by)
    entry = LedgerEntry(
        person=person,
        township_id=township_id,
        village_id=village_id,
        period=period,
        entry_type=entry_type,
        amount=amount,
        source=source,
        rule=rule,
        inputs={"amount": str(amount), **({"origin": origin} if origin else {})},
        explanation=(
            f"{EntryType(entry_type).label}：{reason.strip()} {payrules.fmt_yuan(amount)}" + (f"（{origin}）" if origin else "")
        )[:500],
        source_ref=source_ref,
        reason=reason.strip()[:300],
        created_by=by,
    )
    model_save(entry, by=by)
    return entry


@transaction.atomic
def award_post(
    *, by: User, people: Iterable[Person], period_code: str, award_code: str, reason: str = "", amount=None
) -> list[LedgerEntry]:
    """One-off awards from the policy's award list (e.g. 11 excellent secretaries × ¥5,000)."""
    people = list(people)
    if not people:
        raise ValidationError({"people": "请选择获奖人员。"})
    _kind, year, _ = parse_period_code(period_code)
    award = next((a for a in pay_rules(year).get("awards", []) if a["code"] == award_code), None)
    if award is None:
        raise ValidationError({"award_code": "政策配置中没有该奖励项目。"})
    value = _money_input(amount if amount not in (None, "") else award["amount"])
    if len({p.pk for p in people}) != len(people):
        raise ValidationError({"people": "获奖人员有重复。"})
    text = f"{award['name']}{('：' + reason.strip()) if reason.strip() else ''}"
    return [
        ledger_entry_add(
            by=by,
            person=p,
            period_code=period_code,
            entry_type=EntryType.AWARD,
            amount=value,
            reason=text,
            source_ref=f"award:{award_code}",
            rule=f"award:{award_code}",
        )
        for p in people
    ]


# ---------------------------------------------------------------------------------------------
# Pay accounts, living-subsidy stops, benefit records
# ---------------------------------------------------------------------------------------------

ACCOUNT_FIELDS = [
    "bank_name",
    "account_number",
    "account_holder",
    "pension_insured",
    "pension_at_standard",
    "living_extra",
    "note",
]


@transaction.atomic
def pay_account_save(*, person: Person, by: User, **fields) -> PayAccount:
    require_perm(by, "subsidies.change_payaccount", "只有县级财务可以维护报酬账户。")
    require_scope(by, person)
    unknown = set(fields) - set(ACCOUNT_FIELDS)
    if unknown:
        raise ValidationError({k: "该项不能在此修改。" for k in unknown})
    if "account_number" in fields:
        fields["account_number"] = re.sub(r"[\s-]", "", str(fields["account_number"] or ""))
    account = PayAccount.objects.select_for_update().filter(person=person).first()
    if account is None:
        account = PayAccount(person=person, **fields)
        model_save(account, by=by)
        return account
    changed = [k for k, v in fields.items() if getattr(account, k) != v]
    if changed:
        for k in changed:
            setattr(account, k, fields[k])
        model_save(account, by=by, update_fields=[*changed, "updated_at"])
    return account


@transaction.atomic
def living_subsidy_stop_add(*, person: Person, by: User, date: datetime.date, reason: str, note: str = "") -> LivingSubsidyStop:
    """Record a termination; it takes effect from the following year."""
    require_perm(by, "subsidies.add_livingsubsidystop")
    require_scope(by, person)
    if date > core_dates.today():
        raise ValidationError({"date": "日期不能晚于今天。"})
    stop = LivingSubsidyStop(person=person, date=date, reason=reason, note=note, recorded_by=by)
    model_save(stop, by=by)
    return stop


@transaction.atomic
def benefit_record_add(
    *, person: Person, by: User, kind: str, year: int, date=None, provider: str = "", cost=None, note: str = ""
) -> BenefitRecord:
    require_perm(by, "subsidies.add_benefitrecord")
    require_scope(by, person)
    if BenefitRecord.objects.filter(person=person, kind=kind, year=year).exists():
        raise ValidationError({"kind": f"{year}年度已有该待遇记录。"})
    record = BenefitRecord(
        person=person,
        kind=kind,
        year=year,
        date=date,
        provider=provider,
        note=note,
        cost=None if cost in (None, "") else payrules.money(cost),
    )
    model_save(record, by=by)
    return record


def clerk_permissions() -> list[str]:
    """What a township clerk may do in the pay ledger (registered in apps.py)."""
    return [
        "subsidies.view_payperiod",
        "subsidies.view_payrun",
        "subsidies.view_payrunline",
        "subsidies.view_ledgerentry",
        "subsidies.view_payaccount",
        "subsidies.view_benefitrecord",
        "subsidies.view_livingsubsidystop",
        "subsidies.add_payrun",
        "subsidies.prepare_payrun",
        "subsidies.add_livingsubsidystop",
        "subsidies.add_benefitrecord",
    ]


@transaction.atomic
def payrun_post_failed(*, run: PayRun, by: User, message: str) -> PayRun:
    """Posting was refused (nothing written): back to 乡镇已确认 with the reason."""
    run = PayRun.objects.select_for_update().get(pk=run.pk)
    if run.status == RunStatus.POSTING:
        _set_status(run, RunStatus.PREPARED, by=by, message=f"入账失败：{message}", approved_by=None, approved_at=None)
    return run
