"""The pay-run workflow: ``payrun_create`` → (task) ``payrun_compute`` writes preview lines →
township ``payrun_prepare`` → county ``payrun_approve`` → (task) ``payrun_post`` writes the ledger
entries → ``payrun_mark_paid`` with the bank batch reference. Compute and post are idempotent.
Who may do each step is asked of the gate (core.access, actions in subsidies/access.py): the
approver is neither the creator nor the confirmer of the run (a yearly policy switch), checked at
approval and again when the job posts.
Compute runs in committed chunks so that its progress is visible; posting is one transaction
(all or nothing)."""

from __future__ import annotations

import json
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from cadres.models import Person, Township, User
from core.access import refusal
from core.fastwrite import copy_history, insert_with_history
from core.jobs import enqueue
from core.services import model_save, require_perm, require_scope

from ..access import APPROVE, PAY, RETURN
from ..choices import RUN_PERIOD_KIND, EntrySource, PeriodKind, RunKind, RunStatus
from ..models import LedgerEntry, PayPeriod, PayRun, PayRunLine, PayRunPart
from . import progress as _progress_module
from .compute import _already_posted, compute_lines
from .periods import _require_open, parse_period_code, period_get_or_create

CHUNK = 5000


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
    transaction.on_commit(lambda: enqueue("subsidies.tasks.payrun_compute_task", run_id=run.pk, user_id=by.pk))


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
        PayRunPart.objects.filter(run=run).delete()  # this path computes the whole run at once
    try:
        lines, notes = compute_lines(run=run, by=by, progress=_progress_module.Progress(run))
        _write_lines(run, lines, by)
    except ValidationError as exc:
        with transaction.atomic():
            PayRunLine.objects.filter(run=run).delete()
            _set_status(run, RunStatus.FAILED, by=by, message="；".join(exc.messages))
        return run
    with transaction.atomic():
        # 人数: the people paid something (the ¥0 lines, with their reasons, are listed but not counted)
        agg = PayRunLine.objects.filter(run=run).exclude(amount=0).aggregate(t=Sum("amount"), n=Count("person_id", distinct=True))
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
    "zero_reason",
]


def _write_lines(run: PayRun, lines: list[PayRunLine], by: User, *, progress: bool = True) -> None:
    """Preview lines in committed chunks (COPY on PostgreSQL) so that progress is visible
    (``progress=False``: one township's lines, inside its transaction; the run's progress
    counts townships)."""
    total = len(lines)
    if progress:
        _progress_module._report_progress(run.pk, step="写入预览明细", done=0, total=total)
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
            if progress:
                PayRun.objects.filter(pk=run.pk).update(progress_done=min(start + CHUNK, total))


@transaction.atomic
def payrun_recompute(*, run: PayRun, by: User) -> PayRun:
    """重新计算预览: a preview is computed again from scratch; a failed run continues from the
    townships it did not compute."""
    require_perm(by, "subsidies.add_payrun")
    require_scope(by, run)
    run = PayRun.objects.select_for_update().get(pk=run.pk)
    if run.status not in (RunStatus.PREVIEW, RunStatus.FAILED):
        raise ValidationError({"status": f"批次状态为“{run.get_status_display()}”，不能重新计算。"})
    _require_open(run.period)
    if run.status == RunStatus.PREVIEW:  # computed again from scratch; a failed run continues
        PayRunPart.objects.filter(run=run).delete()
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
    require_perm(by, RETURN)
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
    require_perm(by, APPROVE)
    run = PayRun.objects.select_for_update(of=("self",)).select_related("period").get(pk=run.pk)
    if run.status != RunStatus.PREPARED:
        raise ValidationError({"status": f"只有乡镇已确认的批次可以审批，当前为“{run.get_status_display()}”。"})
    require_perm(by, APPROVE, obj=run)  # scope, and separation of duties (the run's policy year)
    _require_open(run.period)
    _set_status(
        run, RunStatus.POSTING, by=by, approved_by=by, approved_at=timezone.now(), progress_done=0, progress_step="记账入账"
    )
    transaction.on_commit(lambda: enqueue("subsidies.tasks.payrun_post_task", run_id=run.pk, user_id=by.pk))
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
    refused = refusal(by, APPROVE, run)
    if refused:  # the approver (the job's user) must still pass the gate: nothing is posted
        raise ValidationError({"status": refused})
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


