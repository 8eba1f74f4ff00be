"""The dossier's parts (一人一档 beyond the register): 家庭主要成员及重要社会关系, 简历 lines and
任免审批 requests — one by one (the person page, the API) and a person's whole list at once
(imports: the 家庭成员/简历 sheets, .lrmx).

Who may write: whoever may edit the person (``cadres.change_person`` on a person inside their
scope). Every write keeps history with who and when (django-simple-history; deletions too).

The rules at the top are pure (no ORM) and table-tested; the services below call them and raise
``ValidationError`` with Chinese messages keyed by field (bulk: naming the line, 第N条).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core import dates as core_dates
from core.services import model_save, require_perm

from ..models import Appointment, AppointmentRequest, FamilyMember, Person, ResumeEntry, User

EDIT_PERSON = "cadres.change_person"
EARLIEST = datetime.date(1900, 1, 1)

FAMILY_FIELDS = ("relation", "name", "birth_date", "political_status", "work_unit")
RESUME_FIELDS = ("start_date", "end_date", "text")
REQUEST_FIELDS = (
    "appointment",
    "proposed_post",
    "proposed_removal",
    "reason",
    "reporting_unit",
    "reporting_opinion",
    "approval_opinion",
    "filled_on",
    "filled_by",
)


# ---------------------------------------------------------------------------------------------
# The rules (pure: values in, Chinese messages keyed by field out)
# ---------------------------------------------------------------------------------------------


def month_text(day: datetime.date | None) -> str:
    """2008-09-01 → "2008.09" (how the 任免审批表 writes months); ``None`` → ""."""
    return f"{day.year:04d}.{day.month:02d}" if day else ""


def span_text(start: datetime.date, end: datetime.date | None) -> str:
    """ "2008.09—2012.07"; an open line reads "2015.03—"."""
    return f"{month_text(start)}—{month_text(end)}"


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def family_member_errors(values: Mapping[str, Any], *, today: datetime.date) -> dict[str, str]:
    """称谓 and 姓名 are required; a birth date lies between 1900 and today."""
    errors = {}
    if not _text(values.get("relation")):
        errors["relation"] = "请填写称谓（如妻子、儿子、父亲）。"
    if not _text(values.get("name")):
        errors["name"] = "请填写姓名。"
    birth = values.get("birth_date")
    if birth is not None:
        if birth > today:
            errors["birth_date"] = f"出生日期{birth:%Y年%m月%d日}晚于今天。"
        elif birth < EARLIEST:
            errors["birth_date"] = f"出生日期{birth:%Y年%m月%d日}早于1900年，请核对。"
    return errors


def resume_line_errors(values: Mapping[str, Any], *, birth_date: datetime.date | None, today: datetime.date) -> dict[str, str]:
    """One 简历 line: a start, not before the person's birth and not after today; an end (blank =
    至今) not before the start and not after today; the text."""
    errors = {}
    start, end = values.get("start_date"), values.get("end_date")
    if start is None:
        errors["start_date"] = "请填写起始时间。"
    else:
        if birth_date is not None and start < birth_date:
            errors["start_date"] = f"起始时间{month_text(start)}早于本人出生日期{birth_date:%Y年%m月%d日}。"
        elif start > today:
            errors["start_date"] = f"起始时间{month_text(start)}晚于今天。"
    if end is not None:
        if start is not None and end < start:
            errors["end_date"] = f"截止时间{month_text(end)}早于起始时间{month_text(start)}。"
        elif end > today:
            errors["end_date"] = f"截止时间{month_text(end)}晚于今天；仍在继续的经历请将截止时间留空（至今）。"
    if not _text(values.get("text")):
        errors["text"] = "请填写经历（如“在某某大学某某专业学习”）。"
    return errors


def _overlap(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Do two lines share more than a boundary month? An open end runs to today and beyond."""
    a_end, b_end = a.get("end_date"), b.get("end_date")
    return (b_end is None or a["start_date"] < b_end) and (a_end is None or b["start_date"] < a_end)


def resume_overlaps(lines: Sequence[Mapping[str, Any]], *, allowed: Iterable[int] = ()) -> list[tuple[int, int]]:
    """Index pairs (i < j) of lines whose periods overlap. A line may end in the month the next
    begins (2012.07—2015.03 after 2008.09—2012.07). Lines whose index is in ``allowed`` (e.g.
    "其间在职学习") may overlap any other; lines without a start are skipped."""
    allowed = set(allowed)
    pairs = []
    for i, a in enumerate(lines):
        if i in allowed or a.get("start_date") is None:
            continue
        for j in range(i + 1, len(lines)):
            b = lines[j]
            if j in allowed or b.get("start_date") is None:
                continue
            if _overlap(a, b):
                pairs.append((i, j))
    return pairs


