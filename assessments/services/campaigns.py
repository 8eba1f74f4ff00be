"""Writes of the review campaign: open it, change its dates, move it through its phases (entering
公示 locks every result)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_update_with_history

from cadres.models import User
from core.services import model_save, require_perm

from ..choices import (
    PHASE_ORDER,
    Phase,
    ResultStatus,
)
from ..models import (
    AnnualReview,
    ReviewCampaign,
    ReviewResult,
)

CAMPAIGN_FIELDS = ["title", "report_deadline", "ballot_deadline", "grade_deadline", "publicity_start", "publicity_end", "note"]


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
