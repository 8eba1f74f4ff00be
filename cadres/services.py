"""Writes to the register. The only place where business rules change data.

Every function takes keyword-only arguments, runs in one transaction, checks the acting user's
permission and data scope, validates with Chinese messages keyed by field, and records history
with who and when (django-simple-history, user taken from ``by``).
"""

from __future__ import annotations

import datetime
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core import dates as core_dates
from core.policy import policy_for_year, post_info
from core.roles import ROLE_GROUPS
from core.services import excluded_fields, model_save, require_perm, require_scope

from . import choices
from .choices import FilingStatus, FirstSecretaryStatus, VettingResult
from .idcard import parse_id_number
from .models import (
    Appointment,
    DepartmentVerdict,
    FilingEvent,
    FirstSecretary,
    Person,
    PersonRecord,
    PresenceMonth,
    QualificationReview,
    Township,
    User,
    Village,
    VillageFlag,
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


def _township_conflicts(township: Township) -> dict[str, str]:
    errors = {}
    others = Township.objects.exclude(pk=township.pk)
    holder = others.filter(code=township.code).first()
    if holder is not None:
        errors["code"] = f"区划代码{township.code}已被“{holder.name}”使用。"
    if others.filter(name=township.name).exists():
        errors["name"] = f"已有名为“{township.name}”的乡镇(街道)。"
    return errors


def _village_conflicts(village: Village) -> dict[str, str]:
    errors = {}
    others = Village.objects.exclude(pk=village.pk)
    holder = others.select_related("township").filter(code=village.code).first()
    if holder is not None:
        errors["code"] = f"村(社区)代码{village.code}已被{holder.township.name}“{holder.name}”使用。"
    if village.township_id and others.filter(township_id=village.township_id, name=village.name).exists():
        errors["name"] = f"本乡镇(街道)已有名为“{village.name}”的村(社区)。"
    return errors


def _check_and_save(obj, conflicts, *, by: User, update_fields: list[str] | None = None) -> None:
    """Conflicts (duplicate code/name) and the model's validation reported together, by field."""
    errors = conflicts(obj)
    try:
        obj.full_clean(
            exclude=[*errors, *([] if update_fields is None else excluded_fields(obj, update_fields))], validate_unique=False
        )
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    obj._history_user = by
    obj.save(update_fields=update_fields)


TOWNSHIP_FIELDS = ("name", "code", "kind", "sort_order")


@transaction.atomic
def township_create(
    *, by: User, name: str, code: str, kind: str = choices.TownshipKind.TOWNSHIP, sort_order: int = 0
) -> Township:
    """County staff add a township/subdistrict (区划代码 9–12 digits, unique; name unique)."""
    require_perm(by, "cadres.add_township", "只有县委组织部可以新建乡镇(街道)。")
    township = Township(name=_strip(name), code=_strip(code), kind=kind, sort_order=sort_order or 0)
    _check_and_save(township, _township_conflicts, by=by)
    return township


@transaction.atomic
def township_update(*, township: Township, by: User, **fields: Any) -> Township:
    require_perm(by, "cadres.change_township", "只有县委组织部可以修改乡镇(街道)。")
    require_scope(by, township)
    unknown = set(fields) - set(TOWNSHIP_FIELDS)
    if unknown:
        raise ValidationError({k: "该项不能在此修改。" for k in unknown})
    fields = {k: _strip(v) for k, v in fields.items()}
    changed = [k for k, v in fields.items() if getattr(township, k) != v]
    if not changed:
        return township
    township = Township.objects.select_for_update().get(pk=township.pk)
    for k in changed:
        setattr(township, k, fields[k])
    _check_and_save(township, _township_conflicts, by=by, update_fields=changed)
    return township


VILLAGE_FIELDS = ("population", "households", "party_members", "note", "kind")
# Changing these redraws the register (which township a village belongs to, its code and name):
# county staff only (``cadres.manage_village``).
VILLAGE_STRUCTURE_FIELDS = ("name", "code", "township")


@transaction.atomic
def village_create(
    *,
    by: User,
    township: Township,
    name: str,
    code: str,
    kind: str = choices.VillageKind.VILLAGE,
    population: int = 0,
    households: int = 0,
    party_members: int = 0,
    note: str = "",
) -> Village:
    """County staff add a village/community (12-digit code, unique; name unique in the township)."""
    require_perm(by, "cadres.add_village", "只有县委组织部可以新建村(社区)。")
    require_scope(by, township)
    village = Village(
        township=township,
        name=_strip(name),
        code=_strip(code),
        kind=kind,
        population=population or 0,
        households=households or 0,
        party_members=party_members or 0,
        note=note,
    )
    _check_and_save(village, _village_conflicts, by=by)
    return village


@transaction.atomic
def village_update(*, village: Village, by: User, **fields: Any) -> Village:
    """Clerks keep their villages' figures up to date; county staff may also rename, recode or
    move a village to another township."""
    require_perm(by, "cadres.change_village")
    require_scope(by, village)
    unknown = set(fields) - set(VILLAGE_FIELDS) - set(VILLAGE_STRUCTURE_FIELDS)
    if unknown:
        raise ValidationError({k: "该项不能在此修改。" for k in unknown})
    fields = {k: _strip(v) for k, v in fields.items()}
    changed = [k for k, v in fields.items() if getattr(village, k) != v]
    if not changed:
        return village
    if set(changed) & set(VILLAGE_STRUCTURE_FIELDS):
        require_perm(by, "cadres.manage_village", "只有县委组织部可以修改村(社区)名称、代码和所属乡镇。")
        if "township" in changed:
            require_scope(by, fields["township"])
    village = Village.objects.select_for_update().get(pk=village.pk)
    for k in changed:
        setattr(village, k, fields[k])
    _check_and_save(village, _village_conflicts, by=by, update_fields=changed)
    return village


FLAG_EARLIEST = datetime.date(2000, 1, 1)


@transaction.atomic
def village_flag_add(*, village: Village, by: User, kind: str, start_date: datetime.date, basis: str = "") -> VillageFlag:
    require_perm(by, "cadres.add_villageflag")
    require_scope(by, village)
    if kind not in choices.VillageFlagKind.values:
        raise ValidationError({"kind": "请选择村类型。"})
    if not (FLAG_EARLIEST <= start_date <= core_dates.today()):
        raise ValidationError({"start_date": f"认定日期应在{FLAG_EARLIEST:%Y年%m月%d日}至今天之间。"})
    if VillageFlag.objects.current(start_date).filter(village=village, kind=kind).exists():
        raise ValidationError({"kind": f"该村在{start_date:%Y年%m月%d日}已是“{choices.VillageFlagKind(kind).label}”。"})
    flag = VillageFlag(village=village, kind=kind, start_date=start_date, basis=basis)
    model_save(flag, by=by)
    return flag


@transaction.atomic
def village_flag_end(*, flag: VillageFlag, by: User, end_date: datetime.date) -> VillageFlag:
    require_perm(by, "cadres.change_villageflag")
    require_scope(by, flag)
    if flag.end_date:
        raise ValidationError({"end_date": "该标记已销号。"})
    if end_date < flag.start_date:
        raise ValidationError({"end_date": "摘帽/销号日期不能早于认定日期。"})
    if end_date > core_dates.today():
        raise ValidationError({"end_date": "摘帽/销号日期不能晚于今天。"})
    flag.end_date = end_date
    model_save(flag, by=by, update_fields=["end_date"])
    return flag


# ---------------------------------------------------------------------------------------------
# Appointments and filing
# ---------------------------------------------------------------------------------------------


def _post_or_error(post: str, on: datetime.date) -> dict:
    info = post_info(post, on.year)
    if info is None:
        raise ValidationError({"post": f"“{post}”不是{on.year}年度政策配置中的职务。"})
    return info


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
            Appointment.objects.current()
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


# ---------------------------------------------------------------------------------------------
# First secretaries
# ---------------------------------------------------------------------------------------------


FIRST_SECRETARY_EARLIEST = datetime.date(2000, 1, 1)
FIRST_SECRETARY_MAX_YEARS = 10


def first_secretary_default_term_end(term_start: datetime.date) -> datetime.date:
    """Start + the policy's default term in months (day clamped to 28 so that it always exists)."""
    months = int(policy_for_year(term_start.year).section("register")["first_secretary"]["term_months"])
    y, m = divmod(term_start.month - 1 + months, 12)
    return term_start.replace(year=term_start.year + y, month=m + 1, day=min(term_start.day, 28))


@transaction.atomic
def first_secretary_create(
    *,
    by: User,
    person: Person,
    village: Village,
    sending_unit: str,
    term_start: datetime.date,
    term_end: datetime.date | None = None,
    original_title: str = "",
    batch: str = "",
) -> FirstSecretary:
    """Send a first secretary to a village (先定村、再定人: the village is chosen first)."""
    require_perm(by, "cadres.add_firstsecretary", "驻村第一书记由县委组织部选派。")
    require_scope(by, village)
    latest_start = core_dates.today() + datetime.timedelta(days=366)
    if not (FIRST_SECRETARY_EARLIEST <= term_start <= latest_start):
        raise ValidationError(
            {"term_start": f"驻村开始日期应在{FIRST_SECRETARY_EARLIEST:%Y年%m月%d日}至{latest_start:%Y年%m月%d日}之间。"}
        )
    if term_end is None:
        term_end = first_secretary_default_term_end(term_start)
    if term_end <= term_start:
        raise ValidationError({"term_end": "驻村期满日期须晚于开始日期。"})
    if term_end > term_start.replace(year=term_start.year + FIRST_SECRETARY_MAX_YEARS, day=min(term_start.day, 28)):
        raise ValidationError({"term_end": f"驻村期限不能超过{FIRST_SECRETARY_MAX_YEARS}年，请核对期满日期。"})
    if FirstSecretary.objects.active().filter(village=village).exists():
        raise ValidationError({"village": "该村(社区)已有在岗的驻村第一书记，请先办理期满或召回。"})
    if FirstSecretary.objects.active().filter(person=person).exists():
        raise ValidationError({"person": "此人已在其他村(社区)担任在岗的驻村第一书记。"})
    posting = FirstSecretary(
        person=person,
        village=village,
        sending_unit=sending_unit.strip(),
        term_start=term_start,
        term_end=term_end,
        original_title=original_title,
        batch=batch,
    )
    model_save(posting, by=by)
    return posting


@transaction.atomic
def first_secretary_end(
    *, posting: FirstSecretary, by: User, status: str, ended_on: datetime.date, note: str = ""
) -> FirstSecretary:
    """Term expired (期满) or recalled (召回撤换, reason required)."""
    require_perm(by, "cadres.change_firstsecretary")
    posting = FirstSecretary.objects.select_for_update().get(pk=posting.pk)
    require_scope(by, posting)
    errors = {}
    if posting.status != FirstSecretaryStatus.ACTIVE:
        errors["status"] = "该第一书记已不在岗。"
    if status not in (FirstSecretaryStatus.EXPIRED, FirstSecretaryStatus.RECALLED):
        errors["status"] = "请选择“期满”或“召回”。"
    if status == FirstSecretaryStatus.RECALLED and not note.strip():
        errors["note"] = "召回须填写原因。"
    if ended_on < posting.term_start:
        errors["ended_on"] = "离村日期不能早于驻村开始日期。"
    if errors:
        raise ValidationError(errors)
    posting.status = status
    posting.ended_on = ended_on
    posting.end_note = note
    model_save(posting, by=by, update_fields=["status", "ended_on", "end_note"])
    return posting


@transaction.atomic
def first_secretary_terms_expire(*, on: datetime.date, by: User | None = None) -> int:
    """Mark every active posting whose term ended before ``on`` as expired. Idempotent."""
    count = 0
    for posting in FirstSecretary.objects.active().filter(term_end__lt=on).select_for_update():
        posting.status = FirstSecretaryStatus.EXPIRED
        posting.ended_on = posting.term_end
        posting.end_note = "任期届满（系统自动）"
        model_save(posting, by=by, update_fields=["status", "ended_on", "end_note"])
        count += 1
    return count


@transaction.atomic
def presence_record(
    *,
    posting: FirstSecretary,
    by: User,
    month: datetime.date,
    days_in_village: int,
    leave_days: int = 0,
    note: str = "",
) -> PresenceMonth:
    """Record (or correct) days in the village for one month."""
    require_perm(by, "cadres.add_presencemonth")
    require_scope(by, posting)
    month = month.replace(day=1)
    import calendar

    days_in_month = calendar.monthrange(month.year, month.month)[1]
    errors = {}
    if month < posting.term_start.replace(day=1) or month > posting.term_end.replace(day=1):
        errors["month"] = "该月份不在驻村期内。"
    if month > core_dates.today().replace(day=1):
        errors["month"] = "不能登记未来月份。"
    if days_in_village + leave_days > days_in_month:
        errors["days_in_village"] = f"在村天数与请假天数之和不能超过当月天数（{days_in_month}天）。"
    if errors:
        raise ValidationError(errors)
    entry = PresenceMonth.objects.filter(first_secretary=posting, month=month).first()
    if entry is None:
        entry = PresenceMonth(
            first_secretary=posting,
            month=month,
            recorded_by=by,
            days_in_village=days_in_village,
            leave_days=leave_days,
            note=note,
        )
        model_save(entry, by=by)
    else:
        entry.days_in_village, entry.leave_days, entry.note, entry.recorded_by = days_in_village, leave_days, note, by
        model_save(entry, by=by, update_fields=["days_in_village", "leave_days", "note", "recorded_by"])
    return entry


def presence_shortfall(entry: PresenceMonth, min_days: int) -> bool:
    """The ≥N-days-a-month rule (pure)."""
    return entry.days_in_village < min_days


# ---------------------------------------------------------------------------------------------
# Users
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def user_set_role(*, user: User, role: str, township: Township | None = None) -> User:
    from django.contrib.auth.models import Group

    if role == choices.Role.CLERK and township is None:
        raise ValidationError({"township": "乡镇组织委员必须指定所属乡镇。"})
    user.role = role
    user.township = township if role == choices.Role.CLERK else None
    user.is_staff = role == choices.Role.ADMIN or user.is_superuser
    user.save(update_fields=["role", "township", "is_staff"])
    groups = Group.objects.filter(name__in=ROLE_GROUPS.values())
    user.groups.remove(*groups)
    user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
    return user
