"""Appointments (任职) and their filing: create, attach a review, 乡镇审核, 县级备案, 退回, 离任."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from core import dates as core_dates
from core.fastwrite import copy_rows, insert_with_history
from core.policy import post_info, post_table
from core.services import model_save, require_perm, require_scope

from .. import choices, rules
from ..choices import FilingStatus
from ..models import (
    Appointment,
    FilingEvent,
    Person,
    QualificationReview,
    User,
    Village,
)

# ---------------------------------------------------------------------------------------------
# Appointments and filing
# ---------------------------------------------------------------------------------------------


def _check_review_passed(appointment: Appointment) -> None:
    """Filing needs a passed joint review only for posts the year's policy marks 须资格联审
    (a post unknown to the policy is treated as needing one)."""
    review = appointment.qualification_review
    errors = rules.filing_review_errors(
        post_info=post_info(appointment.post, appointment.start_date.year),
        review_outcome=review.outcome if review is not None else None,
    )
    if errors:
        raise ValidationError(errors)


def _log_filing(appointment: Appointment, *, by: User, from_status: str, note: str = "") -> None:
    FilingEvent.objects.create(appointment=appointment, from_status=from_status, to_status=appointment.status, by=by, note=note)


# ---------------------------------------------------------------------------------------------
# The rules of a new post, for one or many (imports) — one code path
# ---------------------------------------------------------------------------------------------


@dataclass
class NewPost:
    """One post to record. ``person_id`` is None for a person whose file is created in the same
    import; ``qualification_review_id`` a review chosen by the user (else the latest one of this
    person × village × post is linked for posts that need vetting)."""

    person_id: int | None
    birth_date: datetime.date
    village_id: int
    township_id: int
    post: str
    start_date: datetime.date
    cohort: int | None = None
    note: str = ""
    qualification_review_id: int | None = None


@dataclass
class CheckedPost:
    """What the rules say of a NewPost: errors and warnings keyed by field, and what to write."""

    errors: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, str] = field(default_factory=dict)
    post_name: str = ""
    status: str = FilingStatus.FILED
    qualification_review_id: int | None = None


def _chunked(items, size: int = 900):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i : i + size]


def current_posts_of(person_ids) -> dict[int, list[rules.CurrentPost]]:
    """The current posts (Appointment.objects.current()) of these people, with their place."""
    found: dict[int, list[rules.CurrentPost]] = defaultdict(list)
    for chunk in _chunked({pk for pk in person_ids if pk is not None}):
        for person_id, township_id, township_name, village_name, post_name, start_date in (
            Appointment.objects.current()
            .filter(person_id__in=chunk)
            .order_by("start_date", "id")
            .values_list(
                "person_id", "village__township_id", "village__township__name", "village__name", "post_name", "start_date"
            )
        ):
            found[person_id].append(rules.CurrentPost(township_id, township_name, village_name, post_name, start_date))
    return found


def _reviews(posts: list[NewPost]) -> tuple[dict[tuple, tuple[int, str]], dict[int, str]]:
    """The latest review of each person × village × post, and the outcome of chosen reviews."""
    latest: dict[tuple, tuple[int, str]] = {}
    for chunk in _chunked({p.person_id for p in posts if p.person_id is not None}):
        for pk, person_id, village_id, post, outcome in (
            QualificationReview.objects.filter(person_id__in=chunk)
            .order_by("requested_at", "id")
            .values_list("pk", "person_id", "village_id", "post", "outcome")
        ):
            latest[(person_id, village_id, post)] = (pk, outcome)
    chosen_ids = {p.qualification_review_id for p in posts if p.qualification_review_id}
    chosen = dict(QualificationReview.objects.filter(pk__in=chosen_ids).values_list("pk", "outcome")) if chosen_ids else {}
    return latest, chosen


def appointment_check_bulk(*, by: User | None, posts: list[NewPost]) -> list[CheckedPost]:
    """Every rule of a new post (the policy of the start year, dates, age at the start by the exact
    birthday, 凡进必审, one current township per person) for many posts with a fixed number of
    queries. :func:`appointment_create` and :func:`appointment_create_bulk` both decide by this,
    and the sheet types show its verdicts in the preview."""
    today = core_dates.today()
    sees_all = by is None or by.sees_all_townships
    policies: dict[int, dict[str, dict]] = {}
    latest, chosen = _reviews(posts)
    current = current_posts_of(p.person_id for p in posts)
    out = []
    for p in posts:
        year = p.start_date.year
        if year not in policies:
            policies[year] = {info["code"]: info for info in post_table(year)}
        info = policies[year].get(p.post)
        checked = CheckedPost()
        if info is None:
            checked.errors["post"] = f"“{p.post}”不是{year}年度政策配置中的职务。"
        else:
            checked.post_name = info["name"]
            checked.status = FilingStatus.DRAFT if info.get("requires_filing") else FilingStatus.FILED
        if p.qualification_review_id:
            review_id, outcome = p.qualification_review_id, chosen.get(p.qualification_review_id)
        elif info is None or info.get("requires_vetting"):
            review_id, outcome = latest.get((p.person_id, p.village_id, p.post), (None, None))
        else:
            review_id, outcome = None, None
        checked.qualification_review_id = review_id
        posts_now = current.get(p.person_id, [])
        checked.errors.update(
            rules.appointment_errors(
                birth_date=p.birth_date,
                start_date=p.start_date,
                today=today,
                post_info=info,
                review_outcome=outcome,
                township_id=p.township_id,
                current_posts=posts_now,
                sees_all=sees_all,
            )
        )
        if info is not None and checked.status == FilingStatus.DRAFT:
            # Not current until filed: the filing refuses it while the person is current elsewhere.
            conflict = rules.township_conflict_errors(township_id=p.township_id, current_posts=posts_now, sees_all=sees_all)
            if conflict:
                checked.warnings["person"] = conflict["person"].rstrip("。") + "；县级备案前须解决。"
        out.append(checked)
    return out


def validate_appointment(
    *,
    by: User | None,
    person: Person,
    village: Village,
    post: str,
    start_date: datetime.date,
    qualification_review: QualificationReview | None = None,
) -> dict[str, str]:
    """The rules of one new post: Chinese messages keyed by field, empty when all is well."""
    return _check_one(by=by, person=person, village=village, post=post, start_date=start_date, review=qualification_review).errors


def _check_one(*, by, person, village, post, start_date, review) -> CheckedPost:
    """appointment_check_bulk for one post, plus the check that a chosen review is this post's."""
    new = NewPost(
        person_id=person.pk,
        birth_date=person.birth_date,
        village_id=village.pk,
        township_id=village.township_id,
        post=post,
        start_date=start_date,
        qualification_review_id=review.pk if review is not None else None,
    )
    checked = appointment_check_bulk(by=by, posts=[new])[0]
    if review is not None and (review.person_id != person.pk or review.village_id != village.pk):
        checked.errors["qualification_review"] = "所选资格联审不是此人在该村的联审记录。"
    return checked


