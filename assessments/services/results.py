"""Grades decided by people: the tie at the quota boundary, a manual override, and the amendment
of a published (locked) result, each with its reason; the quota is never exceeded."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from cadres.models import User
from core.access import can
from core.services import model_save, require_perm, require_scope

from ..choices import (
    ResultStatus,
)
from ..models import (
    AnnualReview,
    ResultAmendment,
    ReviewResult,
)
from ..policy_section import rules_for_year
from ..rules import Rules, plain, q2, quota_slots, scale_name, score_out_of_scale


def _quota_check(*, result: ReviewResult, grade: str, rules: Rules) -> None:
    if grade not in rules.quota_grades:
        return
    scope = ReviewResult.objects.filter(year=result.year).exclude(pk=result.pk)
    reviews = AnnualReview.objects.filter(year=result.year)
    if rules.quota_scope == "township":
        scope, reviews = scope.filter(township_id=result.township_id), reviews.filter(township_id=result.township_id)
    cap = quota_slots(reviews.count(), rules)
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
    may_override = can(by, "assessments.override_result")
    if not (may_override or (can(by, "assessments.resolve_tie") and result.status == ResultStatus.TIE)):
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
            if score_out_of_scale(value, rules.scale):
                raise ValidationError(
                    {"score": f"综合得分 {value} 超出{scale_name(rules.scale)}范围（0—{plain(rules.scale)}分）。"}
                )
            value = q2(value)
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
