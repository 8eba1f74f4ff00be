"""Writes of the annual review. The only place where review rules change data.

Every function takes keyword-only arguments, runs in one transaction, checks the acting user's
permission and data scope, validates with Chinese messages keyed by field, and records history
with who and when (simple_history, user from ``by``). Scoring itself is pure (scoring.py).
"""

from __future__ import annotations

import calendar
import datetime
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from cadres import choices as cadres_choices
from cadres.models import Appointment, Township, User
from core import dates as core_dates
from core.fastwrite import insert_with_history
from core.scope import scoped
from core.services import model_save, require_perm, require_scope

from . import scoring
from .choices import (
    LOCKED_PHASES,
    PHASE_ORDER,
    ItemKind,
    Phase,
    ProposalKind,
    ProposalStatus,
    QuotaStatus,
    RaterGroup,
    ResultStatus,
    RunStatus,
)
from .models import (
    AnnualReview,
    BallotTally,
    ConsequenceProposal,
    ResultAmendment,
    ReviewCampaign,
    ReviewFile,
    ReviewItem,
    ReviewResult,
    RollupRun,
)
from .policy_section import rules_for_year, section_for_year

REVIEW_FIELDS = ["duty_report", "integrity_report", "township_score", "daily_score", "village_score", "note"]
CAMPAIGN_FIELDS = ["title", "report_deadline", "ballot_deadline", "grade_deadline", "publicity_start", "publicity_end", "note"]
MAX_FILE_BYTES = 20 * 1024 * 1024
FILE_SUFFIXES = (".pdf", ".doc", ".docx", ".jpg", ".jpeg", ".png", ".txt", ".wps")


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _require_entry_open(review: AnnualReview) -> None:
    campaign = review.campaign
    if not campaign.accepts_entry:
        raise ValidationError(
            {"campaign": f"{campaign.year}年度考核已进入{campaign.get_phase_display()}阶段，不能再修改录入数据。"}
        )


def _grade_codes(year: int) -> dict[str, str]:
    return {g["code"]: g["name"] for g in section_for_year(year).get("grades", [])}


# ---------------------------------------------------------------------------------------------
# Campaign
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def campaign_create(*, by: User, year: int, title: str = "", **dates) -> ReviewCampaign:
    require_perm(by, "assessments.add_reviewcampaign", "只有县委组织部可以开启年度考核。")
    if ReviewCampaign.objects.filter(year=year).exists():
        raise ValidationError({"year": f"{year}年度考核已存在。"})
    campaign = ReviewCampaign(year=year, title=title or f"{year}年度村党组织书记双述双评", created_by=by)
    for name in CAMPAIGN_FIELDS[1:]:
        if name in dates:
            setattr(campaign, name, dates[name])
    model_save(campaign, by=by)
    return campaign


@transaction.atomic
def campaign_update(*, campaign: ReviewCampaign, by: User, **values) -> ReviewCampaign:
    require_perm(by, "assessments.change_reviewcampaign", "只有县委组织部可以修改年度考核安排。")
    fields = [f for f in CAMPAIGN_FIELDS if f in values]
    for name in fields:
        setattr(campaign, name, values[name] if name != "title" else (values[name] or str(campaign)))
    model_save(campaign, by=by, update_fields=fields)
    return campaign


def _unsettled(year: int) -> dict[str, int]:
    reviews = AnnualReview.objects.filter(year=year)
    results = ReviewResult.objects.filter(year=year)
    return {
        "missing": reviews.filter(result__isnull=True).count(),
        "tie": results.filter(grade="", status=ResultStatus.TIE).count(),
        "invalid": results.filter(grade="", status=ResultStatus.INVALID).count(),
        "incomplete": results.filter(grade="", status=ResultStatus.INCOMPLETE).count(),
    }


