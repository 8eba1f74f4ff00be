"""Every register rule through every door, table-driven: the HTML form (browser POST), the API
(POST/PATCH /api/v1/…), the spreadsheet import (upload + preview) and the admin where it is
editable must give the same verdict and the same message text (an import shows it after the
row and column, without the final "。").

Each case builds its own facts, then asks every door the same question; a door answers None
(accepted) or the message it showed for the field in question.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cadres import choices, services
from cadres.idcard import make_id_number
from cadres.models import Appointment, ImportBatch, Person, User
from core import dates as core_dates
from core.imports.batches import import_batch_create, import_batch_preview

from ..factories import AppointmentFactory, PersonFactory
from .sheet_files import roster_csv

D = datetime.date
BIRTH = D(2000, 3, 10)
ADULT = D(2018, 3, 10)  # 18th birthday: 6574 days after birth, the old "18 × 365 days" said 6570
HEADER = ["乡镇", "村（社区）", "姓名", "身份证号码", "民族", "政治面貌", "入党时间", "现任职务", "任职时间"]
POST_LABELS = {"clerk": "村文书", "committee_member": "村民委员会委员"}
STATUS_LABELS = dict(choices.PoliticalStatus.choices)


def _id(birth: datetime.date = BIRTH, seq: int = 7) -> str:
    return make_id_number("430122", birth, seq, True)


def _import_reason(batch: ImportBatch) -> str | None:
    """The first error of the first row of a previewed batch, as its reason text."""
    rows = batch.summary["rows"]
    errors = rows[0].get("e", []) if rows else batch.summary["errors"]
    if batch.status == ImportBatch.Status.PREVIEWED:
        return None
    return errors[0].rsplit(" — ", 1)[1]


def _same(message: str | None) -> str | None:
    return message.rstrip("。") if message else None


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.get(pk=user.pk))
    return client


def _form_error(response, field: str) -> str | None:
    if response.status_code == 302:
        return None
    errors = response.context["form"].errors
    messages = errors.get(field) or errors.get("__all__") or [next(iter(errors.values()))[0]]
    return messages[0]


# ---------------------------------------------------------------------------------------------
# Person rules: 政治面貌 ↔ 入党时间, 18 at joining by the exact birthday, not in the future
# ---------------------------------------------------------------------------------------------

PERSON_CASES = [
    # id, political status, party join date, expected message on party_join_date (None = accepted)
    ("member_without_join_date", choices.PoliticalStatus.MEMBER, None, "中共党员（含预备党员）须填写入党时间。"),
    ("masses_with_join_date", choices.PoliticalStatus.MASSES, ADULT, "政治面貌不是中共党员，不应填写入党时间。"),
    (
        "joined_the_day_before_18",
        choices.PoliticalStatus.MEMBER,
        ADULT - datetime.timedelta(days=1),
        "入党时须年满十八周岁，请核对入党时间。",
    ),
    ("joined_on_the_18th_birthday", choices.PoliticalStatus.MEMBER, ADULT, None),
    ("joined_in_the_future", choices.PoliticalStatus.MEMBER, "future", "入党时间不能晚于今天。"),
]


def _join(value) -> datetime.date | None:
    return core_dates.today() + datetime.timedelta(days=3) if value == "future" else value


def person_form_create(case, clerk_a, **_):
    _, status, join, _ = case
    client = _client(clerk_a)
    data = {"id_number": _id(), "name": "赵新", "ethnicity": "汉族", "political_status": status}
    data["party_join_date"] = _join(join).isoformat() if join else ""
    response = client.post(reverse("cadres:person_create"), data)
    return _form_error(response, "party_join_date")


def person_form_update(case, clerk_a, existing, **_):
    _, status, join, _ = case
    data = {"name": existing.name, "ethnicity": "汉族", "political_status": status}
    data["party_join_date"] = _join(join).isoformat() if join else ""
    response = _client(clerk_a).post(reverse("cadres:person_update", args=[existing.pk]), data)
    return _form_error(response, "party_join_date")


def person_api_create(case, clerk_a, **_):
    _, status, join, _ = case
    body = {"id_number": _id(), "name": "赵新", "political_status": status, "party_join_date": _join(join)}
    response = _api(clerk_a).post("/api/v1/people/", body, format="json")
    return None if response.status_code == 201 else response.json()["party_join_date"][0]


def person_api_patch(case, clerk_a, existing, **_):
    _, status, join, _ = case
    body = {"political_status": status, "party_join_date": _join(join)}
    response = _api(clerk_a).patch(f"/api/v1/people/{existing.pk}/", body, format="json")
    return None if response.status_code == 200 else response.json()["party_join_date"][0]


def _person_row(idn, status, join, *, name="赵新"):
    return [
        "",
        "甲一村",
        name,
        idn,
        "汉族",
        STATUS_LABELS[status],
        f"{_join(join):%Y-%m-%d}" if join else "",
        "村文书",
        "2021-04-01",
    ]


def person_import_new(case, clerk_a, **_):
    _, status, join, _ = case
    batch = import_batch_create(
        by=clerk_a, sheet_type="cadres", filename="x.csv", data=roster_csv([_person_row(_id(), status, join)], HEADER)
    )
    return _import_reason(import_batch_preview(batch=batch))


def person_import_update(case, clerk_a, existing, **_):
    _, status, join, _ = case
    row = _person_row(existing.id_number, status, join, name=existing.name)
    batch = import_batch_create(by=clerk_a, sheet_type="cadres", filename="x.csv", data=roster_csv([row], HEADER))
    return _import_reason(import_batch_preview(batch=batch))


def _admin_data(status, join, **over):
    data = {
        "name": "赵新",
        "ethnicity": "汉族",
        "political_status": status,
        "party_join_date": _join(join).isoformat() if join else "",
    }
    for inline in ("records", "family_members", "resume_entries"):  # the person's inline tables, left empty
        data.update({f"{inline}-TOTAL_FORMS": "0", f"{inline}-INITIAL_FORMS": "0"})
        data.update({f"{inline}-MIN_NUM_FORMS": "0", f"{inline}-MAX_NUM_FORMS": "1000"})
    data.update(over)
    return data


def _admin_error(response, field):
    if response.status_code == 302:
        return None
    return response.context["adminform"].form.errors[field][0]


def person_admin_add(case, admin_user, **_):
    _, status, join, _ = case
    response = _client(admin_user).post(reverse("admin:cadres_person_add"), _admin_data(status, join, id_number=_id()))
    return _admin_error(response, "party_join_date")


def person_admin_change(case, admin_user, existing, **_):
    _, status, join, _ = case
    response = _client(admin_user).post(
        reverse("admin:cadres_person_change", args=[existing.pk]), _admin_data(status, join, name=existing.name)
    )
    return _admin_error(response, "party_join_date")


PERSON_DOORS = [
    person_form_create,
    person_form_update,
    person_api_create,
    person_api_patch,
    person_import_new,
    person_import_update,
    person_admin_add,
    person_admin_change,
]


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("door", PERSON_DOORS, ids=lambda d: d.__name__)
@pytest.mark.parametrize("case", PERSON_CASES, ids=lambda c: c[0])
def test_person_rules_give_the_same_verdict_and_message_at_every_door(case, door, clerk_a, admin_user, township_a, village_a):
    existing = PersonFactory(
        id_number=_id(seq=8),
        registered_township=township_a,
        political_status=choices.PoliticalStatus.MASSES,
        party_join_date=None,
    )
    expected = case[3]
    before = (Person.objects.count(), Person.history.count())
    got = door(case, clerk_a=clerk_a, admin_user=admin_user, existing=existing)
    assert _same(got) == _same(expected), (door.__name__, got)
    if expected is not None:
        assert (Person.objects.count(), Person.history.count()) == before  # nothing written


# ---------------------------------------------------------------------------------------------
# Appointment rules: age at the start by the exact birthday, not a year ahead, 凡进必审 for every
# post the policy marks 须资格联审, one current township per person
# ---------------------------------------------------------------------------------------------

HIDDEN = "此人已在其他乡镇任职或建档，请联系县委组织部核实。"


def _review(person, village, post, *, by, outcome):
    review = services.qualification_review_request(by=by, person=person, village=village, post=post)
    verdicts = list(review.verdicts.all())
    if outcome == choices.VettingResult.FAIL:
        services.department_verdict_record(verdict=verdicts[0], by=by, result=outcome, negative_item_code="n02")
    elif outcome == choices.VettingResult.PASS:
        for verdict in verdicts:
            services.department_verdict_record(verdict=verdict, by=by, result=outcome)
    return review


def _other_township_message(village_b):
    return (
        f"此人现任乙镇{village_b.name}村民委员会委员（2021年04月起），同一人不能同时在两个乡镇任职。"
        "请先在人员页面为其办理离任，或核对身份证号。"
    )


# id, who acts, post, start date, setup(person, village_a, village_b, county) -> None, expected message
APPOINTMENT_CASES = [
    ("started_the_day_before_18", "clerk", "clerk", ADULT - datetime.timedelta(days=1), None, "任职时未满十八周岁。"),
    ("started_on_the_18th_birthday", "clerk", "clerk", ADULT, None, None),
    ("starts_more_than_a_year_ahead", "clerk", "clerk", "far", None, "任职时间不能晚于一年以后。"),
    (
        "committee_member_whose_review_failed",
        "clerk",
        "committee_member",
        D(2024, 5, 1),
        lambda p, a, b, county: _review(p, a, "committee_member", by=county, outcome=choices.VettingResult.FAIL),
        "资格联审未通过，不能任此职务。",
    ),
    (
        "committee_member_whose_review_is_unfinished",
        "clerk",
        "committee_member",
        D(2024, 5, 1),
        lambda p, a, b, county: _review(p, a, "committee_member", by=county, outcome=choices.VettingResult.PENDING),
        "资格联审尚未办结（仍有部门未出具意见），联审通过后才能任此职务。",
    ),
    (
        "committee_member_whose_review_passed",
        "clerk",
        "committee_member",
        D(2024, 5, 1),
        lambda p, a, b, county: _review(p, a, "committee_member", by=county, outcome=choices.VettingResult.PASS),
        None,
    ),
    (
        "current_in_another_township_clerk_is_not_told_where",
        "clerk",
        "committee_member",
        D(2024, 5, 1),
        lambda p, a, b, county: AppointmentFactory(person=p, village=b, post="committee_member", start_date=D(2021, 4, 1)),
        HIDDEN,
    ),
    (
        "current_in_another_township_county_is_told_where",
        "county",
        "committee_member",
        D(2024, 5, 1),
        lambda p, a, b, county: AppointmentFactory(person=p, village=b, post="committee_member", start_date=D(2021, 4, 1)),
        "other_township",
    ),
]


def _start(value) -> datetime.date:
    return core_dates.today() + datetime.timedelta(days=400) if value == "far" else value


def appointment_form(case, user, person, village, **_):
    _, _, post, start, _, _ = case
    data = {"village": village.pk, "post": post, "start_date": _start(start).isoformat()}
    response = _client(user).post(reverse("cadres:appointment_create", args=[person.pk]), data)
    if response.status_code == 302:
        return None
    errors = response.context["form"].errors
    return next(iter(errors.values()))[0]


def appointment_api(case, user, person, village, **_):
    _, _, post, start, _, _ = case
    body = {"person": person.pk, "village": village.pk, "post": post, "start_date": _start(start).isoformat()}
    response = _api(user).post("/api/v1/appointments/", body, format="json")
    return None if response.status_code == 201 else next(iter(response.json().values()))[0]


def appointment_import(case, user, person, village, **_):
    _, _, post, start, _, _ = case
    row = [
        village.township.name,
        village.name,
        person.name,
        person.id_number,
        "",
        "",
        "",
        POST_LABELS[post],
        f"{_start(start):%Y-%m-%d}",
    ]
    batch = import_batch_create(by=user, sheet_type="cadres", filename="x.csv", data=roster_csv([row], HEADER))
    return _import_reason(import_batch_preview(batch=batch))


APPOINTMENT_DOORS = [appointment_form, appointment_api, appointment_import]


@pytest.mark.parametrize("door", APPOINTMENT_DOORS, ids=lambda d: d.__name__)
@pytest.mark.parametrize("case", APPOINTMENT_CASES, ids=lambda c: c[0])
def test_appointment_rules_give_the_same_verdict_and_message_at_every_door(
    case, door, clerk_a, county_user, township_a, village_a, village_b
):
    person = PersonFactory(
        id_number=_id(), registered_township=township_a, political_status=choices.PoliticalStatus.MASSES, party_join_date=None
    )
    if case[4] is not None:
        case[4](person, village_a, village_b, county_user)
    expected = _other_township_message(village_b) if case[5] == "other_township" else case[5]
    user = clerk_a if case[1] == "clerk" else county_user
    before = (Appointment.objects.count(), Appointment.history.count())
    got = door(case, user=user, person=person, village=village_a)
    assert _same(got) == _same(expected), (door.__name__, got)
    after = (Appointment.objects.count(), Appointment.history.count())
    assert after == before if expected is not None or door is appointment_import else after[0] == before[0] + 1


def test_the_admin_door_is_closed_for_appointments_and_joint_reviews(client, admin_user, village_a):
    """Appointments and reviews are written by the services alone: the admin can only look."""
    appointment = AppointmentFactory(village=village_a, post="committee_member", status=choices.FilingStatus.DRAFT)
    client.force_login(admin_user)
    assert client.get(reverse("admin:cadres_appointment_add")).status_code == 403
    response = client.post(
        reverse("admin:cadres_appointment_change", args=[appointment.pk]), {"status": choices.FilingStatus.FILED}
    )
    assert response.status_code == 403
    assert client.get(reverse("admin:cadres_qualificationreview_add")).status_code == 403
    history = appointment.history.first()
    revert = reverse("admin:cadres_appointment_simple_history", args=[appointment.pk, history.history_id])
    assert client.post(revert, {"status": choices.FilingStatus.FILED}).status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == choices.FilingStatus.DRAFT
