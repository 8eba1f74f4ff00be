"""REST API under /api/v1/: list shapes and query counts, writes through services, token, schema.

Scope doors (clerk of township A against township B) are in test_api_scope.py.
"""

import datetime
import itertools

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cadres import choices, services
from cadres.idcard import make_id_number
from cadres.models import (
    Appointment,
    DepartmentVerdict,
    FilingEvent,
    FirstSecretary,
    Person,
    PresenceMonth,
    Township,
    User,
    Village,
)
from core import dates as core_dates

from ..factories import AppointmentFactory, FirstSecretaryFactory, PersonFactory, VillageFactory, VillageFlagFactory

_codes = itertools.count(1)


# ---------------------------------------------------------------------------------------------
# Helpers (also used by test_api_scope.py)
# ---------------------------------------------------------------------------------------------


def client_for(user) -> APIClient:
    """An APIClient signed in as a *fresh* copy of ``user`` (no permission cache carried over
    from earlier requests, as with a real session or token)."""
    client = APIClient()
    client.force_authenticate(User.objects.get(pk=user.pk))
    return client


def make_township(**kwargs) -> Township:
    n = next(_codes)
    return Township.objects.create(name=kwargs.pop("name", f"测试镇{n}"), code=f"43012280{n:04d}", sort_order=100 + n, **kwargs)


def make_village(township, **kwargs) -> Village:
    """A village with a unique code (the factory's sequence collides with the persona villages)."""
    n = next(_codes)
    return VillageFactory(township=township, name=kwargs.pop("name", f"测试村{n}"), code=f"4301229{n:05d}", **kwargs)


def make_staffed_village(township) -> Village:
    """A village with a current flag and a filed, current secretary: every prefetch has rows."""
    village = make_village(township)
    VillageFlagFactory(village=village)
    AppointmentFactory(village=village)
    return village


def make_review(*, person, village, by, post=choices.SECRETARY):
    return services.qualification_review_request(by=by, person=person, village=village, post=post)


def pass_review(review, *, by) -> None:
    for verdict in review.verdicts.all():
        services.department_verdict_record(verdict=verdict, by=by, result=choices.VettingResult.PASS)
    review.refresh_from_db()


def assert_page_shape(body: dict, *, count: int) -> None:
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == count
    assert all("id" in row for row in body["results"])


# ---------------------------------------------------------------------------------------------
# List endpoints: exact query counts, the same for 1 and 50 rows
# ---------------------------------------------------------------------------------------------

ROWS = [1, 50]


@pytest.mark.parametrize("rows", ROWS)
def test_township_list_query_count_is_constant(rows, county_user, django_assert_num_queries):
    for _ in range(rows):
        make_staffed_village(make_township())
    client = client_for(county_user)
    # Expect 2 queries:
    # * count (over the grouped township/village/appointment join)
    # * page of townships with village, community and current-secretary counts annotated
    with django_assert_num_queries(2):
        response = client.get("/api/v1/townships/")
    assert response.status_code == 200
    assert_page_shape(response.json(), count=rows)
    row = response.json()["results"][0]
    assert {"id", "name", "code", "village_count", "secretary_count"} <= set(row)
    assert row["village_count"] == 1
    assert row["secretary_count"] == 1


@pytest.mark.parametrize("rows", ROWS)
def test_village_list_query_count_is_constant(rows, township_a, county_user, django_assert_num_queries):
    for _ in range(rows):
        make_staffed_village(township_a)
    client = client_for(county_user)
    # Expect 4 queries:
    # * count
    # * page of villages joined to their township
    # * prefetch of current flags
    # * prefetch of current secretary appointments joined to the person
    with django_assert_num_queries(4):
        response = client.get("/api/v1/villages/")
    assert response.status_code == 200
    body = response.json()
    assert_page_shape(body, count=rows)
    row = body["results"][0]
    assert row["township"] == township_a.pk
    assert row["township_name"] == "甲镇"
    assert row["kind_display"] == "行政村"
    assert row["current_flags"][0]["kind"] == choices.VillageFlagKind.WEAK_LAX
    assert row["current_flags"][0]["kind_display"] == "软弱涣散村"
    secretary = Appointment.objects.get(village_id=row["id"])
    assert row["current_secretary"] == {
        "id": secretary.person_id,
        "name": secretary.person.name,
        "appointment_id": secretary.pk,
        "start_date": "2021-04-01",
    }