def overlap_message(line: Mapping[str, Any], other: Mapping[str, Any]) -> str:
    return (
        f"{span_text(line['start_date'], line.get('end_date'))}与另一条经历"
        f"（{span_text(other['start_date'], other.get('end_date'))} {_text(other.get('text'))}）时间交叉；"
        "如确为其间兼任或在职学习，请勾选允许时间交叉。"
    )


def resume_rows_errors(
    rows: Sequence[Mapping[str, Any]],
    *,
    birth_date: datetime.date | None,
    today: datetime.date,
    allow_overlap: bool = False,
) -> dict[int, dict[str, str]]:
    """Every problem of a whole 简历 (index → field → message), overlaps included: a row whose
    ``overlap_ok`` is true, or every row when ``allow_overlap``, may overlap."""
    found: dict[int, dict[str, str]] = {}
    for i, row in enumerate(rows):
        if errors := resume_line_errors(row, birth_date=birth_date, today=today):
            found[i] = errors
    if not allow_overlap:
        valid = [row if i not in found else {} for i, row in enumerate(rows)]
        allowed = {i for i, row in enumerate(rows) if row.get("overlap_ok")}
        for i, j in resume_overlaps(valid, allowed=allowed):
            found.setdefault(j, {}).setdefault("start_date", overlap_message(rows[j], rows[i]))
    return found


def appointment_request_errors(
    values: Mapping[str, Any], *, birth_date: datetime.date | None, today: datetime.date
) -> dict[str, str]:
    """拟任 or 拟免 is required; 填表时间 not before the person's birth nor after today."""
    errors = {}
    if not _text(values.get("proposed_post")) and not _text(values.get("proposed_removal")):
        errors["proposed_post"] = "请填写拟任职务或拟免职务（至少一项）。"
    filled = values.get("filled_on")
    if filled is not None:
        if birth_date is not None and filled < birth_date:
            errors["filled_on"] = f"填表时间{filled:%Y年%m月%d日}早于本人出生日期。"
        elif filled > today:
            errors["filled_on"] = f"填表时间{filled:%Y年%m月%d日}晚于今天。"
    return errors


def _raise_lines(found: dict[int, dict[str, str]], what: str) -> None:
    """第N条 messages (1-based, in the order given) for a whole list; nothing is written."""
    if found:
        messages = [f"第{i + 1}条{what}：{message}" for i in sorted(found) for message in found[i].values()]
        raise ValidationError(messages)


# ---------------------------------------------------------------------------------------------
# The kernel: who may write, one row's save and delete with history
# ---------------------------------------------------------------------------------------------


def _require_edit(by: User | None, person: Person) -> None:
    """Whoever may edit the person may edit their dossier (system jobs pass ``by=None``)."""
    if by is None:
        return
    require_perm(by, EDIT_PERSON, obj=person)


def _save(obj, *, by: User | None, update_fields: list[str] | None = None, reason: str = "") -> None:
    if reason:
        obj._change_reason = reason
    model_save(obj, by=by, update_fields=update_fields)


def _delete(obj, *, by: User | None, reason: str = "") -> None:
    obj._history_user = by  # the deletion's history row names who
    if reason:
        obj._change_reason = reason
    obj.delete()


def _changed(obj, values: Mapping[str, Any]) -> list[str]:
    return [name for name, value in values.items() if getattr(obj, name) != value]


