"""The annual rollup split by township, so that it spreads over every Celery worker.

A run goes through three steps, each township's work being its own task (a Celery chord: the
township tasks, then one final step that runs when all of them have finished):

1. ``rollup_township_score`` (per township): composite scores and grades before the quota; the
   figures the county-wide steps need are kept on the township's part (``standing``).
2. ``rollup_rank`` (final step of 1): the quota and the ranking over the whole county (or per
   township, as the year's rules say), from every township's standing; each part receives its
   grades, ranks and categories (``assigned``), then step 3 is queued.
3. ``rollup_township_write`` (per township): the township is evaluated again (the standing
   must not have changed meanwhile), takes its assigned grades and ranks, and its stars,
   proposals and results are written in one transaction (unchanged rows skipped). Then
   ``rollup_finish`` adds the counts up and closes the run.

A township task never raises: a failure is kept on its part, and the final step marks the run
failed with the townships concerned. Running the run again (``rollup_request`` for the year, or
the task with the same run) scores again only the townships without a standing and writes only
the townships not yet written. The results equal those of the single-process
``review_year_rollup`` (tests/assessments/test_rollup_split.py)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.jobs import enqueue_fan_out, township_progress_label

from ..choices import PartStatus, RunStatus
from ..models import AnnualReview, ReviewCampaign, RollupRun, RollupRunPart
from ..policy_section import rules_for_year
from ..rules import ReviewOutcome
from . import rollup as single  # its helpers are looked up there at call time (tests patch them there)
from .rollup import _Computed, _progress

SCORE_STEP = "第一步：计算综合得分和等次"
RANK_STEP = "第二步：名额、排名和村类别"
WRITE_STEP = "第三步：星级、后续处理建议并保存"

# What each township's standing holds per review, and what the final step assigns back.
STANDING = ("review_id", "status", "grade", "score", "village_score", "override_grade")
ASSIGNED = ("status", "grade", "quota_status", "quota_line", "rank", "rank_total", "category", "category_line")

TASKS = "assessments.tasks"


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def _standing(rows: list[_Computed]) -> list[list]:
    return [
        [
            r.review_id,
            r.outcome.status,
            r.outcome.grade,
            None if r.outcome.score is None else str(r.outcome.score),
            None if r.village_score is None else str(r.village_score),
            r.override_grade,
        ]
        for r in rows
    ]


def _fail(run: RollupRun, message: str) -> RollupRun:
    _progress(run, status=RunStatus.FAILED, finished_at=timezone.now(), message=message[:1000])
    return run


def rollup_start(*, run: RollupRun) -> RollupRun:
    """Open the run's township parts and queue step 1 for every township. Running a failed run
    again keeps the townships already written: they are scored again (the county-wide steps
    need every score), and written again only if their scores, grades or ranks have changed.
    A run already done is left alone."""
    run = RollupRun.objects.get(pk=run.pk)
    if run.status == RunStatus.DONE:
        return run
    campaign = ReviewCampaign.objects.filter(year=run.year).first()
    if campaign is None or campaign.is_locked:
        return _fail(run, "该年度考核不存在或已公示锁定。")
    base = AnnualReview.objects.filter(year=run.year)
    if run.township_id:
        base = base.filter(township_id=run.township_id)
    townships = sorted(set(base.values_list("township_id", flat=True).order_by()))
    with transaction.atomic():
        RollupRunPart.objects.filter(run=run).exclude(township_id__in=townships).delete()
        have = set(RollupRunPart.objects.filter(run=run).values_list("township_id", flat=True))
        RollupRunPart.objects.bulk_create([RollupRunPart(run=run, township_id=t) for t in townships if t not in have])
        RollupRunPart.objects.filter(run=run).exclude(status=PartStatus.DONE).update(
            status=PartStatus.PENDING, standing=[], assigned={}, message=""
        )
        _progress(
            run,
            status=RunStatus.RUNNING,
            started_at=run.started_at or timezone.now(),
            finished_at=None,
            message="",
            step=township_progress_label(SCORE_STEP, 0, len(townships)),
            progress_done=0,
            progress_total=len(townships),
        )
    # Queued once the parts are committed (a task runs outside any transaction; eager, the
    # township tasks run here, after the block).
    enqueue_fan_out(
        [(f"{TASKS}.review_rollup_township_score_task", {"run_id": run.pk, "township_id": t}) for t in townships],
        (f"{TASKS}.review_rollup_rank_task", {"run_id": run.pk}),
    )
    return run


def _part_progress(run_id: int, step: str, statuses: tuple[str, ...]) -> None:
    parts = RollupRunPart.objects.filter(run_id=run_id)
    total = parts.count()
    done = parts.filter(status__in=statuses).count()
    RollupRun.objects.filter(pk=run_id, progress_done__lt=done).update(
        progress_done=done, progress_total=total, step=township_progress_label(step, done, total)
    )


def rollup_township_score(*, run_id: int, township_id: int) -> str:
    """Step 1 for one township: its scores and grades before the quota, kept on its part (a
    township already written stays so when its standing is unchanged). Running it again only
    replaces the standing; it never raises (a failure is kept on the part)."""
    part = RollupRunPart.objects.select_related("run").get(run_id=run_id, township_id=township_id)
    if part.run.status != RunStatus.RUNNING:
        return part.status
    try:
        rows = single._evaluate_township(year=part.run.year, township_id=township_id, rules=rules_for_year(part.run.year))
        standing = _standing(rows)
        unchanged = part.status == PartStatus.DONE and standing == part.standing
        RollupRunPart.objects.filter(pk=part.pk).update(
            status=PartStatus.DONE if unchanged else PartStatus.SCORED,
            standing=standing,
            message="",
            updated_at=timezone.now(),
        )
    except Exception as exc:  # kept on the part: the final step fails the run, naming the township
        _part_failed(part, exc)
        return PartStatus.FAILED
    _scored_progress(run_id)
    return PartStatus.SCORED


def _scored_progress(run_id: int) -> None:
    _part_progress(run_id, SCORE_STEP, (PartStatus.SCORED, PartStatus.DONE))


def _error_text(exc: Exception) -> str:
    text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc) or type(exc).__name__
    return text[:500]


def _part_failed(part: RollupRunPart, exc: Exception) -> None:
    RollupRunPart.objects.filter(pk=part.pk).update(status=PartStatus.FAILED, message=_error_text(exc), updated_at=timezone.now())


def _failed_message(run: RollupRun, step: str) -> str:
    parts = list(RollupRunPart.objects.filter(run=run).select_related("township").order_by("township_id"))
    failed = [p for p in parts if p.status in (PartStatus.FAILED, PartStatus.PENDING)]
    done = sum(p.status == PartStatus.DONE for p in parts)
    names = "；".join(f"{p.township.name}：{p.message or '未完成'}" for p in failed[:10])
    more = f"等{len(failed)}个乡镇" if len(failed) > 10 else ""
    return (
        f"计算失败（{step}）：{names}{more}。已保存结果 {done}/{len(parts)} 个乡镇，"
        "其余乡镇的结果未改动；请处理后重新运行年度汇总，将从未完成的乡镇继续。"
    )


def rollup_rank(*, run_id: int) -> RollupRun:
    """Step 2 (the final step of step 1): the quota and the ranking from every township's
    standing; each part receives its share, then step 3 is queued for the townships not yet
    written. Fails the run when a township could not be scored."""
    run = RollupRun.objects.get(pk=run_id)
    if run.status != RunStatus.RUNNING:
        return run
    parts = list(RollupRunPart.objects.filter(run=run))
    if any(p.status in (PartStatus.FAILED, PartStatus.PENDING) for p in parts):
        return _fail(run, _failed_message(run, SCORE_STEP))
    _progress(run, step=RANK_STEP)
    rules = rules_for_year(run.year)
    computed: dict[int, list[_Computed]] = {}
    for p in parts:
        computed[p.township_id] = [
            _Computed(
                review_id=rid,
                township_id=p.township_id,
                village_id=0,
                person_id=0,
                service_years=0,
                village_score=_dec(vscore),
                outcome=ReviewOutcome(status=status, score=_dec(score), grade=grade),
                tallies=[],
                star_items=set(),
                override_grade=override,
            )
            for rid, status, grade, score, vscore, override in p.standing
        ]
    partial = bool(run.township_id)
    single._apply_quotas(year=run.year, computed=computed, rules=rules, partial=partial)
    single._apply_ranking(year=run.year, computed=computed, rules=rules, partial=partial)
    with transaction.atomic():
        for p in parts:
            assigned = {str(r.review_id): [getattr(r, f) for f in ASSIGNED] for r in computed[p.township_id]}
            if p.status == PartStatus.DONE and assigned != p.assigned:
                p.status = PartStatus.SCORED  # written before, but its grades or ranks have changed
            p.assigned = assigned
        RollupRunPart.objects.bulk_update(parts, ["assigned", "status"], batch_size=50)
        todo = [p.township_id for p in parts if p.status != PartStatus.DONE]
        done = len(parts) - len(todo)
        _progress(run, step=township_progress_label(WRITE_STEP, done, len(parts)), progress_done=done)
    enqueue_fan_out(
        [(f"{TASKS}.review_rollup_township_write_task", {"run_id": run.pk, "township_id": t}) for t in todo],
        (f"{TASKS}.review_rollup_finish_task", {"run_id": run.pk}),
    )
    return run


def rollup_township_write(*, run_id: int, township_id: int) -> str:
    """Step 3 for one township: evaluated again (it must match the standing the ranking used),
    with its assigned grades and ranks; stars, proposals, results and the part's status written
    in one transaction. Idempotent (a township already written is skipped, a second delivery
    waits for the first on the part's row lock, unchanged rows are not written); never raises
    (a failure is kept on the part)."""
    try:
        with transaction.atomic():
            # the part's row only (``of``): locking the joined run row too would make every
            # township's write wait for the one before it, on whichever worker it runs
            part = (
                RollupRunPart.objects.select_for_update(of=("self",))
                .select_related("run")
                .get(run_id=run_id, township_id=township_id)
            )
            if part.status != PartStatus.SCORED:
                return part.status
            run = part.run
            rules = rules_for_year(run.year)
            rows = single._evaluate_township(year=run.year, township_id=township_id, rules=rules)
            if _standing(rows) != part.standing:
                raise ValidationError("计算期间本乡镇的考核数据有变动，请重新运行年度汇总。")
            for r in rows:
                for f, value in zip(ASSIGNED, part.assigned[str(r.review_id)], strict=True):
                    setattr(r, f, value)
            counts = single._write_township(year=run.year, rows=rows, rules=rules, by=run.requested_by)
            part.status, part.counts, part.message = PartStatus.DONE, dict(counts), ""
            part.save(update_fields=["status", "counts", "message", "updated_at"])
    except Exception as exc:  # the township's transaction is rolled back: none of its results changed
        RollupRunPart.objects.filter(run_id=run_id, township_id=township_id).update(
            status=PartStatus.FAILED, message=_error_text(exc), updated_at=timezone.now()
        )
        return PartStatus.FAILED
    _part_progress(run_id, WRITE_STEP, (PartStatus.DONE,))
    return PartStatus.DONE


def rollup_finish(*, run_id: int) -> RollupRun:
    """The final step: every township written → the run is done with the county's counts;
    otherwise it fails, naming the townships, and can be run again."""
    run = RollupRun.objects.get(pk=run_id)
    if run.status != RunStatus.RUNNING:
        return run
    parts = list(RollupRunPart.objects.filter(run=run).values_list("status", "counts"))
    if any(status != PartStatus.DONE for status, _ in parts):
        return _fail(run, _failed_message(run, WRITE_STEP))
    counts = dict.fromkeys(("reviews", "created", "updated", "unchanged", "tie", "proposals"), 0)
    for _, part_counts in parts:
        for k, v in part_counts.items():
            counts[k] = counts.get(k, 0) + int(v)
    _progress(
        run,
        status=RunStatus.DONE,
        step=township_progress_label("完成", len(parts), len(parts)),
        progress_done=len(parts),
        progress_total=len(parts),
        counts=counts,
        finished_at=timezone.now(),
        message=(
            f"共{counts['reviews']}人：新建结果{counts['created']}条，更新{counts['updated']}条，无变化{counts['unchanged']}条；"
            f"名额并列待定{counts['tie']}人，新提出处理建议{counts['proposals']}条。"
        ),
    )
    return run