@pytest.mark.parametrize("rows", ROWS)
def test_person_list_query_count_is_constant(rows, township_a, clerk_a, django_assert_num_queries):
    village = make_village(township_a)
    for _ in range(rows):
        AppointmentFactory(village=village, post="chair", post_name="村民委员会主任")
    client = client_for(clerk_a)
    # Expect 5 queries:
    # * count (scope: registered in / appointment in / posting in township A, as EXISTS)
    # * page of people joined to their registered township
    # * prefetch of current appointments joined to village and township
    # * user permissions + group permissions (cadres.view_personal_data, once per request)
    with django_assert_num_queries(5):
        response = client.get("/api/v1/people/")
    assert response.status_code == 200
    body = response.json()
    assert_page_shape(body, count=rows)
    row = body["results"][0]
    assert row["current_posts"] == [
        {
            "appointment_id": Appointment.objects.get(person_id=row["id"]).pk,
            "village": village.pk,
            "village_name": village.name,
            "township": township_a.pk,
            "township_name": "甲镇",
            "post": "chair",
            "post_name": "村民委员会主任",
            "start_date": "2021-04-01",
        }
    ]
    assert row["sex_display"] == "男"
    assert row["age"] == Person.objects.get(pk=row["id"]).age


@pytest.mark.parametrize("rows", ROWS)
def test_appointment_list_query_count_is_constant(rows, township_a, county_user, django_assert_num_queries):
    for _ in range(rows):
        village = make_village(township_a)
        person = PersonFactory()
        review = make_review(person=person, village=village, by=county_user)
        AppointmentFactory(village=village, person=person, qualification_review=review, status=choices.FilingStatus.DRAFT)
    client = client_for(county_user)
    # Expect 2 queries:
    # * count
    # * page of appointments joined to person, village, township and qualification review
    with django_assert_num_queries(2):
        response = client.get("/api/v1/appointments/")
    assert response.status_code == 200
    body = response.json()
    assert_page_shape(body, count=rows)
    row = body["results"][0]
    assert row["township"] == township_a.pk
    assert row["status"] == "draft"
    assert row["status_display"] == "待乡镇审核"
    assert row["is_current"] is False
    assert row["qualification_review_outcome"] == "pending"


def test_appointment_list_is_in_entry_order_by_default_as_the_filing_page(county_user):
    """Without ?ordering= the API lists as the 任职备案 page: by entry (index cadres_appt_created),
    not by township and village (a sort of every appointment of a prefecture for each page)."""
    first_in_order, second_in_order = make_township(), make_township()  # sort_order ascending
    entered = [AppointmentFactory(village=make_village(t)) for t in (second_in_order, first_in_order, second_in_order)]
    body = client_for(county_user).get("/api/v1/appointments/").json()
    assert [r["id"] for r in body["results"]] == [a.pk for a in entered]
    by_start = client_for(county_user).get("/api/v1/appointments/?ordering=-start_date").json()
    assert len(by_start["results"]) == 3  # ?ordering= still applies


@pytest.mark.parametrize("rows", ROWS)
def test_first_secretary_list_query_count_is_constant(rows, township_a, county_user, django_assert_num_queries):
    for _ in range(rows):
        FirstSecretaryFactory(village=make_village(township_a))
    client = client_for(county_user)
    # Expect 2 queries:
    # * count
    # * page of postings joined to person, village and township
    with django_assert_num_queries(2):
        response = client.get("/api/v1/first-secretaries/")
    assert response.status_code == 200
    body = response.json()
    assert_page_shape(body, count=rows)
    row = body["results"][0]
    assert row["sending_unit"] == "县财政局"
    assert row["status"] == "active"
    assert row["days_to_expiry"] == (datetime.date(2027, 3, 1) - core_dates.today()).days


