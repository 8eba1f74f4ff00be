"""The annual rollup: composite scores, grades within the quota, rankings, village categories,
stars and consequence proposals, computed in memory and written township by township (each in
its own transaction, unchanged rows skipped: idempotent and restartable). Also the scheduled
run (Celery beat) and the rerun after a policy change."""

from __future__ import annotations

import calendar
import datetime
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from cadres.models import Township, User
from core.fastwrite import insert_with_history
from core.jobs import enqueue
from core.services import require_perm

from ..choices import (
    LOCKED_PHASES,
    ItemKind,
    ProposalKind,
    ProposalStatus,
    QuotaStatus,
    ResultStatus,
    RunStatus,
)
from ..models import (
    AnnualReview,
    BallotTally,
    ConsequenceProposal,
    ReviewCampaign,
    ReviewItem,
    ReviewResult,
    RollupRun,
)
from ..policy_section import rules_for_year, section_for_year
from ..rules import (
    GRADED,
    OVER,
    TIE,
    ReviewInput,
    ReviewOutcome,
    Rules,
    Tally,
    admonition_reason,
    apply_quota,
    category_for,
    competition_ranks,
    consecutive_poor_reason,
    evaluate,
    star_rating,
)


@dataclass
class _Computed:
    review_id: int
    township_id: int
    village_id: int
    person_id: int
    service_years: int
    village_score: Decimal | None
    outcome: ReviewOutcome
    tallies: list[Tally]
    star_items: set[str]
    override_grade: str = ""
    override_line: str = ""
    quota_status: str = ""
    quota_line: str = ""
    grade: str = ""
    status: str = ""
    rank: int | None = None
    rank_total: int | None = None
    category: str = ""
    category_line: str = ""
    extra: dict = field(default_factory=dict)


def _insert_values(instance) -> dict:
    """An unsaved instance's column values (attname → value) for fastwrite.insert_with_history:
    auto_now fields left to it, JSON fields as their text (as COPY and executemany take them)."""
    values = {}
    for f in instance._meta.concrete_fields:
        if f.attname == "id" or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            continue
        value = getattr(instance, f.attname)
        if isinstance(f, models.JSONField) and value is not None:
            value = json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)
        values[f.attname] = value
    return values


RESULT_FIELDS = [
    "status",
    "score",
    "score_explanation",
    "computed_grade",
    "grade_explanation",
    "quota_status",
    "grade",
    "grade_label",
    "rank",
    "rank_total",
    "village_category",
    "village_category_label",
    "category_explanation",
    "stars",
    "star_reasons",
]


def rollup_request(*, year: int, by: User, township: Township | None = None) -> RollupRun:
    """Open a run and start the Celery task after commit (eager in tests and on the default setup).
    A run of the year (and township) still going is returned as it is; the last one, when it has
    failed, is run again (it continues from the townships it did not finish)."""
    require_perm(by, "assessments.run_rollup", "只有县委组织部可以运行年度汇总。")
    campaign = ReviewCampaign.objects.filter(year=year).first()
    if campaign is None:
        raise ValidationError({"year": f"{year}年度考核尚未开启。"})
    if campaign.is_locked:
        raise ValidationError({"year": f"{year}年度考核结果已公示锁定，更正请使用结果更正。"})
    running = RollupRun.objects.filter(year=year, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).first()
    if running is not None:
        return running
    latest = RollupRun.objects.filter(year=year, township=township).order_by("-created_at", "-id").first()
    with transaction.atomic():
        if latest is not None and latest.status == RunStatus.FAILED:
            # run the failed run again: it continues from the townships not yet written
            run = latest
            _progress(run, status=RunStatus.QUEUED, requested_by=by, message="", finished_at=None)
        else:
            run = RollupRun.objects.create(year=year, township=township, requested_by=by)
        transaction.on_commit(lambda: enqueue("assessments.tasks.review_rollup_year_task", run_id=run.pk))
    return run


def _progress(run: RollupRun, **values) -> None:
    for k, v in values.items():
        setattr(run, k, v)
    RollupRun.objects.filter(pk=run.pk).update(**values)


