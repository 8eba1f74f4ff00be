"""Qualification joint review (资格联审): requests and department verdicts; the outcome follows the verdicts."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core import dates as core_dates
from core.policy import policy_for_year, post_info
from core.services import model_save, require_perm, require_scope

from ..choices import VettingResult
from ..models import (
    DepartmentVerdict,
    Person,
    QualificationReview,
    User,
    Village,
)


def _post_or_error(post: str, on: datetime.date) -> dict:
    info = post_info(post, on.year)
    if info is None:
        raise ValidationError({"post": f"“{post}”不是{on.year}年度政策配置中的职务。"})
    return info


# ---------------------------------------------------------------------------------------------
# Qualification joint review (资格联审)
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def qualification_review_request(
    *, by: User, person: Person, village: Village, post: str, cohort: int | None = None, note: str = ""
) -> QualificationReview:
    """Township submits a candidate (乡镇初审 done); one verdict row per department of the year's
    policy is opened for the county joint review."""
    require_perm(by, "cadres.add_qualificationreview")
    require_scope(by, village, "只能为本乡镇的村(社区)提请资格联审。")
    today = core_dates.today()
    info = _post_or_error(post, today)
    if QualificationReview.objects.filter(person=person, village=village, post=post, outcome=VettingResult.PENDING).exists():
        raise ValidationError({"person": "此人已有一份尚未办结的同职务资格联审。"})
    review = QualificationReview(
        person=person, village=village, post=post, post_name=info["name"], cohort=cohort, requested_by=by, note=note
    )
    model_save(review, by=by)
    departments = policy_for_year(today.year).section("register")["vetting_departments"]
    if not departments:
        raise ValidationError({"post": "当年政策配置中没有联审部门，请先配置。"})
    # One INSERT for the verdicts and one for their history rows (who opened them, and when).
    bulk_create_with_history(
        [
            DepartmentVerdict(review=review, department_code=d["code"], department_name=d["name"], sort=i)
            for i, d in enumerate(departments)
        ],
        DepartmentVerdict,
        default_user=by,
    )
    return review


def _recompute_outcome(review: QualificationReview, *, by: User) -> None:
    results = list(review.verdicts.values_list("result", flat=True))
    if any(r == VettingResult.FAIL for r in results):
        outcome = VettingResult.FAIL
    elif results and all(r == VettingResult.PASS for r in results):
        outcome = VettingResult.PASS
    else:
        outcome = VettingResult.PENDING
    if outcome != review.outcome:
        review.outcome = outcome
        review.concluded_at = timezone.now() if outcome != VettingResult.PENDING else None
        model_save(review, by=by, update_fields=["outcome", "concluded_at"])


@transaction.atomic
def department_verdict_record(
    *,
    verdict: DepartmentVerdict,
    by: User,
    result: str,
    negative_item_code: str = "",
    warning_text: str = "",
    note: str = "",
) -> DepartmentVerdict:
    """County enters one department's result. A fail must cite a blocking negative-list item."""
    require_perm(by, "cadres.record_vetting", "只有县委组织部可以录入部门联审意见。")
    verdict = DepartmentVerdict.objects.select_related("review").select_for_update().get(pk=verdict.pk)
    items = {i["code"]: i for i in policy_for_year(verdict.review.requested_at.year).section("register")["negative_list"]}
    errors = {}
    if result not in VettingResult.values:
        errors["result"] = "请选择审查结果。"
    if result == VettingResult.FAIL:
        item = items.get(negative_item_code)
        if item is None:
            errors["negative_item_code"] = "审查不通过须选择负面清单情形。"
        elif item.get("severity") != "block":
            errors["negative_item_code"] = "所选情形为“关注提示”，不构成否决，请改选否决情形或录入为通过并填写关注提示。"
    elif negative_item_code:
        errors["negative_item_code"] = "审查通过时不应选择否决情形；如需提示请填写关注提示。"
    if errors:
        raise ValidationError(errors)
    verdict.result = result
    verdict.negative_item_code = negative_item_code if result == VettingResult.FAIL else ""
    verdict.negative_item_text = items[negative_item_code]["text"] if result == VettingResult.FAIL else ""
    verdict.warning_text = warning_text
    verdict.note = note
    verdict.reviewed_by = by
    verdict.reviewed_at = timezone.now()
    model_save(
        verdict,
        by=by,
        update_fields=[
            "result",
            "negative_item_code",
            "negative_item_text",
            "warning_text",
            "note",
            "reviewed_by",
            "reviewed_at",
        ],
    )
    _recompute_outcome(verdict.review, by=by)
    return verdict
