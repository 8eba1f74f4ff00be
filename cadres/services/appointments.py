"""Appointments (任职) and their filing: create, attach a review, 乡镇审核, 县级备案, 退回, 离任."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core import dates as core_dates
from core.policy import post_info
from core.services import model_save, require_perm, require_scope

from .. import choices
from ..choices import FilingStatus, VettingResult
from ..models import (
    Appointment,
    FilingEvent,
    Person,
    QualificationReview,
    User,
    Village,
)
from .vetting import _post_or_error

# ---------------------------------------------------------------------------------------------
# Appointments and filing
# ---------------------------------------------------------------------------------------------


def _check_review_passed(appointment: Appointment) -> None:
    """Filing needs a passed joint review only for posts the year's policy marks 须资格联审
    (a post unknown to the policy is treated as needing one)."""
    info = post_info(appointment.post, appointment.start_date.year)
    if info is not None and not info.get("requires_vetting"):
        return
    review = appointment.qualification_review
    if review is None:
        raise ValidationError({"qualification_review": "该职务实行“凡进必审”，须先关联资格联审结果。"})
    if review.outcome == VettingResult.FAIL:
        raise ValidationError({"qualification_review": "资格联审未通过，不能备案。"})
    if review.outcome != VettingResult.PASS:
        raise ValidationError({"qualification_review": "资格联审尚未办结（仍有部门未出具意见），不能备案。"})


def _log_filing(appointment: Appointment, *, by: User, from_status: str, note: str = "") -> None:
    FilingEvent.objects.create(appointment=appointment, from_status=from_status, to_status=appointment.status, by=by, note=note)


@transaction.atomic
def appointment_create(
    *,
    by: User,
    person: Person,
    village: Village,
    post: str,
    start_date: datetime.date,
    cohort: int | None = None,
    qualification_review: QualificationReview | None = None,
    note: str = "",
) -> Appointment:
    """Record a post. Posts that need filing (书记 by default) start as drafts and become current
    only after township approval and county filing; other posts are current at once."""
    require_perm(by, "cadres.add_appointment")
    require_scope(by, village, "只能为本乡镇的村(社区)录入任职。")
    info = _post_or_error(post, start_date)
    errors = {}
    if start_date > core_dates.today() + datetime.timedelta(days=366):
        errors["start_date"] = "任职时间不能晚于一年以后。"
    if person.age_on(start_date) < 18:
        errors["start_date"] = "任职时未满十八周岁。"
    if qualification_review is not None and (
        qualification_review.person_id != person.pk or qualification_review.village_id != village.pk
    ):
        errors["qualification_review"] = "所选资格联审不是此人在该村的联审记录。"
    if errors:
        raise ValidationError(errors)
    if qualification_review is None and info.get("requires_vetting"):
        qualification_review = (
            QualificationReview.objects.filter(person=person, village=village, post=post).order_by("-requested_at").first()
        )
    appointment = Appointment(
        person=person,
        village=village,
        post=post,
        post_name=info["name"],
        start_date=start_date,
        cohort=cohort,
        qualification_review=qualification_review,
        note=note,
        created_by=by,
        status=FilingStatus.DRAFT if info.get("requires_filing") else FilingStatus.FILED,
    )
    model_save(appointment, by=by)
    _log_filing(appointment, by=by, from_status="", note="录入")
    return appointment


@transaction.atomic
def appointment_attach_review(*, appointment: Appointment, by: User, review: QualificationReview) -> Appointment:
    require_perm(by, "cadres.change_appointment")
    require_scope(by, appointment)
    if review.person_id != appointment.person_id or review.village_id != appointment.village_id:
        raise ValidationError({"qualification_review": "所选资格联审不是此人在该村的联审记录。"})
    appointment.qualification_review = review
    model_save(appointment, by=by, update_fields=["qualification_review"])
    return appointment


@transaction.atomic
def appointment_township_approve(*, appointment: Appointment, by: User, note: str = "") -> Appointment:
    """Filing step 1: the township Party committee approves (乡镇审核)."""
    require_perm(by, "cadres.approve_appointment")
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    require_scope(by, appointment)
    if appointment.status != FilingStatus.DRAFT:
        raise ValidationError({"status": f"当前状态为“{appointment.get_status_display()}”，不能进行乡镇审核。"})
    _check_review_passed(appointment)
    previous = appointment.status
    appointment.status = FilingStatus.TOWNSHIP_APPROVED
    model_save(appointment, by=by, update_fields=["status"])
    _log_filing(appointment, by=by, from_status=previous, note=note)
    return appointment


@transaction.atomic
def appointment_file(*, appointment: Appointment, by: User, note: str = "") -> Appointment:
    """Filing step 2: the county files the appointment (县级备案); only now is it current."""
    require_perm(by, "cadres.file_appointment", "只有县委组织部可以办理县级备案。")
    appointment = Appointment.objects.select_for_update().select_related("person").get(pk=appointment.pk)
    if appointment.status != FilingStatus.TOWNSHIP_APPROVED:
        raise ValidationError({"status": f"当前状态为“{appointment.get_status_display()}”，须先经乡镇审核。"})
    _check_review_passed(appointment)
    if appointment.is_secretary:
        holder = (
            Appointment.objects.open()
            .secretaries()
            .filter(village_id=appointment.village_id)
            .exclude(pk=appointment.pk)
            .select_related("person")
            .first()
        )
        if holder is not None:
            raise ValidationError(
                {
                    "status": f"该村(社区)已有现任党组织书记{holder.person.name}"
                    f"（{holder.start_date:%Y年%m月}起），请先办理其离任再备案。"
                }
            )
    previous = appointment.status
    appointment.status = FilingStatus.FILED
    try:
        with transaction.atomic():
            model_save(appointment, by=by, update_fields=["status"])
    except IntegrityError:
        raise ValidationError({"status": "该村(社区)已有现任党组织书记，请先办理其离任再备案。"}) from None
    _log_filing(appointment, by=by, from_status=previous, note=note)
    return appointment


@transaction.atomic
def appointment_reject(*, appointment: Appointment, by: User, note: str) -> Appointment:
    """Return a draft or township-approved filing (退回). A reason is required."""
    if not note.strip():
        raise ValidationError({"note": "退回须填写理由。"})
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status == FilingStatus.DRAFT:
        require_perm(by, "cadres.approve_appointment")
    elif appointment.status == FilingStatus.TOWNSHIP_APPROVED:
        require_perm(by, "cadres.file_appointment", "只有县委组织部可以退回待县级备案的任职。")
    else:
        raise ValidationError({"status": f"当前状态为“{appointment.get_status_display()}”，不能退回。"})
    require_scope(by, appointment)
    previous = appointment.status
    appointment.status = FilingStatus.REJECTED
    model_save(appointment, by=by, update_fields=["status"])
    _log_filing(appointment, by=by, from_status=previous, note=note)
    return appointment


@transaction.atomic
def appointment_end(
    *, appointment: Appointment, by: User, end_date: datetime.date, end_reason: str, note: str = ""
) -> Appointment:
    """End a current post (离任)."""
    require_perm(by, "cadres.change_appointment")
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    require_scope(by, appointment)
    errors = {}
    if not appointment.is_current:
        errors["end_date"] = "只有在任的职务才能办理离任。"
    elif end_date < appointment.start_date:
        errors["end_date"] = f"离任时间不能早于任职时间（{appointment.start_date:%Y年%m月%d日}）。"
    elif end_date > core_dates.today():
        errors["end_date"] = "离任时间不能晚于今天。"
    if end_reason not in choices.EndReason.values:
        errors["end_reason"] = "请选择离任原因。"
    if errors:
        raise ValidationError(errors)
    appointment.end_date = end_date
    appointment.end_reason = end_reason
    fields = ["end_date", "end_reason"]
    if note:
        appointment.note = (appointment.note + "\n" + note).strip()
        fields.append("note")
    model_save(appointment, by=by, update_fields=fields)
    return appointment