# ---------------------------------------------------------------------------------------------
# Appointments and filing
# ---------------------------------------------------------------------------------------------


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
    checked = _check_one(by=by, person=person, village=village, post=post, start_date=start_date, review=qualification_review)
    if checked.errors:
        raise ValidationError(checked.errors)
    appointment = Appointment(
        person=person,
        village=village,
        post=post,
        post_name=checked.post_name,
        start_date=start_date,
        cohort=cohort,
        qualification_review_id=checked.qualification_review_id,
        note=note,
        created_by=by,
        status=checked.status,
    )
    model_save(appointment, by=by)
    _log_filing(appointment, by=by, from_status="", note="录入")
    return appointment


def appointment_create_bulk(
    *, posts: list[NewPost], by: User, reason: str, checked: list[CheckedPost] | None = None
) -> list[int]:
    """Record many posts at once (imports): the rules of :func:`appointment_create` for every
    post or nothing is written; COPY with one history row each, and the 备案流程 entry of each
    draft. Returns the ids in order.

    ``checked``: this module's verdicts (:func:`appointment_check_bulk`) on these same posts, in
    the same order, made against the database as it is now — an import's plan, which the import
    frame makes again inside the apply transaction whenever anything the rules read has changed
    since its preview (core.imports.plans.planned). Without it the posts are checked here. A
    verdict with errors refuses the whole list either way."""
    require_perm(by, "cadres.add_appointment")
    if by is not None and by.is_clerk and any(p.township_id != by.township_id for p in posts):
        raise PermissionDenied("只能为本乡镇的村(社区)录入任职。")
    if checked is None:
        checked = appointment_check_bulk(by=by, posts=posts)
    elif len(checked) != len(posts):
        raise ValueError("one verdict per post")
    found = {i: c.errors for i, c in enumerate(checked) if c.errors}
    if found:
        first = min(found)
        raise ValidationError(
            f"共有{len(found)}条任职未通过校验（如第{first + 1}条：{'；'.join(found[first].values())}），未写入任何数据。"
        )
    by_id = by.pk if by is not None else None
    records = (  # built as the COPY reads them
        {
            "person_id": p.person_id,
            "village_id": p.village_id,
            "post": p.post,
            "post_name": c.post_name,
            "start_date": p.start_date,
            "cohort": p.cohort,
            "qualification_review_id": c.qualification_review_id,
            "created_by_id": by_id,
            "status": c.status,
            "note": p.note,
        }
        for p, c in zip(posts, checked, strict=True)
    )
    ids = insert_with_history(Appointment, records, count=len(posts), user=by, reason=reason)
    now = timezone.now()
    copy_rows(
        FilingEvent._meta.db_table,
        ["appointment_id", "from_status", "to_status", "by_id", "at", "note"],
        # The workflow log matters for posts that need filing; the others' creation is in their history.
        [(pk, "", c.status, by_id, now, reason) for pk, c in zip(ids, checked, strict=True) if c.status == FilingStatus.DRAFT],
    )
    return ids