def review_year_rollup(
    *, year: int, township_id: int | None = None, run: RollupRun | None = None, by: User | None = None
) -> RollupRun:
    """Composite scores, grades within the quota, rankings, categories, stars and consequence
    proposals for one year (county, or one township). Idempotent: unchanged rows are not written,
    so a rerun changes nothing; restartable: each township is written in its own transaction and
    a rerun after a crash simply finishes the work. Queries per township are constant."""
    campaign = ReviewCampaign.objects.filter(year=year).first()
    if run is None:
        run = RollupRun.objects.create(year=year, township_id=township_id, requested_by=by)
    if campaign is None or campaign.is_locked:
        _progress(run, status=RunStatus.FAILED, message="该年度考核不存在或已公示锁定。", finished_at=timezone.now())
        return run
    by = by or run.requested_by
    township_id = township_id if township_id is not None else run.township_id
    _progress(run, status=RunStatus.RUNNING, started_at=timezone.now(), step="计算综合得分和等次", message="")
    try:
        rules = rules_for_year(year)
        base = AnnualReview.objects.filter(year=year)
        if township_id:
            base = base.filter(township_id=township_id)
        townships = sorted(set(base.values_list("township_id", flat=True)))
        _progress(run, progress_total=2 * len(townships) + 1, progress_done=0)
        computed: dict[int, list[_Computed]] = {}
        for i, tid in enumerate(townships, start=1):
            computed[tid] = _evaluate_township(year=year, township_id=tid, rules=rules)
            if i % 10 == 0 or i == len(townships):
                _progress(run, progress_done=i)
        _progress(run, step="名额、排名和村类别")
        _apply_quotas(year=year, computed=computed, rules=rules, partial=bool(township_id))
        _apply_ranking(year=year, computed=computed, rules=rules, partial=bool(township_id))
        _progress(run, progress_done=len(townships) + 1, step="星级、后续处理建议并保存")
        counts = dict.fromkeys(("reviews", "created", "updated", "unchanged", "tie", "proposals"), 0)
        for i, tid in enumerate(townships, start=1):
            for k, v in _write_township(year=year, rows=computed.pop(tid), rules=rules, by=by).items():
                counts[k] = counts.get(k, 0) + int(v)
            if i % 10 == 0 or i == len(townships):
                _progress(run, progress_done=len(townships) + 1 + i)
        _progress(
            run,
            status=RunStatus.DONE,
            step="完成",
            counts=dict(counts),
            finished_at=timezone.now(),
            message=(
                f"共{counts['reviews']}人：新建结果{counts['created']}条，更新{counts['updated']}条，无变化{counts['unchanged']}条；"
                f"名额并列待定{counts['tie']}人，新提出处理建议{counts['proposals']}条。"
            ),
        )
    except Exception as exc:
        _progress(run, status=RunStatus.FAILED, finished_at=timezone.now(), message=f"计算失败：{exc}"[:1000])
        raise
    return run


def review_recompute(*, review: AnnualReview, by: User | None = None) -> ReviewResult | None:
    """Recompute one review's result right after its entry changed (e.g. ballots saved), with the
    same steps as the annual rollup: its township is evaluated again (the 优秀 quota and the ranking
    are shared by the township; a county-wide quota or ranking counts the other townships from their
    stored results), and only changed rows are written. Nothing happens in a locked year.
    Returns the review's result (None when the year is locked or the campaign is missing)."""
    campaign = ReviewCampaign.objects.filter(year=review.year).first()
    if campaign is None or campaign.is_locked:
        return None
    rules = rules_for_year(review.year)
    computed = {review.township_id: _evaluate_township(year=review.year, township_id=review.township_id, rules=rules)}
    _apply_quotas(year=review.year, computed=computed, rules=rules, partial=True)
    _apply_ranking(year=review.year, computed=computed, rules=rules, partial=True)
    _write_township(year=review.year, rows=computed[review.township_id], rules=rules, by=by)
    return ReviewResult.objects.filter(review_id=review.pk).first()