@pytest.mark.parametrize("rows", ROWS)
def test_qualification_review_list_query_count_is_constant(rows, township_a, county_user, django_assert_num_queries):
    for _ in range(rows):
        make_review(person=PersonFactory(), village=make_village(township_a), by=county_user)
    client = client_for(county_user)
    # Expect 5 queries:
    # * the user's own permissions, * the user's group permissions (view_vetting_details?)
    # * count
    # * page of reviews joined to person, village and township
    # * prefetch of the department verdicts joined to the reviewer
    with django_assert_num_queries(5):
        response = client.get("/api/v1/qualification-reviews/")
    assert response.status_code == 200
    body = response.json()
    assert_page_shape(body, count=rows)
    assert len(body["results"][0]["verdicts"]) == DepartmentVerdict.objects.filter(review_id=body["results"][0]["id"]).count()
    # every row's verdicts through one serializer: labels as the model gives them
    for row in body["results"]:
        verdicts = DepartmentVerdict.objects.filter(review_id=row["id"]).order_by("sort", "id")
        assert [(v["department_name"], v["result_display"]) for v in row["verdicts"]] == [
            (v.department_name, v.get_result_display()) for v in verdicts
        ]
    assert body["results"][0]["outcome_display"] == "待审查"


@pytest.mark.parametrize("rows", ROWS)
def test_qualification_review_list_for_clerk_skips_the_verdicts(
    rows, township_a, county_user, clerk_a, django_assert_num_queries
):
    for _ in range(rows):
        make_review(person=PersonFactory(), village=make_village(township_a), by=county_user)
    client = client_for(clerk_a)
    # Expect 4 queries:
    # * the user's own permissions, * the user's group permissions (no view_vetting_details)
    # * count
    # * page of reviews joined to person, village and township (verdicts are not loaded)
    with django_assert_num_queries(4):
        response = client.get("/api/v1/qualification-reviews/")
    assert response.status_code == 200
    body = response.json()
    assert_page_shape(body, count=rows)
    assert body["results"][0]["outcome"] == "pending"
    assert body["results"][0]["outcome_display"] == "待审查"
    assert body["results"][0]["verdicts"] is None


# ---------------------------------------------------------------------------------------------
# Pagination
# ---------------------------------------------------------------------------------------------


def test_pagination_follows_page_size_and_links_pages(township_a, county_user):
    for _ in range(3):
        make_village(township_a)
    client = client_for(county_user)
    first = client.get("/api/v1/villages/?page_size=2").json()
    assert_page_shape(first, count=3)
    assert len(first["results"]) == 2
    assert first["previous"] is None
    assert "page=2" in first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1
    assert second["next"] is None
    assert second["previous"] is not None
    assert {r["id"] for r in first["results"]}.isdisjoint({r["id"] for r in second["results"]})


def test_page_size_is_capped_at_200_and_defaults_to_50(township_a, county_user):
    Village.objects.bulk_create(Village(township=township_a, name=f"批量村{i}", code=f"43012270{i:04d}") for i in range(205))
    client = client_for(county_user)
    assert len(client.get("/api/v1/villages/").json()["results"]) == 50
    body = client.get("/api/v1/villages/?page_size=1000").json()
    assert body["count"] == 205
    assert len(body["results"]) == 200


def test_detail_url_is_list_url_plus_id(village_a, county_user):
    response = client_for(county_user).get(f"/api/v1/villages/{village_a.pk}/")
    assert response.status_code == 200
    assert response.json()["id"] == village_a.pk
    assert response.json()["code"] == "430122100001"


def test_anonymous_requests_are_refused(village_a):
    assert APIClient().get("/api/v1/villages/").status_code in (401, 403)


# ---------------------------------------------------------------------------------------------
# ID number masking
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "masked"), [("clerk_a", False), ("auditor", True), ("county_user", False), ("admin_user", False)]
)
def test_id_number_and_phone_are_masked_for_roles_without_personal_data_permission(request, persona, masked, village_a):
    person = AppointmentFactory(village=village_a, person__phone="13807310001").person
    client = client_for(request.getfixturevalue(persona))
    expected = person.masked_id_number if masked else person.id_number
    assert client.get("/api/v1/people/").json()["results"][0]["id_number"] == expected
    assert client.get(f"/api/v1/people/{person.pk}/").json()["id_number"] == expected
    assert client.get(f"/api/v1/people/{person.pk}/").json()["phone"] == ("138****0001" if masked else "13807310001")
    if masked:
        assert person.id_number not in client.get(f"/api/v1/people/{person.pk}/").content.decode()