def _clean_texts(values: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    return {k: (_text(v) if k in names else v) for k, v in values.items()}


def _check_fields(given: Iterable[str], allowed: Sequence[str]) -> None:
    unknown = set(given) - set(allowed)
    if unknown:
        raise ValidationError({k: "该项不能在此修改。" for k in sorted(unknown)})


# ---------------------------------------------------------------------------------------------
# 家庭主要成员及重要社会关系
# ---------------------------------------------------------------------------------------------

_FAMILY_TEXTS = ("relation", "name", "political_status", "work_unit")


def _family_values(row: Mapping[str, Any]) -> dict[str, Any]:
    _check_fields(row, FAMILY_FIELDS)
    values = {name: row.get(name) for name in FAMILY_FIELDS}
    values = _clean_texts(values, _FAMILY_TEXTS)
    return values


@transaction.atomic
def family_member_create(*, person: Person, by: User | None, **fields: Any) -> FamilyMember:
    """Add one line to the family table, at the end."""
    _require_edit(by, person)
    values = _family_values(fields)
    if errors := family_member_errors(values, today=core_dates.today()):
        raise ValidationError(errors)
    last = person.family_members.order_by("-sort").values_list("sort", flat=True).first() or 0
    member = FamilyMember(person=person, sort=last + 1, **values)
    _save(member, by=by)
    return member


@transaction.atomic
def family_member_update(*, member: FamilyMember, by: User | None, **fields: Any) -> FamilyMember:
    _require_edit(by, member.person)
    _check_fields(fields, (*FAMILY_FIELDS, "sort"))
    fields = _clean_texts(fields, _FAMILY_TEXTS)
    current = {name: getattr(member, name) for name in FAMILY_FIELDS}
    if errors := family_member_errors({**current, **fields}, today=core_dates.today()):
        raise ValidationError(errors)
    changed = _changed(member, fields)
    if changed:
        for name in changed:
            setattr(member, name, fields[name])
        _save(member, by=by, update_fields=changed)
    return member


@transaction.atomic
def family_member_delete(*, member: FamilyMember, by: User | None) -> None:
    _require_edit(by, member.person)
    _delete(member, by=by)


# ---------------------------------------------------------------------------------------------
# 简历
# ---------------------------------------------------------------------------------------------


def _resume_values(row: Mapping[str, Any]) -> dict[str, Any]:
    _check_fields(set(row) - {"overlap_ok"}, RESUME_FIELDS)
    values = {name: row.get(name) for name in RESUME_FIELDS}
    values["text"] = _text(values["text"])
    return values


def _check_resume_line(person: Person, values: dict[str, Any], *, exclude: int | None, allow_overlap: bool) -> None:
    errors = resume_line_errors(values, birth_date=person.birth_date, today=core_dates.today())
    if errors:
        raise ValidationError(errors)
    if allow_overlap:
        return
    others = person.resume_entries.exclude(pk=exclude).values("start_date", "end_date", "text")
    for other in others:
        if _overlap(values, other):
            raise ValidationError({"start_date": overlap_message(values, other)})


@transaction.atomic
def resume_entry_create(*, person: Person, by: User | None, allow_overlap: bool = False, **fields: Any) -> ResumeEntry:
    """Add one 简历 line. It may not overlap another line unless ``allow_overlap`` (其间…)."""
    _require_edit(by, person)
    values = _resume_values(fields)
    _check_resume_line(person, values, exclude=None, allow_overlap=allow_overlap)
    entry = ResumeEntry(person=person, **values)
    _save(entry, by=by)
    return entry


@transaction.atomic
def resume_entry_update(*, entry: ResumeEntry, by: User | None, allow_overlap: bool = False, **fields: Any) -> ResumeEntry:
    _require_edit(by, entry.person)
    _check_fields(fields, RESUME_FIELDS)
    if "text" in fields:
        fields["text"] = _text(fields["text"])
    values = {**{name: getattr(entry, name) for name in RESUME_FIELDS}, **fields}
    _check_resume_line(entry.person, values, exclude=entry.pk, allow_overlap=allow_overlap)
    changed = _changed(entry, fields)
    if changed:
        for name in changed:
            setattr(entry, name, fields[name])
        _save(entry, by=by, update_fields=changed)
    return entry


@transaction.atomic
def resume_entry_delete(*, entry: ResumeEntry, by: User | None) -> None:
    _require_edit(by, entry.person)
    _delete(entry, by=by)


# ---------------------------------------------------------------------------------------------
# A person's whole list at once (imports): atomic, idempotent, the least history
# ---------------------------------------------------------------------------------------------


@dataclass
class Replaced:
    """What a ``*_replace`` did. ``previous`` holds the rows as they were (the ``rows`` shape),
    so that passing them back to the same function undoes it."""

    created: int = 0
    updated: int = 0
    deleted: int = 0
    previous: list[dict[str, Any]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


def _replace(
    person: Person,
    current: list,
    wanted: list[dict[str, Any]],
    *,
    model,
    fields: Sequence[str],
    by: User | None,
    reason: str,
    extra: Any = None,
) -> Replaced:
    """Line i of ``wanted`` goes to the i-th existing row: unchanged rows are not written (and
    get no history), changed ones are updated, the rest are created or deleted."""
    outcome = Replaced(previous=[{name: getattr(obj, name) for name in fields} for obj in current])
    for i, values in enumerate(wanted):
        row_values = {**values, **(extra(i) if extra else {})}
        if i < len(current):
            obj = current[i]
            changed = _changed(obj, row_values)
            if changed:
                for name in changed:
                    setattr(obj, name, row_values[name])
                _save(obj, by=by, update_fields=changed, reason=reason)
                outcome.updated += 1
        else:
            _save(model(person=person, **row_values), by=by, reason=reason)
            outcome.created += 1
    for obj in current[len(wanted) :]:
        _delete(obj, by=by, reason=reason)
        outcome.deleted += 1
    return outcome


@transaction.atomic
def family_members_replace(*, person: Person, rows: Sequence[Mapping[str, Any]], by: User | None, reason: str = "") -> Replaced:
    """Make the person's family table exactly ``rows`` (in that order; each a mapping of
    FAMILY_FIELDS, missing = blank). Every row is checked first and nothing is written when one
    is wrong (第N条…). The same rows again change nothing and write no history."""
    _require_edit(by, person)
    wanted = [_family_values(row) for row in rows]
    today = core_dates.today()
    found = {i: errors for i, values in enumerate(wanted) if (errors := family_member_errors(values, today=today))}
    _raise_lines(found, "家庭成员")
    current = list(FamilyMember.objects.select_for_update().filter(person=person).order_by("sort", "id"))
    outcome = _replace(
        person,
        current,
        wanted,
        model=FamilyMember,
        fields=FAMILY_FIELDS,
        by=by,
        reason=reason,
        extra=lambda i: {"sort": i + 1},
    )
    return outcome


@transaction.atomic
def resume_replace(
    *,
    person: Person,
    rows: Sequence[Mapping[str, Any]],
    by: User | None,
    allow_overlap: bool = False,
    reason: str = "",
) -> Replaced:
    """Make the person's 简历 exactly ``rows`` (each: start_date, end_date or None, text; an
    optional ``overlap_ok`` lets that line overlap others; ``allow_overlap`` lets every line).
    Kept in date order. All rows are checked first, nothing is written when one is wrong
    (第N条…); the same rows again change nothing and write no history."""
    _require_edit(by, person)
    found = resume_rows_errors(
        [{**row, "text": _text(row.get("text"))} for row in rows],
        birth_date=person.birth_date,
        today=core_dates.today(),
        allow_overlap=allow_overlap,
    )
    _raise_lines(found, "简历")
    wanted = sorted((_resume_values(row) for row in rows), key=lambda v: (v["start_date"], v["end_date"] is None))
    current = list(ResumeEntry.objects.select_for_update().filter(person=person).order_by("start_date", "id"))
    return _replace(person, current, wanted, model=ResumeEntry, fields=RESUME_FIELDS, by=by, reason=reason)


# ---------------------------------------------------------------------------------------------
# 任免审批
# ---------------------------------------------------------------------------------------------

_REQUEST_TEXTS = (
    "proposed_post",
    "proposed_removal",
    "reason",
    "reporting_unit",
    "reporting_opinion",
    "approval_opinion",
    "filled_by",
)


def _check_request(person: Person, values: Mapping[str, Any]) -> None:
    errors = appointment_request_errors(values, birth_date=person.birth_date, today=core_dates.today())
    appointment = values.get("appointment")
    if appointment is not None and appointment.person_id != person.pk:
        errors["appointment"] = "所选任职不是此人的任职。"
    if errors:
        raise ValidationError(errors)


def appointment_request_initial(appointment: Appointment) -> dict[str, Any]:
    """A new request prefilled from an appointment: 拟任 = its post at its village."""
    village = appointment.village
    post = appointment.post_name
    if post.startswith("村党"):  # 甲一村 + 村党组织书记 reads 甲一村党组织书记
        post = post[1:]
    return {
        "appointment": appointment,
        "proposed_post": f"{village.township.name}{village.name}{post}",
        "filled_on": core_dates.today(),
    }


@transaction.atomic
def appointment_request_create(*, person: Person, by: User | None, **fields: Any) -> AppointmentRequest:
    """A new 任免审批 for the person (the free-text parts of the 干部任免审批表)."""
    _require_edit(by, person)
    _check_fields(fields, REQUEST_FIELDS)
    values = _clean_texts(
        {name: fields.get(name, "" if name in _REQUEST_TEXTS else None) for name in REQUEST_FIELDS}, _REQUEST_TEXTS
    )
    _check_request(person, values)
    request = AppointmentRequest(person=person, created_by=by, **values)
    _save(request, by=by)
    return request


@transaction.atomic
def appointment_request_update(*, request: AppointmentRequest, by: User | None, **fields: Any) -> AppointmentRequest:
    _require_edit(by, request.person)
    _check_fields(fields, REQUEST_FIELDS)
    fields = _clean_texts(fields, _REQUEST_TEXTS)
    current = {name: getattr(request, name) for name in REQUEST_FIELDS}
    _check_request(request.person, {**current, **fields})
    changed = _changed(request, fields)
    if changed:
        for name in changed:
            setattr(request, name, fields[name])
        _save(request, by=by, update_fields=changed)
    return request


@transaction.atomic
def appointment_request_delete(*, request: AppointmentRequest, by: User | None) -> None:
    _require_edit(by, request.person)
    _delete(request, by=by)
