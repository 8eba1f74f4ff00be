"""People (一人一档): create, update (one by one and in bulk for imports), records (奖惩及发展去向)."""

from __future__ import annotations

import datetime
import unicodedata
import uuid
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from simple_history.utils import bulk_update_with_history

from core import dates as core_dates
from core.fastwrite import insert_with_history
from core.scope import scoped
from core.services import OUT_OF_SCOPE, model_save, require_perm, require_scope

from .. import choices, photos, rules
from ..idcard import birth_and_sex, parse_id_number
from ..models import (
    Person,
    PersonRecord,
    Township,
    User,
)

PERSON_FIELDS = (
    "name",
    "ethnicity",
    "native_place",
    "political_status",
    "party_join_date",
    "work_start_date",
    "education_fulltime",
    "education_inservice",
    "school_major",
    "degree_fulltime",
    "school_major_inservice",
    "degree_inservice",
    "birthplace",
    "health",
    "professional_title",
    "specialty",
    "phone",
    "is_veteran",
    "is_returned_graduate",
    "note",
)


# ---------------------------------------------------------------------------------------------
# The rules (shared by every door: form, API, admin, imports)
# ---------------------------------------------------------------------------------------------


def validate_person(
    values: dict[str, Any], *, birth_date: datetime.date | None, today: datetime.date | None = None
) -> dict[str, str]:
    """The person rules (Party fields, 民族) on the values after the change: Chinese messages
    keyed by field, empty when all is well. Every door calls this (the services, the admin form
    and import, the sheet types through the bulk services); a bulk caller passes ``today`` once
    for all its rows."""
    return rules.person_errors(values, birth_date=birth_date, today=today or core_dates.today())


def validate_party_fields(values: dict[str, Any], birth_date: datetime.date) -> None:
    """:func:`validate_person`, raised as a ValidationError."""
    errors = validate_person(values, birth_date=birth_date)
    if errors:
        raise ValidationError(errors)


def person_new_values(values: dict[str, Any]) -> dict[str, Any]:
    """A new file's editable values: what was given, the defaults for the rest (one place)."""
    return rules.person_defaults(values, PERSON_FIELDS)


def person_registered_township_id(*, by: User | None, township_id: int | None) -> int | None:
    """建档乡镇: a clerk's files are registered to the clerk's township, whatever was asked."""
    if by is not None and by.is_clerk:
        return by.township_id
    return township_id


# ---------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def person_create(
    *,
    by: User,
    id_number: str,
    sex: str | None = None,
    birth_date: datetime.date | None = None,
    registered_township: Township | None = None,
    **fields: Any,
) -> Person:
    """Create a person file. Sex and birth date come from the ID number; when the caller also
    gives them, they must agree."""
    require_perm(by, "cadres.add_person")
    try:
        facts = parse_id_number(id_number)
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages}) from None
    errors = {}
    if sex and sex != facts.sex:
        errors["sex"] = f"性别与身份证号不一致：身份证号显示为{choices.Sex(facts.sex).label}。"
    if birth_date and birth_date != facts.birth_date:
        errors["birth_date"] = f"出生日期与身份证号不一致：身份证号显示为{facts.birth_date:%Y年%m月%d日}。"
    if Person.objects.filter(id_number=facts.number).exists():
        errors["id_number"] = DUPLICATE_ID
    if errors:
        raise ValidationError(errors)
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    values = person_new_values(fields)
    validate_party_fields(values, facts.birth_date)
    person = Person(
        id_number=facts.number,
        sex=facts.sex,
        birth_date=facts.birth_date,
        registered_township_id=person_registered_township_id(
            by=by, township_id=registered_township.pk if registered_township else None
        ),
        **values,
    )
    model_save(person, by=by)
    return person


DUPLICATE_ID = "该身份证号已建档，请在人员列表中查找后修改，不要重复建档。"