def _evaluate_township(*, year: int, township_id: int, rules: Rules) -> list[_Computed]:
    """3 queries (reviews with their override, tallies, items) as plain values: no model
    instances, no per-row work in the database."""
    reviews = list(
        AnnualReview.objects.filter(year=year, township_id=township_id)
        .order_by("id")
        .values(
            "id",
            "township_id",
            "village_id",
            "person_id",
            "service_years",
            "township_score",
            "daily_score",
            "village_score",
            "result__override_grade",
            "result__override_reason",
        )
    )
    tallies, items = defaultdict(list), defaultdict(list)
    for t in BallotTally.objects.filter(review__year=year, review__township_id=township_id).values_list(
        "review_id", "group", "entitled", "attended", "counts", "invalid_ballots"
    ):
        tallies[t[0]].append(Tally(t[1], t[2], t[3], dict(t[4] or {}), t[5]))
    for i in ReviewItem.objects.filter(review__year=year, review__township_id=township_id).values_list(
        "review_id", "kind", "code", "label", "points", "max_grade"
    ):
        items[i[0]].append(i[1:])
    out = []
    for r in reviews:
        rid, own = r["id"], items[r["id"]]
        inp = ReviewInput(
            tallies=tallies[rid],
            township_score=r["township_score"],
            daily_score=r["daily_score"],
            village_score=r["village_score"],
            adjustments=[(label, points) for kind, _, label, points, _ in own if kind == ItemKind.ADJUST],
            vetoes=[(label, cap) for kind, _, label, _, cap in own if kind == ItemKind.VETO],
        )
        row = _Computed(
            review_id=rid,
            township_id=r["township_id"],
            village_id=r["village_id"],
            person_id=r["person_id"],
            service_years=r["service_years"],
            village_score=r["village_score"],
            outcome=evaluate(inp, rules),
            tallies=tallies[rid],
            star_items={code for kind, code, *_ in own if kind == ItemKind.STAR},
        )
        if r["result__override_grade"]:
            row.override_grade = r["result__override_grade"]
            row.override_line = f"人工确定为{rules.grade_name(row.override_grade)}：{r['result__override_reason']}"
        out.append(row)
    return out


def _apply_quotas(*, year: int, computed: dict[int, list[_Computed]], rules: Rules, partial: bool) -> None:
    limited = set(rules.quota_grades)
    if rules.quota_scope == "county":
        if partial:  # the county quota needs every township: count the others from their stored results
            others = ReviewResult.objects.filter(year=year).exclude(township_id__in=list(computed))
            other_total = AnnualReview.objects.filter(year=year).exclude(township_id__in=list(computed)).count()
            other_taken = others.filter(grade__in=limited).count()
        else:
            other_total = other_taken = 0
        groups = [[row for rows in computed.values() for row in rows]]
    else:
        other_total = other_taken = 0
        groups = list(computed.values())
    for rows in groups:
        already = other_taken + sum(1 for r in rows if r.override_grade in limited)
        candidates = [
            (r.review_id, r.outcome.score)
            for r in rows
            if not r.override_grade and r.outcome.status == GRADED and r.outcome.grade in limited
        ]
        grade_name = "、".join(rules.grade_name(c) for c in limited) or "优秀"
        quota = apply_quota(candidates, total=len(rows) + other_total, already=already, rules=rules, grade_name=grade_name)
        for r in rows:
            r.status = r.outcome.status
            r.grade = r.outcome.grade if r.outcome.status == GRADED else ""
            status = quota.status.get(r.review_id)
            if status is None:
                continue
            r.quota_status, r.quota_line = status, quota.explanation[r.review_id]
            if status == OVER:
                lower = rules.next_grade(r.outcome.grade)
                r.grade = lower.code if lower else r.outcome.grade
                r.quota_line += f"，降为{rules.grade_name(r.grade)}"
            elif status == TIE:
                r.grade, r.status = "", ResultStatus.TIE
        for r in rows:
            if r.override_grade:
                r.grade, r.status = r.override_grade, ResultStatus.GRADED