@transaction.atomic
def campaign_advance(*, campaign: ReviewCampaign, by: User) -> ReviewCampaign:
    """Move to the next phase. Entering 公示 needs every review graded and locks all results."""
    require_perm(by, "assessments.advance_campaign", "只有县委组织部可以推进考核阶段。")
    campaign = ReviewCampaign.objects.select_for_update().get(pk=campaign.pk)
    index = PHASE_ORDER.index(campaign.phase)
    if index == len(PHASE_ORDER) - 1:
        raise ValidationError({"phase": "考核已归档。"})
    target = PHASE_ORDER[index + 1]
    if target == Phase.PUBLICITY:
        gaps = _unsettled(campaign.year)
        if not AnnualReview.objects.filter(year=campaign.year).exists():
            raise ValidationError({"phase": "本年度还没有考核对象，不能进入公示。"})
        if any(gaps.values()):
            raise ValidationError(
                {
                    "phase": (
                        f"尚有{sum(gaps.values())}人未确定等次（名额并列待乡镇决定{gaps['tie']}人、测评无效{gaps['invalid']}人、"
                        f"数据不全{gaps['incomplete']}人、未计算{gaps['missing']}人），不能进入公示。"
                    )
                }
            )
        _lock_results(year=campaign.year, by=by)
    campaign.phase = target
    model_save(campaign, by=by, update_fields=["phase"])
    return campaign


def _lock_results(*, year: int, by: User) -> int:
    rows = list(ReviewResult.objects.filter(year=year, locked=False))
    for r in rows:
        r.locked = True
    if rows:
        bulk_update_with_history(
            rows, ReviewResult, ["locked"], batch_size=500, default_user=by, default_change_reason="进入公示，结果锁定"
        )
    return len(rows)


# ---------------------------------------------------------------------------------------------
# Reviews: generation (snapshot of the post) and entry
# ---------------------------------------------------------------------------------------------