def _double_pay(run: PayRun, township_ids: list[int] | None = None) -> list[str]:
    """Names of the people whose lines (of ``township_ids`` only, when given) are already paid
    in the period by another run or by hand."""
    own = PayRunLine.objects.filter(run=run).exclude(amount=0)  # a ¥0 line pays nothing
    if township_ids is not None:
        own = own.filter(township_id__in=township_ids)
    lines = own.values_list("person_id", "entry_type", "source_ref").order_by()
    types = set(own.values_list("entry_type", flat=True).distinct().order_by())
    people = own.values("person_id") if township_ids is not None else None  # a subquery, not a list of ids
    existing: set[tuple] = set()
    for t in types:
        existing |= {(pid, t, ref) for pid, ref in _already_posted(run, t, people)}
    hits = {pid for pid, t, ref in lines if (pid, t, ref) in existing}
    return list(Person.objects.filter(pk__in=hits).values_list("name", flat=True))


def _copy_lines_to_ledger(run: PayRun, by: User, township_id: int | None = None) -> int:
    """The run's lines (of one township, when given) with an amount become ledger entries (a ¥0
    line stays on the run with its reason: the ledger holds no zero entry), and each entry gets
    its '+' history row, in two INSERT … SELECT statements inside the caller's transaction (no
    row passes through Python: 50,000 entries post in seconds). Values are exactly the previewed
    ones."""
    now = timezone.now()
    entry_table = connection.ops.quote_name(LedgerEntry._meta.db_table)
    line_table = connection.ops.quote_name(PayRunLine._meta.db_table)
    copied = ["person_id", "township_id", "village_id", "entry_type", "amount", "rule", "inputs", "explanation", "source_ref"]
    q = connection.ops.quote_name
    cols = [*copied, "period_id", "source", "pay_run_id", "reason", "created_by_id", "created_at"]
    select = [*(q(c) for c in copied), "%s", "%s", "%s", "%s", "%s", "%s"]
    params = [run.period_id, EntrySource.RULE_RUN, run.pk, "", by.pk, now]
    where, where_params = f"{q('run_id')} = %s AND {q('amount')} <> 0", [run.pk]
    entry_where, entry_params = f"{q('pay_run_id')} = %s AND {q('reverses_id')} IS NULL", [run.pk]
    if township_id is not None:
        where, where_params = f"{where} AND {q('township_id')} = %s", [*where_params, township_id]
        entry_where, entry_params = f"{entry_where} AND {q('township_id')} = %s", [*entry_params, township_id]
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {entry_table} ({', '.join(q(c) for c in cols)}) "  # noqa: S608 (names from model meta)
            f"SELECT {', '.join(select)} FROM {line_table} WHERE {where} ORDER BY {q('id')}",
            [*params, *where_params],
        )
        count = cur.rowcount
    copy_history(
        LedgerEntry,
        where=entry_where,
        params=entry_params,
        now=now,
        reason=f"发放批次{run.pk}入账",
        user=by,
    )
    return count


@transaction.atomic
def payrun_mark_paid(*, run: PayRun, by: User, bank_batch_ref: str) -> PayRun:
    require_perm(by, PAY, obj=run)
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
    if run.status in (RunStatus.POSTING, RunStatus.POST_FAILED, RunStatus.APPROVED, RunStatus.PAID):
        raise ValidationError({"status": "已入账的批次不能作废；如有错误请对账目录入冲销更正。"})
    if run.status == RunStatus.CANCELLED:
        return run
    PayRunLine.objects.filter(run=run).delete()
    _set_status(run, RunStatus.CANCELLED, by=by, line_count=0, total_amount=Decimal("0.00"))
    return run


@transaction.atomic
def payrun_post_failed(*, run: PayRun, by: User, message: str) -> PayRun:
    """Posting was refused: back to 乡镇已确认 with the reason when nothing of the run is in the
    ledger; 入账未完成 (继续入账 later) when some townships were posted before."""
    run = PayRun.objects.select_for_update().get(pk=run.pk)
    if run.status == RunStatus.POSTING:
        if LedgerEntry.objects.filter(pay_run=run).exists():
            _set_status(run, RunStatus.POST_FAILED, by=by, message=f"入账未完成：{message}", progress_step="")
        else:
            _set_status(run, RunStatus.PREPARED, by=by, message=f"入账失败：{message}", approved_by=None, approved_at=None)
    return run