@transaction.atomic
def person_update(*, person: Person, by: User, **fields: Any) -> Person:
    """Change the editable fields; ID number, sex and birth date follow the ID and are fixed."""
    require_perm(by, "cadres.change_person")
    require_scope(by, person)
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise ValidationError({k: "该项不能在此修改。" for k in unknown})
    current = {name: getattr(person, name) for name in PERSON_FIELDS}
    current.update(fields)
    validate_party_fields(current, person.birth_date)
    changed = [name for name, value in fields.items() if getattr(person, name) != value]
    if not changed:
        return person
    for name in changed:
        setattr(person, name, fields[name])
    model_save(person, by=by, update_fields=[*changed, "updated_at"])
    return person


# ---------------------------------------------------------------------------------------------
# 一寸照 (the person's ID photo, on private storage)
# ---------------------------------------------------------------------------------------------


def _photo_discard_later(name: str) -> None:
    """Delete a replaced or removed photo file once the change is committed (a rollback keeps it)."""
    if name:
        storage = Person._meta.get_field("photo").storage
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def person_photo_set(*, person: Person, by: User, upload: IO[bytes], filename: str = "") -> Person:
    """Upload or replace the 一寸照: checked by content (JPG/PNG, ≤ 2 MB, pixel bounds) and
    re-encoded (cadres.photos) before anything is stored; history keeps who and when."""
    require_perm(by, "cadres.change_person", obj=person)
    data = upload.read(photos.MAX_BYTES + 1)
    if len(data) > photos.MAX_BYTES:  # the true size, for the message, without reading it all
        data += upload.read()
    try:
        clean = photos.photo_normalize(data, filename or getattr(upload, "name", ""))
    except ValidationError as exc:
        raise ValidationError({"photo": exc.messages}) from None
    old = person.photo.name
    person.photo.save(f"{uuid.uuid4().hex}.jpg", ContentFile(clean), save=False)
    name = person.photo.name
    try:
        model_save(person, by=by, update_fields=["photo", "updated_at"])
    except Exception:
        person.photo.storage.delete(name)
        raise
    _photo_discard_later(old)
    return person


@transaction.atomic
def person_photo_remove(*, person: Person, by: User) -> Person:
    """Remove the 一寸照 (the change is kept in the history with who and when)."""
    require_perm(by, "cadres.change_person", obj=person)
    old = person.photo.name
    if not old:
        return person
    person.photo = ""
    model_save(person, by=by, update_fields=["photo", "updated_at"])
    _photo_discard_later(old)
    return person


# ---------------------------------------------------------------------------------------------
# People in bulk (the spreadsheet imports): the same rules, written with COPY
# ---------------------------------------------------------------------------------------------


def person_check_new(row: dict[str, Any], *, today: datetime.date | None = None, values: dict | None = None) -> dict[str, str]:
    """The problems of one new file for :func:`person_create_bulk` (``row`` as documented there;
    ``values``: its :func:`person_new_values` when the caller has them already)."""
    birth_date, _sex = birth_and_sex(row["id_number"])
    return validate_person(values if values is not None else person_new_values(row), birth_date=birth_date, today=today)


def person_check_update(current: dict[str, Any], updates: dict[str, Any], *, birth_date: datetime.date) -> dict[str, str]:
    """The problems of changing a file whose editable values are ``current`` by ``updates``."""
    return validate_person({**current, **updates}, birth_date=birth_date)


def out_of_scope(by: User | None, model, ids: list[int]) -> set[int]:
    """Which of ``ids`` lie outside ``by``'s data scope (a chunked query per 900 ids; none for
    county staff and system jobs)."""
    if by is None or by.sees_all_townships or not ids:
        return set()
    inside: set[int] = set()
    for i in range(0, len(ids), 900):
        chunk = ids[i : i + 900]
        inside.update(scoped(by, model).filter(pk__in=chunk).values_list("pk", flat=True))
    return set(ids) - inside


def _raise_row_errors(found: dict[int, dict[str, str]], what: str) -> None:
    if found:
        first = min(found)
        detail = "；".join(found[first].values())
        raise ValidationError(f"共有{len(found)}条{what}未通过校验（如第{first + 1}条：{detail}），未写入任何数据。")