def _service_years(appointments: list[Appointment], year_end: datetime.date) -> int:
    days = 0
    for a in appointments:
        end = min(a.end_date or year_end, year_end)
        if end > a.start_date:
            days += (end - a.start_date).days
    return int(days // 365.25)


@transaction.atomic
def reviews_generate(*, campaign: ReviewCampaign, by: User, township: Township | None = None) -> int:
    """One review per current (filed) secretary in the user's scope, with a snapshot of the post
    held. Idempotent: secretaries who already have a review this year are skipped."""
    require_perm(by, "assessments.add_annualreview")
    if not campaign.accepts_entry:
        raise ValidationError(
            {"campaign": f"{campaign.year}年度考核已进入{campaign.get_phase_display()}阶段，不能再生成考核对象。"}
        )
    current = scoped(by, Appointment).current().secretaries().select_related("village")
    if township is not None:
        current = current.filter(village__township_id=township.pk)
    current = list(current.order_by("village__township_id", "village_id"))
    existing = set(AnnualReview.objects.filter(year=campaign.year).values_list("person_id", flat=True))
    wanted = [a for a in current if a.person_id not in existing]
    seen: set[int] = set()
    wanted = [a for a in wanted if not (a.person_id in seen or seen.add(a.person_id))]
    history = defaultdict(list)
    person_ids = [a.person_id for a in wanted]
    for i in range(0, len(person_ids), 500):
        for a in Appointment.objects.filter(
            person_id__in=person_ids[i : i + 500], post=cadres_choices.SECRETARY, status=cadres_choices.FilingStatus.FILED
        ):
            history[a.person_id].append(a)
    year_end = datetime.date(campaign.year, 12, 31)
    reviews = [
        AnnualReview(
            campaign=campaign,
            year=campaign.year,
            person_id=a.person_id,
            village_id=a.village_id,
            township_id=a.village.township_id,
            appointment=a,
            post_code=a.post,
            post_name=a.post_name,
            post_start_date=a.start_date,
            service_years=_service_years(history[a.person_id], year_end),
            updated_by=by,
        )
        for a in wanted
    ]
    if reviews:
        bulk_create_with_history(reviews, AnnualReview, batch_size=500, default_user=by, default_change_reason="生成考核对象")
    return len(reviews)


@transaction.atomic
def review_update(*, review: AnnualReview, by: User, **values) -> AnnualReview:
    """Reports and scores entered by the township (述职/述廉, 乡镇评分, 日常工作分, 村级考核分)."""
    require_perm(by, "assessments.change_annualreview")
    require_scope(by, review)
    _require_entry_open(review)
    fields = [f for f in REVIEW_FIELDS if f in values]
    for name in fields:
        setattr(review, name, values[name])
    review.updated_by = by
    model_save(review, by=by, update_fields=[*fields, "updated_by", "updated_at"])
    return review


@transaction.atomic
def review_items_set(
    *, review: AnnualReview, by: User, kind: str, codes: list[str], notes: dict | None = None
) -> list[ReviewItem]:
    """Replace the review's items of one kind by the given policy codes (labels copied from the policy)."""
    require_perm(by, "assessments.change_annualreview")
    require_scope(by, review)
    _require_entry_open(review)
    section = section_for_year(review.year)
    if kind == ItemKind.ADJUST:
        catalogue = {i["code"]: (i["name"], scoring.dec(i["points"]), "") for i in section.get("adjust_items", [])}
    elif kind == ItemKind.VETO:
        catalogue = {i["code"]: (i["name"], Decimal(0), i["max_grade"]) for i in section.get("veto_items", [])}
    elif kind == ItemKind.STAR:
        catalogue = {r["value"]: (r["name"], Decimal(0), "") for r in section.get("star_rules", []) if r.get("basis") == "item"}
    else:
        raise ValidationError({"kind": "未知的事项类别。"})
    unknown = [c for c in codes if c not in catalogue]
    if unknown:
        raise ValidationError({"codes": f"事项代码不在{review.year}年度政策配置中：{'、'.join(unknown)}"})
    current = {i.code: i for i in review.items.filter(kind=kind)}
    for code, item in current.items():
        if code not in codes:
            item._history_user = by
            item.delete()
    kept = []
    for code in dict.fromkeys(codes):
        label, points, max_grade = catalogue[code]
        item = current.get(code) or ReviewItem(review=review, kind=kind, code=code)
        item.label, item.points, item.max_grade = label[:200], points, max_grade
        item.note = (notes or {}).get(code, item.note)[:300]
        model_save(item, by=by)
        kept.append(item)
    return kept


@transaction.atomic
def review_file_add(*, review: AnnualReview, by: User, kind: str, uploaded) -> ReviewFile:
    require_perm(by, "assessments.add_reviewfile")
    require_scope(by, review)
    _require_entry_open(review)
    name = uploaded.name or "附件"
    if uploaded.size > MAX_FILE_BYTES:
        raise ValidationError({"file": "文件超过 20 MB 上限。"})
    if not name.lower().endswith(FILE_SUFFIXES):
        raise ValidationError({"file": "只能上传 PDF、Word、WPS、图片或文本文件。"})
    item = ReviewFile(review=review, kind=kind, original_name=name[:255], size=uploaded.size, uploaded_by=by)
    item.file.save(f"{review.year}-{review.pk}-{timezone.now():%H%M%S%f}{name[name.rfind('.') :]}", uploaded, save=False)
    model_save(item, by=by)
    return item


def validate_tally(*, year: int, group: str, entitled, attended, counts: dict, invalid_ballots) -> dict[str, int]:
    """Field-keyed checks shared by the form, the API and the ballot sheet import."""
    options = [o["code"] for o in section_for_year(year).get("ballot_options", [])]
    errors = {}
    if group not in RaterGroup.values:
        errors["group"] = "测评类别应为乡镇测评或党员和村民代表测评。"
    unknown = [c for c in counts if c not in options]
    if unknown:
        errors["counts"] = f"测评票选项不在{year}年度政策配置中：{'、'.join(unknown)}"
    clean = {}
    for code in options:
        value = counts.get(code, 0) or 0
        if not isinstance(value, int) or value < 0:
            errors["counts"] = "各选项票数须为不小于0的整数。"
            break
        clean[code] = value
    if entitled is None or entitled <= 0:
        errors["entitled"] = "应到人数须大于0。"
    elif attended is None or attended < 0:
        errors["attended"] = "请填写实到人数。"
    elif attended > entitled:
        errors["attended"] = f"实到人数（{attended}）不能多于应到人数（{entitled}）。"
    elif not errors and sum(clean.values()) + (invalid_ballots or 0) > attended:
        errors["counts"] = f"有效票与废票合计（{sum(clean.values()) + (invalid_ballots or 0)}）不能多于实到人数（{attended}）。"
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def ballot_tally_save(
    *,
    review: AnnualReview,
    by: User,
    group: str,
    entitled: int,
    attended: int,
    counts: dict[str, int],
    invalid_ballots: int = 0,
    meeting_date: datetime.date | None = None,
) -> BallotTally:
    """Enter (or correct) the paper-ballot counts of one rater group."""
    require_perm(by, "assessments.add_ballottally")
    require_scope(by, review)
    _require_entry_open(review)
    clean = validate_tally(
        year=review.year, group=group, entitled=entitled, attended=attended, counts=counts, invalid_ballots=invalid_ballots
    )
    tally = BallotTally.objects.filter(review=review, group=group).first() or BallotTally(review=review, group=group)
    tally.entitled, tally.attended, tally.counts = entitled, attended, clean
    tally.invalid_ballots, tally.meeting_date, tally.entered_by = invalid_ballots or 0, meeting_date, by
    model_save(tally, by=by)
    return tally


# ---------------------------------------------------------------------------------------------
# The rollup
# ---------------------------------------------------------------------------------------------


@dataclass
class _Computed:
    review_id: int
    township_id: int
    village_id: int
    person_id: int
    service_years: int
    village_score: Decimal | None
    outcome: scoring.ReviewOutcome
    tallies: list[scoring.Tally]
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
    """Open a run and start the Celery task after commit (eager in tests and on the default setup)."""
    require_perm(by, "assessments.run_rollup", "只有县委组织部可以运行年度汇总。")
    campaign = ReviewCampaign.objects.filter(year=year).first()
    if campaign is None:
        raise ValidationError({"year": f"{year}年度考核尚未开启。"})
    if campaign.is_locked:
        raise ValidationError({"year": f"{year}年度考核结果已公示锁定，更正请使用结果更正。"})
    running = RollupRun.objects.filter(year=year, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).first()
    if running is not None:
        return running
    with transaction.atomic():
        run = RollupRun.objects.create(year=year, township=township, requested_by=by)
        from .tasks import review_rollup_year_task

        transaction.on_commit(lambda: review_rollup_year_task.delay(run_id=run.pk))
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


def _evaluate_township(*, year: int, township_id: int, rules: scoring.Rules) -> list[_Computed]:
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
        tallies[t[0]].append(scoring.Tally(t[1], t[2], t[3], dict(t[4] or {}), t[5]))
    for i in ReviewItem.objects.filter(review__year=year, review__township_id=township_id).values_list(
        "review_id", "kind", "code", "label", "points", "max_grade"
    ):
        items[i[0]].append(i[1:])
    out = []
    for r in reviews:
        rid, own = r["id"], items[r["id"]]
        inp = scoring.ReviewInput(
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
            outcome=scoring.evaluate(inp, rules),
            tallies=tallies[rid],
            star_items={code for kind, code, *_ in own if kind == ItemKind.STAR},
        )
        if r["result__override_grade"]:
            row.override_grade = r["result__override_grade"]
            row.override_line = f"人工确定为{rules.grade_name(row.override_grade)}：{r['result__override_reason']}"
        out.append(row)
    return out


def _apply_quotas(*, year: int, computed: dict[int, list[_Computed]], rules: scoring.Rules, partial: bool) -> None:
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
            if not r.override_grade and r.outcome.status == scoring.GRADED and r.outcome.grade in limited
        ]
        grade_name = "、".join(rules.grade_name(c) for c in limited) or "优秀"
        quota = scoring.apply_quota(
            candidates, total=len(rows) + other_total, already=already, rules=rules, grade_name=grade_name
        )
        for r in rows:
            r.status = r.outcome.status
            r.grade = r.outcome.grade if r.outcome.status == scoring.GRADED else ""
            status = quota.status.get(r.review_id)
            if status is None:
                continue
            r.quota_status, r.quota_line = status, quota.explanation[r.review_id]
            if status == scoring.OVER:
                lower = rules.next_grade(r.outcome.grade)
                r.grade = lower.code if lower else r.outcome.grade
                r.quota_line += f"，降为{rules.grade_name(r.grade)}"
            elif status == scoring.TIE:
                r.grade, r.status = "", ResultStatus.TIE
        for r in rows:
            if r.override_grade:
                r.grade, r.status = r.override_grade, ResultStatus.GRADED


