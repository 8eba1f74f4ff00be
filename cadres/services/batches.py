"""Batch work (批量办理): 批量备案, 批量离任 and a grid of 联审 verdicts, all-or-nothing.

Each batch runs the single-row service of :mod:`.appointments` / :mod:`.vetting` for every row
inside one transaction, so the rules (状态, 凡进必审, 一村一书记, 离任日期 …) are held once. A row
that fails is collected with its reason; when any row fails, the whole batch is rolled back and
:class:`BatchRefused` names every failing row. Every change is recorded by the single services
(django-simple-history with who and when, the 备案流程 log)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core.access import OUT_OF_SCOPE
from core.scope import scoped
from core.services import require_perm, require_scope

from ..choices import VettingResult
from ..models import Appointment, DepartmentVerdict, QualificationReview, User
from .appointments import appointment_end, appointment_file
from .vetting import department_verdict_record

# A batch larger than this is refused before anything is read: one submit is one sitting's work.
BATCH_MAX = 500


@dataclass(frozen=True)
class BatchFailure:
    """One refused row: its place in the batch (from 1), what it is, and why."""

    row: int
    pk: int
    label: str
    reason: str


class BatchRefused(ValidationError):
    """A batch in which at least one row broke a rule; nothing of the batch was written."""

    def __init__(self, failures: list[BatchFailure], *, what: str):
        self.failures = failures
        first = failures[0]
        super().__init__(
            f"共有{len(failures)}条{what}未通过校验（如第{first.row}条{first.label}：{first.reason}），本批次未办理任何一条。"
        )


def appointment_label(appointment: Appointment) -> str:
    """张三（甲一村 村党组织书记）: how a row of a batch is named in messages."""
    return f"{appointment.person.name}（{appointment.village.name} {appointment.post_name}）"


def verdict_label(verdict: DepartmentVerdict) -> str:
    review = verdict.review
    return f"{review.person.name}（{review.village.name} {review.post_name}）{verdict.department_name}"


def _run_each(items: list, step: Callable, label: Callable, *, what: str) -> list:
    """``step(item)`` for every item, each in its own savepoint so that every failing row is
    found; the caller's transaction is rolled back by the raised :class:`BatchRefused`."""
    failures: list[BatchFailure] = []
    done = []
    for row, item in enumerate(items, start=1):
        try:
            with transaction.atomic():
                done.append(step(item))
        except ValidationError as exc:
            failures.append(BatchFailure(row=row, pk=item.pk, label=label(item), reason="；".join(exc.messages)))
    if failures:
        raise BatchRefused(failures, what=what)
    return done


def _load_appointments(*, by: User, ids: Iterable[int]) -> list[Appointment]:
    """The chosen appointments in the given order; an id outside the user's scope (or missing)
    refuses the whole batch before anything is done."""
    ids = list(dict.fromkeys(int(pk) for pk in ids))
    if not ids:
        raise ValidationError("请至少选择一条任职。")
    if len(ids) > BATCH_MAX:
        raise ValidationError(f"一次最多办理{BATCH_MAX}条，已选{len(ids)}条，请分批办理。")
    found = scoped(by, Appointment).select_related("person", "village__township").in_bulk(ids)
    if len(found) != len(ids):
        raise PermissionDenied(OUT_OF_SCOPE)
    return [found[pk] for pk in ids]


@transaction.atomic
def appointment_file_bulk(*, ids: Iterable[int], by: User, note: str = "") -> list[Appointment]:
    """县级备案 of many township-approved appointments with one 意见: every row through
    :func:`appointment_file` (status, 凡进必审, one current township, 一村一书记), all or none."""
    require_perm(by, "cadres.file_appointment", "只有县委组织部可以办理县级备案。")
    appointments = _load_appointments(by=by, ids=ids)
    return _run_each(
        appointments,
        lambda a: appointment_file(appointment=a, by=by, note=note),
        appointment_label,
        what="任职",
    )


@transaction.atomic
def appointment_end_bulk(
    *, ids: Iterable[int], by: User, end_date: datetime.date, end_reason: str, note: str = ""
) -> list[Appointment]:
    """离任 of many current appointments with one reason and one date, through
    :func:`appointment_end` row by row, all or none."""
    require_perm(by, "cadres.change_appointment")
    appointments = _load_appointments(by=by, ids=ids)
    for appointment in appointments:
        require_scope(by, appointment)
    return _run_each(
        appointments,
        lambda a: appointment_end(appointment=a, by=by, end_date=end_date, end_reason=end_reason, note=note),
        appointment_label,
        what="任职",
    )


@dataclass(frozen=True)
class VerdictEntry:
    """One department's answer as entered in the grid."""

    verdict_id: int
    result: str
    negative_item_code: str = ""
    warning_text: str = ""
    note: str = ""


@dataclass
class VerdictBatchResult:
    recorded: list[DepartmentVerdict]
    concluded: list[QualificationReview]


@transaction.atomic
def department_verdict_record_bulk(*, entries: list[VerdictEntry], by: User) -> VerdictBatchResult:
    """Many departments' verdicts at once (the 联审 grid), each through
    :func:`department_verdict_record`, which concludes a review when all its departments have
    answered. All or none; returns what was recorded and the reviews that were concluded."""
    require_perm(by, "cadres.record_vetting", "只有县委组织部可以录入部门联审意见。")
    if not entries:
        raise ValidationError("没有需要保存的审查意见：请至少为一个部门选择“通过”或“不通过”。")
    if len({e.verdict_id for e in entries}) != len(entries):
        raise ValidationError("同一部门的审查意见在本次提交中出现了两次。")
    found = (
        scoped(by, DepartmentVerdict).select_related("review__person", "review__village").in_bulk([e.verdict_id for e in entries])
    )
    if len(found) != len(entries):
        raise PermissionDenied(OUT_OF_SCOPE)
    by_verdict = {e.verdict_id: e for e in entries}
    verdicts = [found[e.verdict_id] for e in entries]
    before = {v.review_id: v.review.outcome for v in verdicts}

    def record(verdict):
        entry = by_verdict[verdict.pk]
        return department_verdict_record(
            verdict=verdict,
            by=by,
            result=entry.result,
            negative_item_code=entry.negative_item_code,
            warning_text=entry.warning_text,
            note=entry.note,
        )

    recorded = _run_each(verdicts, record, verdict_label, what="审查意见")
    concluded = [
        review
        for review in QualificationReview.objects.filter(pk__in=before).select_related("person", "village").order_by("pk")
        if review.outcome != VettingResult.PENDING and before[review.pk] == VettingResult.PENDING
    ]
    return VerdictBatchResult(recorded=recorded, concluded=concluded)