def _apply_ranking(*, year: int, computed: dict[int, list[_Computed]], rules: Rules, partial: bool) -> None:
    def basis(score, village_score):
        return village_score if rules.rank_basis == "village_score" and village_score is not None else score

    rows = [r for rs in computed.values() for r in rs]
    mine = {r.review_id for r in rows}
    entries: list[tuple[object, Decimal, int]] = []
    for r in rows:
        value = basis(r.outcome.score, r.village_score)
        if value is not None and r.outcome.status == GRADED:
            entries.append((r.review_id, value, r.township_id))
    if partial and rules.rank_scope == "county":
        others = ReviewResult.objects.filter(year=year).exclude(review_id__in=mine).exclude(score=None)
        for rid, score, vscore, tid in others.values_list("review_id", "score", "review__village_score", "township_id"):
            entries.append((rid, basis(score, vscore), tid))
    scopes = defaultdict(list)
    for key, value, tid in entries:
        scopes[tid if rules.rank_scope == "township" else 0].append((key, value))
    by_id = {r.review_id: r for r in rows}
    label = "本乡镇" if rules.rank_scope == "township" else "全县"
    for items in scopes.values():
        ranks = competition_ranks(items)
        for key, rank in ranks.items():
            r = by_id.get(key)
            if r is None:
                continue
            r.rank, r.rank_total = rank, len(items)
            r.category, r.category_line = category_for(rank, len(items), rules, label)


def _write_township(*, year: int, rows: list[_Computed], rules: Rules, by: User | None) -> dict[str, int]:
    """Stars, proposals and the writes of one township, in one transaction (≈6 queries + writes)."""
    counts = defaultdict(int)
    if not rows:
        return counts
    now = timezone.now()
    with transaction.atomic():
        existing = {r.review_id: r for r in ReviewResult.objects.filter(review_id__in=[x.review_id for x in rows])}
        person_ids = [x.person_id for x in rows]
        past = defaultdict(dict)
        for pid, y, grade in ReviewResult.objects.filter(
            person_id__in=person_ids, year__lt=year, year__gte=year - 10
        ).values_list("person_id", "year", "grade"):
            past[pid][y] = grade
        proposals = {
            (p.review_id, p.kind): p
            for p in ConsequenceProposal.objects.filter(
                review_id__in=[x.review_id for x in rows], kind__in=[ProposalKind.ADMONITION, ProposalKind.ADJUSTMENT]
            )
        }
        creates, updates, new_props, changed_props = [], [], [], []
        for x in rows:
            counts["reviews"] += 1
            counts["tie"] += x.status == ResultStatus.TIE
            old = existing.get(x.review_id)
            if old is not None and old.locked:
                counts["unchanged"] += 1
                continue
            final = x.grade
            stars, reasons = (
                (0, [])
                if not final
                else star_rating(service_years=x.service_years, grade=final, category=x.category, items=x.star_items, rules=rules)
            )
            lines = [
                *x.outcome.grade_lines,
                *([x.quota_line] if x.quota_line else []),
                *([x.override_line] if x.override_line else []),
            ]
            values = {
                "status": x.status,
                "score": x.outcome.score,
                "score_explanation": x.outcome.score_explanation,
                "computed_grade": x.outcome.grade if x.outcome.status == GRADED else "",
                "grade_explanation": "\n".join(lines),
                "quota_status": x.quota_status if x.quota_status else QuotaStatus.NONE,
                "grade": final,
                "grade_label": rules.grade_name(final) if final else "",
                "rank": x.rank,
                "rank_total": x.rank_total,
                "village_category": x.category,
                "village_category_label": rules.category_name(x.category) if x.category else "",
                "category_explanation": x.category_line[:300],
                "stars": stars,
                "star_reasons": reasons,
            }
            if old is None:
                creates.append(
                    ReviewResult(
                        review_id=x.review_id,
                        year=year,
                        person_id=x.person_id,
                        village_id=x.village_id,
                        township_id=x.township_id,
                        computed_at=now,
                        **values,
                    )
                )
                counts["created"] += 1
            else:
                changed = [f for f, v in values.items() if getattr(old, f) != v]
                if changed:
                    for f in changed:
                        setattr(old, f, values[f])
                    old.computed_at = now
                    updates.append(old)
                    counts["updated"] += 1
                else:
                    counts["unchanged"] += 1
            # Consequence proposals (county staff confirm; a proposal no longer triggered is withdrawn).
            wanted = {
                ProposalKind.ADMONITION: admonition_reason(grade=final, tallies=x.tallies, rules=rules),
                ProposalKind.ADJUSTMENT: consecutive_poor_reason(
                    year=year, grades_by_year={**past[x.person_id], year: final}, rules=rules
                )
                if final
                else "",
            }
            for kind, reason in wanted.items():
                p = proposals.get((x.review_id, kind))
                if reason and p is None:
                    new_props.append(
                        ConsequenceProposal(
                            review_id=x.review_id, person_id=x.person_id, year=year, kind=kind, reason=reason[:300]
                        )
                    )
                elif p is not None and p.status in (ProposalStatus.PROPOSED, ProposalStatus.WITHDRAWN):
                    status = ProposalStatus.PROPOSED if reason else ProposalStatus.WITHDRAWN
                    text = (reason or p.reason)[:300]
                    if (p.status, p.reason) != (status, text):
                        p.status, p.reason = status, text
                        changed_props.append(p)
        if creates:
            # COPY on PostgreSQL (a prefecture's first rollup writes ≈50,000 results + history rows):
            # bulk_create spends most of its time preparing values field by field.
            insert_with_history(
                ReviewResult,
                [_insert_values(r) for r in creates],
                user=by,
                reason="年度汇总计算",
            )
        if updates:
            bulk_update_with_history(
                updates,
                ReviewResult,
                [*RESULT_FIELDS, "computed_at"],
                batch_size=500,
                default_user=by,
                default_change_reason="年度汇总计算",
            )
        if new_props:
            bulk_create_with_history(new_props, ConsequenceProposal, default_user=by, default_change_reason="年度汇总计算")
        if changed_props:
            bulk_update_with_history(
                changed_props, ConsequenceProposal, ["status", "reason"], default_user=by, default_change_reason="年度汇总计算"
            )
        counts["proposals"] += len(new_props)
    return counts