def _apply_ranking(*, year: int, computed: dict[int, list[_Computed]], rules: scoring.Rules, partial: bool) -> None:
    def basis(score, village_score):
        return village_score if rules.rank_basis == "village_score" and village_score is not None else score

    rows = [r for rs in computed.values() for r in rs]
    mine = {r.review_id for r in rows}
    entries: list[tuple[object, Decimal, int]] = []
    for r in rows:
        value = basis(r.outcome.score, r.village_score)
        if value is not None and r.outcome.status == scoring.GRADED:
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
        ranks = scoring.competition_ranks(items)
        for key, rank in ranks.items():
            r = by_id.get(key)
            if r is None:
                continue
            r.rank, r.rank_total = rank, len(items)
            r.category, r.category_line = scoring.category_for(rank, len(items), rules, label)


def _write_township(*, year: int, rows: list[_Computed], rules: scoring.Rules, by: User | None) -> dict[str, int]:
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
                else scoring.star_rating(
                    service_years=x.service_years, grade=final, category=x.category, items=x.star_items, rules=rules
                )
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
                "computed_grade": x.outcome.grade if x.outcome.status == scoring.GRADED else "",
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
                ProposalKind.ADMONITION: scoring.admonition_reason(grade=final, tallies=x.tallies, rules=rules),
                ProposalKind.ADJUSTMENT: scoring.consecutive_poor_reason(
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
    and which has not been rolled up by schedule yet. Returns the run ids started (idempotent)."""
    started = []
    for campaign in ReviewCampaign.objects.exclude(phase__in=LOCKED_PHASES).order_by("year"):
        if today < rollup_scheduled_date(campaign.year):
            continue
        if RollupRun.objects.filter(year=campaign.year, scheduled=True, status=RunStatus.DONE).exists():
            continue
        run = RollupRun.objects.create(year=campaign.year, scheduled=True)
        review_year_rollup(year=campaign.year, run=run)
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
    review_year_rollup(year=year, run=run)
    return run.pk


# ---------------------------------------------------------------------------------------------
# Grades decided by people: tie at the quota boundary, manual override, amendment after 公示
# ---------------------------------------------------------------------------------------------


def _quota_check(*, result: ReviewResult, grade: str, rules: scoring.Rules) -> None:
    if grade not in rules.quota_grades:
        return
    scope = ReviewResult.objects.filter(year=result.year).exclude(pk=result.pk)
    reviews = AnnualReview.objects.filter(year=result.year)
    if rules.quota_scope == "township":
        scope, reviews = scope.filter(township_id=result.township_id), reviews.filter(township_id=result.township_id)
    cap = scoring.quota_slots(reviews.count(), rules)
    taken = scope.filter(grade__in=rules.quota_grades).count()
    if taken + 1 > cap:
        raise ValidationError(
            {"grade": f"{rules.grade_name(grade)}名额已满（上限{cap}人，已确定{taken}人），不能再评为{rules.grade_name(grade)}。"}
        )


@transaction.atomic
def result_override(*, result: ReviewResult, by: User, grade: str, reason: str) -> ReviewResult:
    """Decide a grade by hand, always with a reason. Township clerks may only decide the ties at
    the quota boundary of their own township; county staff may override any unlocked result.
    The quota is never exceeded."""
    require_scope(by, result)
    result = ReviewResult.objects.select_for_update().get(pk=result.pk)
    may_override = by.has_perm("assessments.override_result")
    if not (may_override or (by.has_perm("assessments.resolve_tie") and result.status == ResultStatus.TIE)):
        raise PermissionDenied("乡镇只能决定名额边界并列人员的等次；其他调整须由县委组织部办理。")
    if result.locked:
        raise ValidationError({"grade": "结果已公示锁定，请通过“结果更正”办理并说明理由。"})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "人工确定等次须填写理由。"})
    rules = rules_for_year(result.year)
    if rules.grade(grade) is None:
        raise ValidationError({"grade": f"“{grade}”不是{result.year}年度的等次。"})
    _quota_check(result=result, grade=grade, rules=rules)
    result.override_grade, result.override_reason = grade, reason[:300]
    result.override_by, result.override_at = by, timezone.now()
    result.grade, result.grade_label, result.status = grade, rules.grade_name(grade), ResultStatus.GRADED
    line = f"人工确定为{rules.grade_name(grade)}：{reason}"
    result.grade_explanation = "\n".join(
        [*[x for x in result.grade_explanation.split("\n") if not x.startswith("人工确定为")], line]
    )
    model_save(
        result,
        by=by,
        update_fields=[
            "override_grade",
            "override_reason",
            "override_by",
            "override_at",
            "grade",
            "grade_label",
            "status",
            "grade_explanation",
        ],
    )
    return result


AMENDABLE = {"grade": "等次", "score": "综合得分", "stars": "星级", "village_category": "村类别"}


@transaction.atomic
def result_amend(*, result: ReviewResult, by: User, reason: str, **changes) -> ReviewResult:
    """Correct a locked (published) result: every changed field is recorded with old → new and why."""
    require_perm(by, "assessments.amend_result", "只有县委组织部可以更正已公示的结果。")
    require_scope(by, result)
    result = ReviewResult.objects.select_for_update().get(pk=result.pk)
    if not result.locked:
        raise ValidationError({"reason": "结果尚未公示锁定，请重新计算或人工确定等次。"})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "更正结果须填写理由。"})
    rules = rules_for_year(result.year)
    fields, amendments = [], []
    for name, value in changes.items():
        if name not in AMENDABLE or value in (None, ""):
            continue
        if name == "grade" and rules.grade(value) is None:
            raise ValidationError({"grade": f"“{value}”不是{result.year}年度的等次。"})
        if name == "village_category" and value not in {c.code for c in rules.categories}:
            raise ValidationError({"village_category": f"“{value}”不是{result.year}年度的村类别。"})
        if name == "stars" and not (0 <= int(value) <= rules.max_stars):
            raise ValidationError({"stars": f"星级应在0—{rules.max_stars}之间。"})
        if name == "score":
            value = scoring.q2(value)
        old = getattr(result, name)
        if old == value:
            continue
        amendments.append(
            ResultAmendment(
                result=result, field=AMENDABLE[name], old_value=str(old), new_value=str(value), reason=reason[:300], by=by
            )
        )
        setattr(result, name, value)
        fields.append(name)
        if name == "grade":
            result.grade_label = rules.grade_name(value)
            fields.append("grade_label")
        if name == "village_category":
            result.village_category_label = rules.category_name(value)
            fields.append("village_category_label")
    if not fields:
        raise ValidationError({"reason": "没有需要更正的内容。"})
    result._change_reason = f"结果更正：{reason}"[:100]
    model_save(result, by=by, update_fields=fields)
    ResultAmendment.objects.bulk_create(amendments)
    return result


# ---------------------------------------------------------------------------------------------
# Consequence proposals (confirmed by county staff; recorded on the person page)
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def proposal_confirm(
    *,
    proposal: ConsequenceProposal,
    by: User,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    note: str = "",
) -> ConsequenceProposal:
    """Confirm a proposal. An admonition needs a start date; its end date defaults to the policy's
    period and may be shortened, never below the minimum. Confirming it schedules the re-ballot."""
    require_perm(by, "assessments.decide_proposal", "只有县委组织部可以确认考核后续处理。")
    require_scope(by, proposal)
    proposal = ConsequenceProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.PROPOSED:
        raise ValidationError({"status": f"该建议当前为“{proposal.get_status_display()}”，不能再确认。"})
    rules = rules_for_year(proposal.year)
    if proposal.kind == ProposalKind.ADMONITION:
        if start_date is None:
            raise ValidationError({"start_date": "请填写诫勉开始日期。"})
        end_date = end_date or scoring.add_months(start_date, rules.admonition_months)
        earliest = scoring.add_months(start_date, rules.admonition_min_months)
        if end_date < earliest:
            raise ValidationError(
                {"end_date": f"诫勉期最短{rules.admonition_min_months}个月，截止日期不能早于{earliest:%Y-%m-%d}。"}
            )
    proposal.status, proposal.start_date, proposal.end_date = ProposalStatus.CONFIRMED, start_date, end_date
    proposal.decision_note, proposal.decided_by, proposal.decided_at = note[:300], by, timezone.now()
    model_save(proposal, by=by, update_fields=["status", "start_date", "end_date", "decision_note", "decided_by", "decided_at"])
    if (
        proposal.kind == ProposalKind.ADMONITION
        and not ConsequenceProposal.objects.filter(review_id=proposal.review_id, kind=ProposalKind.REBALLOT).exists()
    ):
        follow = ConsequenceProposal(
            review_id=proposal.review_id,
            person_id=proposal.person_id,
            year=proposal.year,
            kind=ProposalKind.REBALLOT,
            start_date=end_date,
            reason=f"诫勉期至{end_date:%Y-%m-%d}，期满后组织再测评（满意票须超过{scoring.plain(rules.reballot_pass_percent)}%）",
        )
        model_save(follow, by=by)
    return proposal


@transaction.atomic
def proposal_dismiss(*, proposal: ConsequenceProposal, by: User, note: str) -> ConsequenceProposal:
    require_perm(by, "assessments.decide_proposal", "只有县委组织部可以处理考核后续处理建议。")
    require_scope(by, proposal)
    proposal = ConsequenceProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.PROPOSED:
        raise ValidationError({"status": f"该建议当前为“{proposal.get_status_display()}”，不能再处理。"})
    if not (note or "").strip():
        raise ValidationError({"note": "不予采纳须填写理由。"})
    proposal.status, proposal.decision_note, proposal.decided_by, proposal.decided_at = (
        ProposalStatus.DISMISSED,
        note.strip()[:300],
        by,
        timezone.now(),
    )
    model_save(proposal, by=by, update_fields=["status", "decision_note", "decided_by", "decided_at"])
    return proposal


@transaction.atomic
def reballot_record(
    *, proposal: ConsequenceProposal, by: User, votes_for: int, votes_total: int, on: datetime.date | None = None
) -> ConsequenceProposal:
    """The re-ballot after an admonition: passed, or a removal proposal follows."""
    require_perm(by, "assessments.decide_proposal", "只有县委组织部可以登记再测评结果。")
    require_scope(by, proposal)
    proposal = ConsequenceProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.kind != ProposalKind.REBALLOT or proposal.status != ProposalStatus.PROPOSED:
        raise ValidationError({"status": "只能为待办的再测评登记结果。"})
    if votes_total is None or votes_total <= 0:
        raise ValidationError({"votes_total": "有效票须大于0。"})
    if votes_for is None or votes_for < 0 or votes_for > votes_total:
        raise ValidationError({"votes_for": "满意票须在0与有效票之间。"})
    on = on or core_dates.today()
    if proposal.start_date and on < proposal.start_date:
        raise ValidationError({"votes_for": f"诫勉期至{proposal.start_date:%Y-%m-%d}，期满后方可再测评。"})
    passed, text = scoring.reballot_passed(votes_for=votes_for, votes_total=votes_total, rules=rules_for_year(proposal.year))
    proposal.votes_for, proposal.votes_total, proposal.end_date = votes_for, votes_total, on
    proposal.status = ProposalStatus.PASSED if passed else ProposalStatus.FAILED
    proposal.decision_note, proposal.decided_by, proposal.decided_at = text[:300], by, timezone.now()
    model_save(
        proposal,
        by=by,
        update_fields=["votes_for", "votes_total", "end_date", "status", "decision_note", "decided_by", "decided_at"],
    )
    if not passed and not ConsequenceProposal.objects.filter(review_id=proposal.review_id, kind=ProposalKind.REMOVAL).exists():
        model_save(
            ConsequenceProposal(
                review_id=proposal.review_id,
                person_id=proposal.person_id,
                year=proposal.year,
                kind=ProposalKind.REMOVAL,
                reason=text[:300],
            ),
            by=by,
        )
    return proposal