# ---------------------------------------------------------------------------------------------
# Writes: people
# ---------------------------------------------------------------------------------------------


def _person_payload(**overrides) -> dict:
    data = {
        "id_number": make_id_number("430122", datetime.date(1985, 3, 9), 7, True),
        "name": "李建国",
        "political_status": "member",
        "party_join_date": "2010-07-01",
        "education_fulltime": "5_college",
        "phone": "13800001111",
    }
    data.update(overrides)
    return data


def test_clerk_creates_a_person_registered_in_own_township(clerk_a, township_a, township_b):
    payload = _person_payload(registered_township=None)
    response = client_for(clerk_a).post("/api/v1/people/", payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    person = Person.objects.get()
    assert body["id"] == person.pk
    assert body["sex"] == "M"
    assert body["birth_date"] == "1985-03-09"
    assert body["id_number"] == person.id_number  # clerks keep their township's files
    assert person.registered_township == township_a
    assert person.history.get().history_user_id == clerk_a.pk


def test_person_create_with_bad_checksum_is_refused_and_writes_nothing(county_user):
    good = _person_payload()["id_number"]
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = client_for(county_user).post("/api/v1/people/", _person_payload(id_number=bad), format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"id_number"}
    assert "校验位错误" in response.json()["id_number"][0]
    assert Person.objects.count() == 0


def test_person_create_with_sex_not_matching_the_id_is_refused(county_user):
    response = client_for(county_user).post("/api/v1/people/", _person_payload(sex="F"), format="json")
    assert response.status_code == 400
    assert response.json()["sex"] == ["性别与身份证号不一致：身份证号显示为男。"]
    assert Person.objects.count() == 0


def test_person_create_reports_input_errors_by_field_in_chinese(county_user):
    response = client_for(county_user).post(
        "/api/v1/people/", _person_payload(name="", ethnicity="火星族", phone="123"), format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["name"] == ["该字段不能为空。"]
    assert "不是合法选项" in body["ethnicity"][0]
    assert Person.objects.count() == 0


def test_person_create_runs_model_validators(county_user):
    response = client_for(county_user).post("/api/v1/people/", _person_payload(phone="123"), format="json")
    assert response.status_code == 400
    assert response.json()["phone"] == ["请输入11位手机号或带区号的固定电话。"]
    assert Person.objects.count() == 0


def test_person_patch_changes_the_given_fields_only(clerk_a, village_a):
    person = AppointmentFactory(village=village_a).person
    client = client_for(clerk_a)
    response = client.patch(f"/api/v1/people/{person.pk}/", {"phone": "13912345678"}, format="json")
    assert response.status_code == 200, response.json()
    person.refresh_from_db()
    assert person.phone == "13912345678"
    assert response.json()["phone"] == "13912345678"
    assert response.json()["current_posts"][0]["village"] == village_a.pk
    assert person.history.first().history_user_id == clerk_a.pk


def test_person_patch_cannot_change_the_id_number(county_user, village_a):
    person = AppointmentFactory(village=village_a).person
    before = person.id_number
    response = client_for(county_user).patch(f"/api/v1/people/{person.pk}/", {"id_number": "110101199003070000"}, format="json")
    assert response.status_code == 400
    assert "不能在此修改" in response.json()["id_number"][0]
    person.refresh_from_db()
    assert person.id_number == before


def test_person_patch_rule_errors_come_back_keyed_by_field(county_user, village_a):
    person = AppointmentFactory(village=village_a).person
    response = client_for(county_user).patch(f"/api/v1/people/{person.pk}/", {"party_join_date": None}, format="json")
    assert response.status_code == 400
    assert response.json()["party_join_date"] == ["中共党员（含预备党员）须填写入党时间。"]


def test_put_is_not_offered(county_user, village_a):
    person = AppointmentFactory(village=village_a).person
    assert client_for(county_user).put(f"/api/v1/people/{person.pk}/", {}, format="json").status_code == 405


# ---------------------------------------------------------------------------------------------
# Writes: appointments and the filing flow
# ---------------------------------------------------------------------------------------------


def test_filing_flow_through_the_api(clerk_a, county_user, village_a):
    person = PersonFactory(registered_township=village_a.township)
    review = make_review(person=person, village=village_a, by=clerk_a)
    clerk, county = client_for(clerk_a), client_for(county_user)

    response = clerk.post(
        "/api/v1/appointments/",
        {"person": person.pk, "village": village_a.pk, "post": "secretary", "start_date": "2026-01-05", "cohort": 2026},
        format="json",
    )
    assert response.status_code == 201, response.json()
    appt = response.json()
    assert appt["status"] == "draft"
    assert appt["qualification_review"] == review.pk
    assert appt["qualification_review_outcome"] == "pending"
    url = f"/api/v1/appointments/{appt['id']}"

    # Review still pending: approval is refused and nothing changes.
    response = clerk.post(f"{url}/approve/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["qualification_review"] == ["资格联审尚未办结（仍有部门未出具意见），不能备案。"]
    assert Appointment.objects.get(pk=appt["id"]).status == "draft"

    pass_review(review, by=county_user)
    response = clerk.post(f"{url}/approve/", {"note": "同意"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "township_approved"

    # Only the county files.
    response = clerk.post(f"{url}/file/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "只有县委组织部可以办理县级备案。"
    assert Appointment.objects.get(pk=appt["id"]).status == "township_approved"

    response = county.post(f"{url}/file/", {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "filed"
    assert response.json()["is_current"] is True
    assert list(FilingEvent.objects.filter(appointment_id=appt["id"]).values_list("to_status", "by_id")) == [
        ("draft", clerk_a.pk),
        ("township_approved", clerk_a.pk),
        ("filed", county_user.pk),
    ]
    village = client_for(county_user).get(f"/api/v1/villages/{village_a.pk}/").json()
    assert village["current_secretary"]["id"] == person.pk


def test_reject_needs_a_reason(clerk_a, village_a):
    appt = AppointmentFactory(village=village_a, status=choices.FilingStatus.DRAFT)
    client = client_for(clerk_a)
    response = client.post(f"/api/v1/appointments/{appt.pk}/reject/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["note"] == ["退回须填写理由。"]
    response = client.post(f"/api/v1/appointments/{appt.pk}/reject/", {"note": "材料不全"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"


def test_end_a_current_post(county_user, village_a):
    appt = AppointmentFactory(village=village_a)
    client = client_for(county_user)
    response = client.post(f"/api/v1/appointments/{appt.pk}/end/", {"end_date": "2025-12-31"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"end_reason"}
    response = client.post(
        f"/api/v1/appointments/{appt.pk}/end/", {"end_date": "2025-12-31", "end_reason": "resigned"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["end_date"] == "2025-12-31"
    assert response.json()["end_reason_display"] == "辞职"
    assert response.json()["is_current"] is False


def test_appointment_create_rule_errors_are_keyed_by_field(clerk_a, village_a):
    person = PersonFactory(registered_township=village_a.township)
    response = client_for(clerk_a).post(
        "/api/v1/appointments/",
        {"person": person.pk, "village": village_a.pk, "post": "mayor", "start_date": "2026-01-05"},
        format="json",
    )
    assert response.status_code == 400
    assert "不是" in response.json()["post"][0]
    assert Appointment.objects.count() == 0


# ---------------------------------------------------------------------------------------------
# Writes: qualification reviews and first secretaries
# ---------------------------------------------------------------------------------------------


def test_clerk_requests_a_review_and_sees_only_the_outcome(clerk_a, county_user, village_a):
    person = PersonFactory(registered_township=village_a.township)
    response = client_for(clerk_a).post(
        "/api/v1/qualification-reviews/", {"person": person.pk, "village": village_a.pk, "post": "secretary"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["outcome"] == "pending"
    assert response.json()["verdicts"] is None
    detail = client_for(county_user).get(f"/api/v1/qualification-reviews/{response.json()['id']}/").json()
    assert [v["department_name"] for v in detail["verdicts"]][:2] == ["纪委监委", "县委组织部"]


def test_county_sends_a_first_secretary_and_records_presence(county_user, clerk_a, village_a):
    person = PersonFactory()
    payload = {"person": person.pk, "village": village_a.pk, "sending_unit": "县农业农村局", "term_start": "2025-03-01"}
    assert client_for(clerk_a).post("/api/v1/first-secretaries/", payload, format="json").status_code == 403
    response = client_for(county_user).post("/api/v1/first-secretaries/", payload, format="json")
    assert response.status_code == 201, response.json()
    posting = FirstSecretary.objects.get()
    assert response.json()["id"] == posting.pk
    assert response.json()["term_end"] == posting.term_end.isoformat()

    url = f"/api/v1/first-secretaries/{posting.pk}/presence/"
    clerk = client_for(clerk_a)
    response = clerk.post(url, {"month": "2025-05", "days_in_village": 18}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["shortfall"] is True
    response = clerk.post(url, {"month": "2025-05-01", "days_in_village": 22, "leave_days": 2}, format="json")
    assert response.status_code == 200
    assert response.json()["shortfall"] is False
    assert PresenceMonth.objects.get().days_in_village == 22
    response = clerk.post(url, {"month": "2025-05", "days_in_village": 30, "leave_days": 5}, format="json")
    assert response.status_code == 400
    assert "当月天数" in response.json()["days_in_village"][0]

    detail = clerk.get(f"/api/v1/first-secretaries/{posting.pk}/").json()
    assert detail["presence"][0]["days_in_village"] == 22


def test_auditor_cannot_write_anything(auditor, village_a):
    appt = AppointmentFactory(village=village_a, status=choices.FilingStatus.DRAFT)
    client = client_for(auditor)
    assert client.post("/api/v1/people/", _person_payload(), format="json").status_code == 403
    assert client.patch(f"/api/v1/people/{appt.person_id}/", {"phone": "13800001111"}, format="json").status_code == 403
    payload = {"person": appt.person_id, "village": village_a.pk, "post": "chair", "start_date": "2026-01-05"}
    assert client.post("/api/v1/appointments/", payload, format="json").status_code == 403
    for step in ("approve", "file", "reject", "end"):
        assert client.post(f"/api/v1/appointments/{appt.pk}/{step}/", {"note": "x"}, format="json").status_code == 403
    assert client.post("/api/v1/qualification-reviews/", payload, format="json").status_code == 403
    assert Person.objects.count() == 1
    assert Appointment.objects.get(pk=appt.pk).status == "draft"
    assert client.get("/api/v1/people/").status_code == 200


# ---------------------------------------------------------------------------------------------
# Token authentication with django-axes
# ---------------------------------------------------------------------------------------------


def test_token_endpoint_returns_a_token_that_authenticates(clerk_a, village_a):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "clerk_a", "password": "pw-touyan-123"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=clerk_a).key
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get("/api/v1/villages/")
    assert response.status_code == 200
    assert [v["id"] for v in response.json()["results"]] == [village_a.pk]


def test_wrong_password_is_400_and_counts_towards_the_lockout(clerk_a):
    client = APIClient()
    limit = settings.AXES_FAILURE_LIMIT
    for attempt in range(1, limit):
        response = client.post("/api/v1/auth/token/", {"username": "clerk_a", "password": "wrong"}, format="json")
        assert response.status_code == 400
        assert response.json()["non_field_errors"] == ["无法使用提供的认证信息登录。"]
        assert AccessAttempt.objects.get(username="clerk_a").failures_since_start == attempt
    # The failure that reaches the limit locks the account …
    response = client.post("/api/v1/auth/token/", {"username": "clerk_a", "password": "wrong"}, format="json")
    assert response.status_code == 429
    assert "锁定" in response.json()["detail"]
    # … and now even the right password is refused, without a token being issued.
    response = client.post("/api/v1/auth/token/", {"username": "clerk_a", "password": "pw-touyan-123"}, format="json")
    assert response.status_code == 429
    assert not Token.objects.filter(user=clerk_a).exists()


def test_a_successful_token_login_resets_earlier_failures(clerk_a):
    client = APIClient()
    client.post("/api/v1/auth/token/", {"username": "clerk_a", "password": "wrong"}, format="json")
    assert AccessAttempt.objects.filter(username="clerk_a").exists()
    response = client.post("/api/v1/auth/token/", {"username": "clerk_a", "password": "pw-touyan-123"}, format="json")
    assert response.status_code == 200
    assert not AccessAttempt.objects.filter(username="clerk_a").exists()


# ---------------------------------------------------------------------------------------------
# OpenAPI schema and docs
# ---------------------------------------------------------------------------------------------


def test_schema_and_docs_are_served_without_a_cdn(county_user):
    client = client_for(county_user)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/first-secretaries/{id}/presence/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode().lower()
    assert "swagger" in html
    assert "cdn" not in html
    assert "jsdelivr" not in html
    assert "unpkg" not in html


@pytest.mark.skipif(
    "ENUM_NAME_OVERRIDES" not in settings.SPECTACULAR_SETTINGS,
    reason="waits for SPECTACULAR_SETTINGS['ENUM_NAME_OVERRIDES'] in config/settings.py (requested in the API report)",
)
def test_schema_generates_without_warnings(db, tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))


# ---------------------------------------------------------------------------------------------
# Out-of-range input: a field-keyed Chinese 400, never a 500
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "field", "message"),
    [
        ("/api/v1/people/?age_max=99999", "age_max", "“年龄≤”不能大于150。"),
        ("/api/v1/people/?age_min=5000", "age_min", "“年龄≥”不能大于150。"),
        ("/api/v1/people/?age_min=-1", "age_min", "“年龄≥”不能小于0。"),
        ("/api/v1/people/?age_min=abc", "age_min", "“年龄≥”须为整数。"),
        ("/api/v1/first-secretaries/?expiring_within=99999999", "expiring_within", "“N天内期满”不能大于3650。"),
        ("/api/v1/appointments/?as_of=9999-12-31", "as_of", "“在任日期”不能晚于2100年。"),
        ("/api/v1/appointments/?cohort=99999999999", "cohort", "“换届届次”不能大于2100。"),
        ("/api/v1/appointments/?person=0", "person", "“人员”不能小于1。"),
        ("/api/v1/appointments/?village=99999999999999999999", "village", "“村(社区)”不能大于9223372036854775807。"),
        ("/api/v1/people/?village=1.5e-45", "village", "“村(社区)”须为整数。"),
    ],
)
def test_out_of_range_filters_answer_400_keyed_by_field(county_user, url, field, message):
    response = client_for(county_user).get(url)
    assert response.status_code == 400
    assert response.json() == {field: [message]}


def test_first_secretary_with_a_far_future_start_is_refused_by_field(county_user, village_a):
    payload = {"person": PersonFactory().pk, "village": village_a.pk, "sending_unit": "县农业农村局", "term_start": "9999-12-01"}
    response = client_for(county_user).post("/api/v1/first-secretaries/", payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["term_start"]
    assert response.json()["term_start"][0].startswith("驻村开始日期应在2000年01月01日至")
    assert FirstSecretary.objects.count() == 0


def test_first_secretary_with_an_absurd_term_end_is_refused_by_field(county_user, village_a):
    payload = {
        "person": PersonFactory().pk,
        "village": village_a.pk,
        "sending_unit": "县农业农村局",
        "term_start": "2025-03-01",
        "term_end": "9999-12-31",
    }
    response = client_for(county_user).post("/api/v1/first-secretaries/", payload, format="json")
    assert response.status_code == 400
    assert response.json() == {"term_end": ["驻村期限不能超过10年，请核对期满日期。"]}
    assert FirstSecretary.objects.count() == 0


def test_township_list_searches_by_name_or_code(county_user, township_a, township_b):
    client = client_for(county_user)
    assert [t["name"] for t in client.get("/api/v1/townships/?q=乙").json()["results"]] == ["乙镇"]
    assert [t["name"] for t in client.get("/api/v1/townships/?q=4301221").json()["results"]] == ["甲镇"]
    assert client.get("/api/v1/townships/?kind=nonsense").status_code == 400


# ---------------------------------------------------------------------------------------------
# Error answers in the schema; unrouted API URLs answer JSON
# ---------------------------------------------------------------------------------------------


def test_every_operation_documents_400_401_403_404(county_user):
    schema = client_for(county_user).get("/api/schema/?format=json").json()
    operations = [
        (method, path, op)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert len(operations) > 80
    missing = [(m, p) for m, p, op in operations if not {"400", "401", "403", "404"} <= set(op["responses"])]
    assert missing == []
    not_found = schema["paths"]["/api/v1/people/{id}/"]["get"]["responses"]["404"]
    assert not_found["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorDetail"}
    assert schema["components"]["schemas"]["ErrorDetail"]["required"] == ["detail"]
    # The token endpoint keeps its own description of the 400.
    assert schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]["400"]["description"] == "用户名或密码错误"


def test_an_api_url_that_matches_no_route_answers_json_404_a_page_keeps_html(county_user):
    client = client_for(county_user)
    response = client.get("/api/v1/people/1.5e-45/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "未找到该页面或记录。"}
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_verdict_serializer_answers_as_its_declared_fields(county_user, village_a):
    """DepartmentVerdictSerializer builds its answer directly (speed); it must equal what DRF's
    declared fields give, for reviewed and pending verdicts alike."""
    from django.utils import timezone
    from rest_framework import serializers as drf

    from cadres import services
    from cadres.models import DepartmentVerdict
    from cadres.serializers import DepartmentVerdictSerializer

    review = services.qualification_review_request(
        by=county_user, person=PersonFactory(), village=village_a, post="secretary", cohort=2026, note=""
    )
    verdicts = list(DepartmentVerdict.objects.filter(review=review).select_related("reviewed_by").order_by("sort"))
    assert len(verdicts) >= 2
    first = verdicts[0]
    first.result, first.reviewed_by, first.reviewed_at, first.note = "fail", county_user, timezone.now(), "有记录"
    first.negative_item_code, first.negative_item_text = "n09", "失信被执行人"
    first.save()
    fast = DepartmentVerdictSerializer(verdicts, many=True).data
    declared = [drf.ModelSerializer.to_representation(DepartmentVerdictSerializer(), v) for v in verdicts]
    assert [dict(row) for row in fast] == [dict(row) for row in declared]
    assert fast[0]["reviewed_by_name"] == str(county_user) and fast[0]["result_display"] == first.get_result_display()
    assert fast[1]["reviewed_by_name"] is None and fast[1]["reviewed_at"] is None
    assert list(fast[0]) == DepartmentVerdictSerializer.Meta.fields


@pytest.mark.django_db
def test_review_list_names_who_entered_each_verdict_as_the_user_reads(client, county_user, village_a):
    """The list reads each verdict's 录入人 as a name with the verdicts (no user rows): the user's
    full name, the login name when there is none, null while nobody has answered."""
    import json

    from rest_framework.renderers import JSONRenderer

    from cadres.models import DepartmentVerdict
    from cadres.serializers import DepartmentVerdictSerializer

    from ..factories import UserFactory

    nameless = UserFactory(username="kezhang", full_name="")
    review = services.qualification_review_request(
        by=county_user, person=PersonFactory(), village=village_a, post="secretary", cohort=2026, note=""
    )
    first, second = DepartmentVerdict.objects.filter(review=review).order_by("sort", "id")[:2]
    services.department_verdict_record(verdict=first, by=county_user, result="pass")
    services.department_verdict_record(verdict=second, by=nameless, result="pass")
    client.force_login(county_user)
    listed = client.get("/api/v1/qualification-reviews/").json()["results"][0]["verdicts"]
    assert [v["reviewed_by_name"] for v in listed[:3]] == [county_user.full_name, "kezhang", None]
    plain = DepartmentVerdictSerializer(DepartmentVerdict.objects.filter(review=review).order_by("sort", "id"), many=True)
    assert listed == json.loads(JSONRenderer().render(plain.data))  # as from user instances (str(user))