def rollup_scheduled_date(year: int) -> datetime.date:
    schedule = section_for_year(year).get("schedule", {})
    month, day = int(schedule.get("rollup_month", 1)), int(schedule.get("rollup_day", 20))
    target_year = year + 1 if schedule.get("rollup_next_year", True) else year
    day = min(day, calendar.monthrange(target_year, month)[1])  # 29 Feb only in leap years (not 2100)
    return datetime.date(target_year, month, day)


def review_rollup_scheduled(*, today: datetime.date) -> list[int]:
    """Daily (Celery beat): run the rollup of every open campaign whose configured date has come
    and which has not been rolled up by schedule yet (nor is being). Returns the run ids started
    (idempotent); the runs go on township by township on the workers."""
    started = []
    for campaign in ReviewCampaign.objects.exclude(phase__in=LOCKED_PHASES).order_by("year"):
        if today < rollup_scheduled_date(campaign.year):
            continue
        begun = [RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.DONE]
        if RollupRun.objects.filter(year=campaign.year, scheduled=True, status__in=begun).exists():
            continue
        run = RollupRun.objects.create(year=campaign.year, scheduled=True)
        _split_rollup(run)
        started.append(run.pk)
    return started


def review_policy_changed(*, year: int) -> int | None:
    """Rerun the rollup of ``year`` when its rules changed and results exist that are not yet
    locked (a published year keeps its results; corrections go through amendments). Returns the
    run id, or None when there was nothing to recompute."""
    campaign = ReviewCampaign.objects.filter(year=year).first()
    if campaign is None or campaign.is_locked or not ReviewResult.objects.filter(year=year).exists():
        return None
    run = RollupRun.objects.create(year=year, message="政策配置已修改，重新计算")
    _split_rollup(run)
    return run.pk


def _split_rollup(run: RollupRun) -> None:
    """The rollup of ``run`` township by township over every worker (rollup_parts)."""
    from .rollup_parts import rollup_start

    rollup_start(run=run)
