"""Consequence proposals of the review (诫勉, 调整, 再测评, 免职): confirmed or dismissed by
county staff, re-ballot results recorded; they appear on the person page."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cadres.models import User
from core import dates as core_dates
from core.services import model_save, require_perm, require_scope

from ..choices import (
    ProposalKind,
    ProposalStatus,
)
from ..models import (
    ConsequenceProposal,
)
from ..policy_section import rules_for_year
from ..rules import add_months, plain, reballot_passed


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
        end_date = end_date or add_months(start_date, rules.admonition_months)
        earliest = add_months(start_date, rules.admonition_min_months)
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
            reason=f"诫勉期至{end_date:%Y-%m-%d}，期满后组织再测评（满意票须超过{plain(rules.reballot_pass_percent)}%）",
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
    passed, text = reballot_passed(votes_for=votes_for, votes_total=votes_total, rules=rules_for_year(proposal.year))
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
