"""The person API's 干部任免审批表 parts: nested read-only lists on a person, the new person fields,
and the scoped write endpoints /api/v1/family-members/ and /api/v1/resume-entries/."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cadres import services
from cadres.models import FamilyMember, ResumeEntry

from ..factories import AppointmentFactory, PersonFactory

D = datetime.date


@pytest.fixture
def person(village_a, county_user):
    p = PersonFactory(name="李建国", born=D(1985, 3, 12), registered_township=village_a.township, birthplace="湖南宁乡")
    AppointmentFactory(person=p, village=village_a)
    services.resume_entry_create(person=p, by=county_user, start_date=D(2015, 3, 1), text="任甲镇甲一村党支部书记")
    services.family_member_create(person=p, by=county_user, relation="妻子", name="王芳", work_unit="务农")
    return p


@pytest.fixture
def api(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_person_detail_nests_family_and_résumé_and_has_the_new_fields(api, person, clerk_a):
    body = api(clerk_a).get(f"/api/v1/people/{person.pk}/").json()
    assert body["birthplace"] == "湖南宁乡" and body["health"] == ""
    assert [(m["relation"], m["name"], m["work_unit"]) for m in body["family_members"]] == [("妻子", "王芳", "务农")]
    assert [(e["start_date"], e["end_date"], e["text"]) for e in body["resume_entries"]] == [
        ("2015-03-01", None, "任甲镇甲一村党支部书记")
    ]
    listed = api(clerk_a).get("/api/v1/people/").json()["results"][0]
    assert "family_members" not in listed and listed["birthplace"] == "湖南宁乡"


def test_person_detail_query_count_does_not_grow_with_the_lists(api, person, county_user):
    client = api(county_user)
    url = f"/api/v1/people/{person.pk}/"
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    services.family_members_replace(
        person=person, rows=[{"relation": "子女", "name": f"李{i}"} for i in range(10)], by=county_user
    )
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url).json()["family_members"]) == 10
    assert len(many) == len(few)


def test_family_member_write_endpoints_are_scoped(api, person, clerk_a, clerk_b, auditor):
    member = person.family_members.get()
    created = api(clerk_a).post(
        "/api/v1/family-members/",
        {"person": person.pk, "relation": "儿子", "name": "李明", "birth_date": "2010-02-03"},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["sort"] == 2
    assert FamilyMember.history.filter(name="李明").get().history_user == clerk_a
    refused = api(clerk_b).post(
        "/api/v1/family-members/", {"person": person.pk, "relation": "儿子", "name": "x"}, content_type="application/json"
    )
    assert refused.status_code == 400 and "不在您的数据范围内" in refused.json()["person"][0]
    assert (
        api(clerk_b).patch(f"/api/v1/family-members/{member.pk}/", {"name": "x"}, content_type="application/json").status_code
        == 404
    )
    assert api(clerk_b).delete(f"/api/v1/family-members/{member.pk}/").status_code == 404
    assert (
        api(auditor).patch(f"/api/v1/family-members/{member.pk}/", {"name": "x"}, content_type="application/json").status_code
        == 403
    )
    blank = api(clerk_a).patch(f"/api/v1/family-members/{member.pk}/", {"relation": " "}, content_type="application/json")
    assert blank.status_code == 400
    changed = api(clerk_a).patch(
        f"/api/v1/family-members/{member.pk}/", {"work_unit": "甲镇超市"}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["work_unit"] == "甲镇超市"
    assert api(clerk_a).delete(f"/api/v1/family-members/{member.pk}/").status_code == 204
    assert list(person.family_members.values_list("name", flat=True)) == ["李明"]
    assert api(clerk_b).get("/api/v1/family-members/").json()["count"] == 0
    assert api(clerk_a).get(f"/api/v1/family-members/?person={person.pk}").json()["count"] == 1


def test_resume_entry_endpoints_refuse_overlap_unless_allowed(api, person, clerk_a):
    url = "/api/v1/resume-entries/"
    line = {"person": person.pk, "start_date": "2016-09-01", "end_date": "2018-07-01", "text": "在县委党校在职学习"}
    refused = api(clerk_a).post(url, line, content_type="application/json")
    assert refused.status_code == 400
    assert "时间交叉" in refused.json()["start_date"][0]
    assert ResumeEntry.objects.count() == 1
    created = api(clerk_a).post(url, {**line, "allow_overlap": True}, content_type="application/json")
    assert created.status_code == 201
    pk = created.json()["id"]
    bad = api(clerk_a).patch(f"{url}{pk}/", {"end_date": "2016-01-01", "allow_overlap": True}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["end_date"] == ["截止时间2016.01早于起始时间2016.09。"]
    assert api(clerk_a).delete(f"{url}{pk}/").status_code == 204


@pytest.mark.parametrize("rows", [1, 12])
def test_resume_entry_list_query_count_is_flat(api, county_user, django_assert_num_queries, rows):
    people = [PersonFactory() for _ in range(rows)]
    for p in people:
        services.resume_entry_create(person=p, by=county_user, start_date=D(2015, 3, 1), text="任职")
    client = api(county_user)
    # session + user, count, page of lines with their person (select_related)
    with django_assert_num_queries(4):
        assert client.get("/api/v1/resume-entries/").json()["count"] == rows
