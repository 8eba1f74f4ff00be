"""People (一人一档): create, update, records (奖惩及发展去向); the party-date rules shared with imports."""

from __future__ import annotations

import datetime
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core import dates as core_dates
from core.services import model_save, require_perm, require_scope

from .. import choices
from ..idcard import parse_id_number
from ..models import (
    Person,
    PersonRecord,
    Township,
    User,
)

PERSON_FIELDS = [
    "name",
    "ethnicity",
    "native_place",
    "political_status",
    "party_join_date",
    "work_start_date",
    "education_fulltime",
    "education_inservice",
    "school_major",
    "phone",
    "is_veteran",
    "is_returned_graduate",
    "note",
]


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def validate_party_fields(values: dict[str, Any], birth_date: datetime.date) -> None:
    errors = {}
    status = values.get("political_status")
    join = values.get("party_join_date")
    if status in (choices.PoliticalStatus.MEMBER, choices.PoliticalStatus.PROBATIONARY) and not join:
        errors["party_join_date"] = "中共党员（含预备党员）须填写入党时间。"
    if join and status not in (choices.PoliticalStatus.MEMBER, choices.PoliticalStatus.PROBATIONARY):
        errors["party_join_date"] = "政治面貌不是中共党员，不应填写入党时间。"
    if join and join <= birth_date:
        errors["party_join_date"] = "入党时间不能早于出生日期。"
    elif join and (join - birth_date).days < 18 * 365:
        errors["party_join_date"] = "入党时须年满十八周岁，请核对入党时间。"
    if join and join > core_dates.today():
        errors["party_join_date"] = "入党时间不能晚于今天。"
    if values.get("ethnicity") and values["ethnicity"] not in choices.ETHNICITY_NAMES:
        errors["ethnicity"] = f"“{values['ethnicity']}”不是56个民族的规范名称。"
    if errors:
        raise ValidationError(errors)


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
        errors["id_number"] = "该身份证号已建档，请在人员列表中查找后修改，不要重复建档。"
    if errors:
        raise ValidationError(errors)
    if by.is_clerk:
        registered_township = by.township
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    validate_party_fields(fields, facts.birth_date)
    person = Person(
        id_number=facts.number,
        sex=facts.sex,
        birth_date=facts.birth_date,
        registered_township=registered_township,
        **fields,
    )
    model_save(person, by=by)
    return person


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