def person_create_bulk(*, rows: list[dict[str, Any]], by: User, reason: str) -> list[int]:
    """Create many files at once (imports). Each row: ``id_number`` (normalised and checked by
    ``parse_id_number``), ``name``, ``registered_township_id`` and any of PERSON_FIELDS (blank =
    the default). Sex and birth date follow the ID number; every row passes the same rules as
    :func:`person_create` or nothing is written. COPY with one history row each; returns the ids
    in the order of ``rows``."""
    require_perm(by, "cadres.add_person")
    today = core_dates.today()

    def records():
        """Each row checked, then its record, as the COPY reads them (PostgreSQL inserts the rows
        before while Python checks the next). After the first bad row nothing more is yielded,
        but every row is still checked, and the count of bad rows is raised at the end: the COPY
        is abandoned and nothing is written."""
        found = {}
        for i, row in enumerate(rows):
            row_values = person_new_values(row)
            if errors := person_check_new(row, today=today, values=row_values):
                found[i] = errors
            if found:
                continue
            birth_date, sex = birth_and_sex(row["id_number"])
            yield {
                "id_number": row["id_number"],
                "name": row["name"],
                "sex": sex,
                "birth_date": birth_date,
                "registered_township_id": person_registered_township_id(by=by, township_id=row.get("registered_township_id")),
                **row_values,
            }
        _raise_row_errors(found, "人员")

    return insert_with_history(Person, records(), count=len(rows), user=by, reason=reason)


def person_update_bulk(*, updates: dict[int, dict[str, Any]], by: User, reason: str) -> dict[str, dict[str, Any]]:
    """Change many files at once (imports): person id → {field: new value} of PERSON_FIELDS.
    Every change passes the rules of :func:`person_update` or nothing is written. Returns the old
    values (person id as text → {field: value}, dates as ISO text) for an undo."""
    require_perm(by, "cadres.change_person")
    if not updates:
        return {}
    people = Person.objects.in_bulk(list(updates))
    if out_of_scope(by, Person, list(people)):
        raise PermissionDenied(OUT_OF_SCOPE)
    found = {}
    for pk, person in people.items():
        unknown = set(updates[pk]) - set(PERSON_FIELDS)
        if unknown:
            raise TypeError(f"unknown person fields: {sorted(unknown)}")
        current = {name: getattr(person, name) for name in PERSON_FIELDS}
        errors = person_check_update(current, updates[pk], birth_date=person.birth_date)
        if errors:
            found[pk] = errors
    _raise_row_errors({i: found[pk] for i, pk in enumerate(people) if pk in found}, "人员")
    old, fields, changed = {}, set(), []
    for pk, person in people.items():
        new = updates[pk]
        old[str(pk)] = {f: _json(getattr(person, f)) for f in new}
        for f, value in new.items():
            setattr(person, f, value)
        fields.update(new)
        changed.append(person)
    bulk_update_with_history(
        changed, Person, [*sorted(fields), "updated_at"], batch_size=1000, default_user=by, default_change_reason=reason
    )
    return old


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


@transaction.atomic
def person_record_add(
    *,
    person: Person,
    by: User,
    kind: str,
    date: datetime.date,
    title: str,
    level: str = "",
    issuer: str = "",
    document_no: str = "",
    end_date: datetime.date | None = None,
    note: str = "",
) -> PersonRecord:
    require_perm(by, "cadres.add_personrecord")
    require_scope(by, person)
    if date > core_dates.today():
        raise ValidationError({"date": "日期不能晚于今天。"})
    if end_date and end_date < date:
        raise ValidationError({"end_date": "影响期截止日期不能早于决定日期。"})
    record = PersonRecord(
        person=person,
        kind=kind,
        date=date,
        title=title,
        level=level,
        issuer=issuer,
        document_no=document_no,
        end_date=end_date,
        note=note,
    )
    model_save(record, by=by)
    return record


# ---------------------------------------------------------------------------------------------
# Villages
# ---------------------------------------------------------------------------------------------


def _strip(value: Any) -> Any:
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value
