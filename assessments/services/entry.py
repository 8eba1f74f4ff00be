"""Writes of the township's entry: reviews generated from the filed secretaries (a snapshot of the
post held), reports and scores, policy items, report files and the paper-ballot counts."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from cadres import choices as cadres_choices
from cadres.models import Appointment, Township, User
from core.scope import scoped
from core.services import model_save, require_perm, require_scope

from ..choices import (
    ItemKind,
    RaterGroup,
)
from ..models import (
    AnnualReview,
    BallotTally,
    ReviewCampaign,
    ReviewFile,
    ReviewItem,
)
from ..policy_section import rules_for_year, section_for_year
from ..rules import dec, plain, scale_name, score_out_of_scale, service_years
from .rollup import review_recompute

SCORE_FIELDS = ("township_score", "daily_score", "village_score")
LABELS = {"township_score": "乡镇考核评分", "daily_score": "日常工作考核分", "village_score": "村级综合考核分"}
REVIEW_FIELDS = ["duty_report", "integrity_report", "township_score", "daily_score", "village_score", "note"]


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


# ---------------------------------------------------------------------------------------------
# Reviews: generation (snapshot of the post) and entry
# ---------------------------------------------------------------------------------------------


def _service_years(appointments: list[Appointment], year_end: datetime.date) -> int:
    """Whole years as secretary up to the end of the review year (end dates are the last day
    in post; overlapping records counted once)."""
    return service_years([(a.start_date, a.end_date) for a in appointments], on=year_end)


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
    rules = rules_for_year(review.year)
    bad = {
        name: f"{LABELS[name]} {values[name]} 超出{review.year}年度{scale_name(rules.scale)}范围（0—{plain(rules.scale)}分）。"
        for name in SCORE_FIELDS
        if name in values and score_out_of_scale(values[name], rules.scale)
    }
    if bad:
        raise ValidationError(bad)
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
        catalogue = {i["code"]: (i["name"], dec(i["points"]), "") for i in section.get("adjust_items", [])}
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
    """Enter (or correct) the paper-ballot counts of one rater group, then recompute the review's
    result (its township's quota and ranking included) so the page shows it at once."""
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
    # The review shows its score and grade at once, not only after the next annual rollup.
    review_recompute(review=review, by=by)
    return tally
