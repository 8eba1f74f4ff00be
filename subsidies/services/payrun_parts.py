"""The pay run split by township, so that computing and posting spread over every Celery worker.

Each step is a Celery chord: one task per township (its part, ``PayRunPart``), then a final step
once all of them have finished.

* Compute: ``payrun_compute_start`` opens the parts; ``payrun_compute_township`` computes one
  township's preview lines and replaces that township's lines in one transaction;
  ``payrun_compute_finish`` makes the run a preview when every township is computed (run total =
  the sum of the lines, to the fen), or fails it naming the townships.
* Post: ``payrun_post_start`` checks the whole run (the approver at the gate, the open period,
  no double pay) — a refusal posts nothing and sends the run back to 乡镇已确认 — then
  ``payrun_post_township`` writes one township's ledger entries and their history rows in one
  transaction (the township's entries must add up to its lines to the fen, or nothing of it is
  written), and ``payrun_post_finish`` marks the run posted only when every township is posted and
  the ledger total of the run equals its previewed total to the fen.

A township task never raises: its failure is kept on its part. A run whose posting stopped
midway is 入账未完成 (nothing of the failed townships is in the ledger; the ledger stays
append-only); ``payrun_post_resume`` posts the remaining townships. Re-running a township
changes nothing: its lines are replaced, and a township already posted is skipped (the ledger's
one-entry-per-run-person-type constraint backs this). The single-process ``payrun_compute`` /
``payrun_post`` give the same lines and entries (tests/subsidies/test_payrun_split.py)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum

from cadres.models import Township, User
from core.access import refusal
from core.jobs import enqueue, enqueue_fan_out, township_progress_label
from core.services import require_perm, require_scope

from ..access import APPROVE
from ..choices import PartStatus, RunStatus
from ..models import LedgerEntry, PayRun, PayRunLine, PayRunPart
from . import payruns
from .compute import compute_lines
from .periods import _require_open

TASKS = "subsidies.tasks"
COMPUTE_STEP = "计算预览"
POST_STEP = "记账入账"
MAX_NOTES = 50


def _message(exc: Exception) -> str:
    text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc) or type(exc).__name__
    return text[:500]


def _failed_parts_text(run: PayRun, done_status: str) -> str:
    parts = list(PayRunPart.objects.filter(run=run).select_related("township").order_by("township_id"))
    failed = [p for p in parts if p.status not in (done_status, PartStatus.POSTED)]
    done = len(parts) - len(failed)
    names = "；".join(f"{p.township.name}：{p.message or '未完成'}" for p in failed[:10])
    more = f"等{len(failed)}个乡镇" if len(failed) > 10 else ""
    return f"已完成 {done}/{len(parts)} 个乡镇；未完成：{names}{more}"


def _part_progress(run_id: int, step: str, status: str) -> None:
    parts = PayRunPart.objects.filter(run_id=run_id)
    total, done = parts.count(), parts.filter(status=status).count()
    PayRun.objects.filter(pk=run_id, progress_done__lt=done).update(
        progress_done=done, progress_total=total, progress_step=township_progress_label(step, done, total)[:40]
    )


def _townships(run: PayRun) -> list[int]:
    """The townships of a run: its own, or every township of the county (a township where nobody
    holds a post may still owe departed cadres their living subsidy)."""
    if run.township_id:
        return [run.township_id]
    return list(Township.objects.order_by("pk").values_list("pk", flat=True))


# ---------------------------------------------------------------------------------------------
# Compute
# ---------------------------------------------------------------------------------------------


def payrun_compute_start(*, run: PayRun, by: User) -> PayRun:
    """Open the parts of a queued run and queue one compute task per township not yet computed
    (after a failure, the computed townships are kept). A run past the preview is left alone."""
    with transaction.atomic():
        run = PayRun.objects.select_for_update(of=("self",)).select_related("period").get(pk=run.pk)
        if run.status not in (RunStatus.QUEUED, RunStatus.COMPUTING, RunStatus.PREVIEW, RunStatus.FAILED):
            return run
        require_scope(by, run)
        townships = _townships(run)
        stale = PayRunPart.objects.filter(run=run).exclude(township_id__in=townships)
        PayRunLine.objects.filter(run=run).exclude(township_id__in=townships).delete()
        stale.delete()
        have = set(PayRunPart.objects.filter(run=run).values_list("township_id", flat=True))
        PayRunPart.objects.bulk_create([PayRunPart(run=run, township_id=t) for t in townships if t not in have])
        todo = list(PayRunPart.objects.filter(run=run).exclude(status=PartStatus.COMPUTED).values_list("township_id", flat=True))
        PayRunPart.objects.filter(run=run, township_id__in=todo).update(status=PartStatus.PENDING, message="")
        done = len(townships) - len(todo)
        payruns._set_status(
            run,
            RunStatus.COMPUTING,
            by=by,
            message="",
            progress_done=done,
            progress_total=len(townships),
            progress_step=township_progress_label(COMPUTE_STEP, done, len(townships))[:40],
        )
    enqueue_fan_out(
        [(f"{TASKS}.payrun_compute_township_task", {"run_id": run.pk, "township_id": t, "user_id": by.pk}) for t in todo],
        (f"{TASKS}.payrun_compute_finish_task", {"run_id": run.pk, "user_id": by.pk}),
    )
    return run


def payrun_compute_township(*, run_id: int, township_id: int, by: User) -> str:
    """One township's preview lines, replacing its earlier ones in one transaction. Running it
    again gives the same lines; it never raises (a failure is kept on the part)."""
    part = PayRunPart.objects.select_related("run__period").get(run_id=run_id, township_id=township_id)
    run = part.run
    if run.status != RunStatus.COMPUTING or part.status == PartStatus.COMPUTED:
        return part.status
    try:
        lines, notes = compute_lines(run=run, by=by, township_id=township_id)
        with transaction.atomic():
            locked = PayRunPart.objects.select_for_update().get(pk=part.pk)
            if locked.status == PartStatus.COMPUTED:  # the same task delivered twice
                return locked.status
            PayRunLine.objects.filter(run=run, township_id=township_id).delete()
            payruns._write_lines(run, lines, by, progress=False)
            locked.status = PartStatus.COMPUTED
            locked.line_count = len(lines)
            locked.total_amount = sum((line.amount for line in lines), Decimal("0.00"))
            locked.notes = notes[:MAX_NOTES]
            locked.message = f"另有{len(notes) - MAX_NOTES}条提示" if len(notes) > MAX_NOTES else ""
            locked.save(update_fields=["status", "line_count", "total_amount", "notes", "message", "updated_at"])
    except Exception as exc:  # kept on the part: the final step fails the run, naming the township
        PayRunPart.objects.filter(pk=part.pk).update(status=PartStatus.FAILED, message=_message(exc))
        return PartStatus.FAILED
    _part_progress(run_id, COMPUTE_STEP, PartStatus.COMPUTED)
    return PartStatus.COMPUTED


@transaction.atomic
def payrun_compute_finish(*, run_id: int, by: User) -> PayRun:
    """The final step of the compute: the run becomes a preview when every township is
    computed (its total is the sum of its lines, which must equal the townships' totals to the
    fen); otherwise it fails, naming the townships, and 重新计算预览 continues from them."""
    run = PayRun.objects.select_for_update(of=("self",)).get(pk=run_id)
    if run.status != RunStatus.COMPUTING:
        return run
    parts = list(PayRunPart.objects.filter(run=run).order_by("township_id"))
    if any(p.status != PartStatus.COMPUTED for p in parts):
        text = _failed_parts_text(run, PartStatus.COMPUTED)
        payruns._set_status(run, RunStatus.FAILED, by=by, message=f"计算未完成（{text}）。", progress_step="")
        return run
    paid = ~Q(amount=0)  # 人数: the people paid something (¥0 lines, with their reasons, are listed, not counted)
    agg = PayRunLine.objects.filter(run=run).aggregate(
        t=Sum("amount"), n=Count("person_id", distinct=True, filter=paid), c=Count("id")
    )
    total = agg["t"] or Decimal("0.00")
    expected = sum((p.total_amount for p in parts), Decimal("0.00"))
    if total != expected or agg["c"] != sum(p.line_count for p in parts):
        PayRunPart.objects.filter(run=run).update(status=PartStatus.PENDING)
        payruns._set_status(
            run, RunStatus.FAILED, by=by, message=f"预览合计 {total} 与各乡镇合计 {expected} 不一致，请重新计算预览。"
        )
        return run
    notes = [n for p in parts for n in [*p.notes, *([p.message] if p.message else [])]]
    payruns._set_status(
        run,
        RunStatus.PREVIEW,
        by=by,
        message="\n".join(notes[:MAX_NOTES]) + (f"\n……另有{len(notes) - MAX_NOTES}条提示" if len(notes) > MAX_NOTES else ""),
        total_amount=total,
        line_count=agg["n"] or 0,
        progress_done=len(parts),
        progress_total=len(parts),
        progress_step="",
    )
    return run


# ---------------------------------------------------------------------------------------------
# Post
# ---------------------------------------------------------------------------------------------


def payrun_post_start(*, run: PayRun, by: User) -> PayRun:
    """Check the whole run, then queue one posting task per township not yet posted. A refusal
    (the gate, a locked period, double pay) raises ValidationError with nothing written; a run
    already posted is left alone."""
    with transaction.atomic():
        run = PayRun.objects.select_for_update(of=("self",)).select_related("period").get(pk=run.pk)
        if run.status in (RunStatus.APPROVED, RunStatus.PAID):
            return run
        if run.status != RunStatus.POSTING:
            raise ValidationError({"status": f"批次状态为“{run.get_status_display()}”，不能入账。"})
        refused = refusal(by, APPROVE, run)
        if refused:  # the approver (the job's user) must still pass the gate: nothing is posted
            raise ValidationError({"status": refused})
        _require_open(run.period)
        lined = sorted(set(PayRunLine.objects.filter(run=run).values_list("township_id", flat=True).order_by()))
        have = set(PayRunPart.objects.filter(run=run).values_list("township_id", flat=True))
        PayRunPart.objects.bulk_create(
            [PayRunPart(run=run, township_id=t, status=PartStatus.COMPUTED) for t in lined if t not in have]
        )
        posted = set(PayRunPart.objects.filter(run=run, status=PartStatus.POSTED).values_list("township_id", flat=True))
        todo = [t for t in lined if t not in posted]
        dupes = payruns._double_pay(run, todo)
        if dupes:
            raise ValidationError({"status": f"以下人员本期已有同类账目，不能重复入账：{'、'.join(dupes[:20])}"})
        PayRunPart.objects.filter(run=run).exclude(township_id__in=lined).delete()  # no lines: nothing to post
        PayRunPart.objects.filter(run=run, township_id__in=todo).update(status=PartStatus.COMPUTED, message="")
        done = len(lined) - len(todo)
        PayRun.objects.filter(pk=run.pk).update(
            progress_done=done,
            progress_total=len(lined),
            progress_step=township_progress_label(POST_STEP, done, len(lined))[:40],
        )
    enqueue_fan_out(
        [(f"{TASKS}.payrun_post_township_task", {"run_id": run.pk, "township_id": t, "user_id": by.pk}) for t in todo],
        (f"{TASKS}.payrun_post_finish_task", {"run_id": run.pk, "user_id": by.pk}),
    )
    return run


def payrun_post_township(*, run_id: int, township_id: int, by: User) -> str:
    """One township's ledger entries and their history rows, in one transaction: all of the
    township or nothing. A township already posted is skipped; never raises (a failure is kept
    on the part)."""
    try:
        with transaction.atomic():
            part = PayRunPart.objects.select_for_update().get(run_id=run_id, township_id=township_id)
            run = PayRun.objects.select_related("period").get(pk=run_id)
            if part.status == PartStatus.POSTED or run.status != RunStatus.POSTING:
                return part.status
            # one township posts at a time across runs (no two runs pay its people at once)
            Township.objects.select_for_update(no_key=True).get(pk=township_id)
            _require_open(run.period)
            mine = LedgerEntry.objects.filter(pay_run=run, township_id=township_id)
            if mine.exists():  # posted by an earlier delivery of this task (all of it: one transaction)
                agg = mine.aggregate(t=Sum("amount"), n=Count("id"))
                part.status, part.posted_count, part.posted_amount, part.message = PartStatus.POSTED, agg["n"], agg["t"], ""
                part.save(update_fields=["status", "posted_count", "posted_amount", "message", "updated_at"])
                return part.status
            dupes = payruns._double_pay(run, [township_id])
            if dupes:
                raise ValidationError(f"以下人员本期已有同类账目，不能重复入账：{'、'.join(dupes[:20])}")
            count = payruns._copy_lines_to_ledger(run, by, township_id=township_id)
            lines = (  # the lines with an amount: a ¥0 line stays on the run, not in the ledger
                PayRunLine.objects.filter(run=run, township_id=township_id)
                .exclude(amount=0)
                .aggregate(t=Sum("amount"), n=Count("id"))
            )
            posted = LedgerEntry.objects.filter(pay_run=run, township_id=township_id).total()
            if posted != (lines["t"] or Decimal("0.00")) or count != lines["n"]:
                raise ValidationError(f"本乡镇入账合计 {posted} 与预览合计 {lines['t']} 不一致，已撤回。")
            part.status, part.posted_count, part.posted_amount, part.message = PartStatus.POSTED, count, posted, ""
            part.save(update_fields=["status", "posted_count", "posted_amount", "message", "updated_at"])
    except Exception as exc:  # the township's transaction is rolled back: none of its entries is written
        PayRunPart.objects.filter(run_id=run_id, township_id=township_id).update(status=PartStatus.FAILED, message=_message(exc))
        return PartStatus.FAILED
    _part_progress(run_id, POST_STEP, PartStatus.POSTED)
    return PartStatus.POSTED


@transaction.atomic
def payrun_post_finish(*, run_id: int, by: User) -> PayRun:
    """The final step of posting: the run is posted (县级已审批入账) only when every township is
    posted and the run's ledger total equals its previewed total to the fen. Otherwise: nothing
    posted at all → back to 乡镇已确认 with the reason (as a refused posting); some townships
    posted → 入账未完成, and 继续入账 posts the others."""
    run = PayRun.objects.select_for_update(of=("self",)).get(pk=run_id)
    if run.status != RunStatus.POSTING:
        return run
    entries = LedgerEntry.objects.filter(pay_run=run)
    unposted = PayRunPart.objects.filter(run=run).exclude(status=PartStatus.POSTED).exists()
    if unposted:
        text = _failed_parts_text(run, PartStatus.POSTED)
        if not entries.exists():
            payruns._set_status(
                run, RunStatus.PREPARED, by=by, message=f"入账失败：{text}", approved_by=None, approved_at=None, progress_step=""
            )
        else:
            payruns._set_status(run, RunStatus.POST_FAILED, by=by, message=f"入账未完成：{text}。", progress_step="")
        return run
    agg = entries.aggregate(t=Sum("amount"), n=Count("id"))
    posted = agg["t"] or Decimal("0.00")
    if posted != run.total_amount:
        payruns._set_status(
            run,
            RunStatus.POST_FAILED,
            by=by,
            message=f"入账合计 {posted} 与批次预览合计 {run.total_amount} 不一致，请核对后在台账中冲销更正。",
            progress_step="",
        )
        return run
    payruns._set_status(
        run, RunStatus.APPROVED, by=by, message="", progress_done=agg["n"], progress_total=agg["n"], progress_step=""
    )
    return run


@transaction.atomic
def payrun_post_resume(*, run: PayRun, by: User) -> PayRun:
    """继续入账: a run whose posting stopped midway posts its remaining townships (the county
    approver, at the gate again; the townships already posted are not touched)."""
    require_perm(by, APPROVE)
    run = PayRun.objects.select_for_update(of=("self",)).select_related("period").get(pk=run.pk)
    if run.status != RunStatus.POST_FAILED:
        raise ValidationError({"status": f"只有入账未完成的批次可以继续入账，当前为“{run.get_status_display()}”。"})
    require_perm(by, APPROVE, obj=run)
    _require_open(run.period)
    payruns._set_status(run, RunStatus.POSTING, by=by, message="", progress_step=POST_STEP)
    transaction.on_commit(lambda: enqueue(f"{TASKS}.payrun_post_task", run_id=run.pk, user_id=by.pk))
    return run