def appointment_start_errors(*, birth_date: datetime.date, start_date: datetime.date) -> dict[str, str]:
    """The date rules of a post's start (also when an import corrects it)."""
    return rules.start_date_errors(birth_date=birth_date, start_date=start_date, today=core_dates.today())


def appointment_start_date_bulk(*, changes: dict[int, datetime.date], by: User, reason: str) -> dict[str, dict]:
    """Correct the start date of many open posts (imports): appointment id → new start date, with
    the date rules of a new post. Returns the old values (id as text → {"start_date": ISO}) for an
    undo; nothing is written when any change is refused."""
    require_perm(by, "cadres.change_appointment")
    if not changes:
        return {}
    appointments = Appointment.objects.select_related("person", "village").in_bulk(list(changes))
    if (
        by is not None
        and not by.sees_all_townships
        and any(a.village.township_id != by.township_id for a in appointments.values())
    ):
        raise PermissionDenied("只能修改本乡镇的任职。")
    found = {}
    for i, (pk, appointment) in enumerate(appointments.items()):
        errors = appointment_start_errors(birth_date=appointment.person.birth_date, start_date=changes[pk])
        if appointment.end_date is not None and appointment.end_date < changes[pk]:
            errors["start_date"] = "任职时间不能晚于离任时间。"
        if errors:
            found[i] = errors
    if found:
        first = min(found)
        raise ValidationError(
            f"共有{len(found)}条任职时间未通过校验（如第{first + 1}条：{'；'.join(found[first].values())}），未写入任何数据。"
        )
    old = {}
    for pk, appointment in appointments.items():
        old[str(pk)] = {"start_date": appointment.start_date.isoformat()}
        appointment.start_date = changes[pk]
    bulk_update_with_history(
        list(appointments.values()), Appointment, ["start_date"], batch_size=1000, default_user=by, default_change_reason=reason
    )
    return old


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
    conflict = rules.township_conflict_errors(
        township_id=Village.objects.values_list("township_id", flat=True).get(pk=appointment.village_id),
        current_posts=current_posts_of([appointment.person_id]).get(appointment.person_id, []),
        sees_all=by.sees_all_townships,
    )
    if conflict:
        raise ValidationError(conflict)
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
