"""Training API: session update and the education-upgrade actions (graduate, withdraw, subsidies),
thin calls to the services with the same scope (404 across townships) and roles (403)."""

import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from training.choices import Level, UpgradeStatus
from training.models import EducationUpgrade, TrainingSession

from ..factories import AppointmentFactory
from .factories import EducationUpgradeFactory, EnrollmentFactory, TrainingSessionFactory

pytestmark = pytest.mark.django_db
D = datetime.date
S = "/api/v1/training/sessions/"
U = "/api/v1/training/upgrades/"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def sessions(township_a, township_b):
    return {
        "county": TrainingSessionFactory(code="PX2025-001", title="全县书记轮训班"),
        "own": TrainingSessionFactory(code="PX2025-002", level=Level.TOWNSHIP, township=township_a, title="甲镇培训"),
        "other": TrainingSessionFactory(code="PX2025-003", level=Level.TOWNSHIP, township=township_b, title="乙镇培训"),
    }


def test_patch_a_session_changes_only_the_given_fields_and_keeps_history(api, clerk_a, sessions):
    own = sessions["own"]
    api.force_authenticate(clerk_a)
    r = api.patch(f"{S}{own.pk}/", {"title": "甲镇两委培训班", "off_days": ["2025-03-04"], "capacity": 40}, format="json")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert (body["title"], body["off_days"], body["capacity"], body["code"]) == (
        "甲镇两委培训班",
        ["2025-03-04"],
        40,
        "PX2025-002",
    )
    own.refresh_from_db()
    assert (own.organiser, own.level, own.township_id) == ("县委党校", Level.TOWNSHIP, clerk_a.township_id)
    assert own.history.first().history_user == clerk_a
    r = api.patch(f"{S}{own.pk}/", {"end_date": "2025-03-01"}, format="json")
    assert r.status_code == 400 and r.json()["end_date"] == ["结束日期不能早于开始日期。"]


def test_put_a_session_replaces_it(api, county_user, sessions, township_a):
    county = sessions["county"]
    api.force_authenticate(county_user)
    data = {
        "title": "全县书记轮训班（春季）",
        "level": "county",
        "kind": "rotation",
        "organiser": "县委党校",
        "start_date": "2025-03-03",
        "end_date": "2025-03-04",
        "half_days": ["2025-03-04"],
    }
    r = api.put(f"{S}{county.pk}/", data, format="json")
    assert r.status_code == 200, r.json()
    county.refresh_from_db()
    assert (county.title, county.end_date, county.half_days, county.place) == (
        "全县书记轮训班（春季）",
        D(2025, 3, 4),
        ["2025-03-04"],
        "",
    )
    r = api.put(f"{S}{county.pk}/", data | {"level": "township", "township": township_a.pk}, format="json")
    assert r.status_code == 200 and TrainingSession.objects.get(pk=county.pk).township_id == township_a.pk


def test_session_update_doors(api, clerk_a, auditor, sessions):
    api.force_authenticate(clerk_a)
    assert api.patch(f"{S}{sessions['other'].pk}/", {"title": "x"}, format="json").status_code == 404
    assert api.patch(f"{S}{sessions['county'].pk}/", {"title": "x"}, format="json").status_code == 403
    api.force_authenticate(auditor)
    assert api.patch(f"{S}{sessions['own'].pk}/", {"title": "x"}, format="json").status_code == 403
    assert sorted(TrainingSession.objects.values_list("title", flat=True)) == ["乙镇培训", "全县书记轮训班", "甲镇培训"]


@pytest.fixture
def upgrades(village_a, village_b):
    mine = AppointmentFactory(village=village_a).person
    theirs = AppointmentFactory(village=village_b).person
    return {
        "a": EducationUpgradeFactory(person=mine, township=village_a.township, tuition_fee=Decimal("6000.00")),
        "b": EducationUpgradeFactory(person=theirs, township=village_b.township),
    }


def test_graduate_then_diploma_subsidy_and_tuition_subsidy(api, clerk_a, county_user, upgrades):
    a = upgrades["a"]
    api.force_authenticate(clerk_a)
    r = api.post(f"{U}{a.pk}/graduate/", {"actual_graduation": "2022-08-01"}, format="json")
    assert r.status_code == 400 and r.json()["actual_graduation"] == ["实际毕业时间须晚于入学时间。"]
    r = api.post(f"{U}{a.pk}/graduate/", {"actual_graduation": "2025-07-01"}, format="json")
    assert r.status_code == 200 and (r.json()["status"], r.json()["actual_graduation"]) == ("graduated", "2025-07-01")
    # money is county-only
    assert api.post(f"{U}{a.pk}/diploma-subsidy/", {"date": "2025-08-01"}, format="json").status_code == 403
    api.force_authenticate(county_user)
    r = api.post(f"{U}{a.pk}/diploma-subsidy/", {"date": "2025-08-01", "amount": "1500"}, format="json")
    assert r.status_code == 200 and r.json()["diploma_subsidy"] == "1500.00"
    r = api.post(f"{U}{a.pk}/tuition-subsidy/", {"date": "2025-08-01", "amount": "2400.456"}, format="json")
    assert r.status_code == 400 and "amount" in r.json()  # at most two decimals
    r = api.post(f"{U}{a.pk}/tuition-subsidy/", {"date": "2025-08-01", "amount": "2400.45"}, format="json")
    assert r.status_code == 200 and r.json()["tuition_subsidy"] == "2400.45"
    again = api.post(f"{U}{a.pk}/tuition-subsidy/", {"date": "2025-08-02"}, format="json")
    assert again.status_code == 400 and again.json()["tuition_subsidy"] == ["学费补贴已核定，已转入补贴台账，不能重复核定。"]
    a.refresh_from_db()
    assert (a.status, a.diploma_subsidy, a.tuition_subsidy) == (UpgradeStatus.GRADUATED, Decimal("1500.00"), Decimal("2400.45"))


def test_withdraw_needs_a_note_and_doors_are_scoped(api, clerk_a, auditor, upgrades):
    a, b = upgrades["a"], upgrades["b"]
    api.force_authenticate(clerk_a)
    assert api.post(f"{U}{a.pk}/withdraw/", {"note": " "}, format="json").json()["note"] == ["请填写退学说明。"]
    r = api.post(f"{U}{a.pk}/withdraw/", {"note": "外出务工"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    for action, body in (
        ("graduate", {"actual_graduation": "2025-07-01"}),
        ("withdraw", {"note": "x"}),
        ("tuition-subsidy", {"date": "2025-08-01"}),
        ("diploma-subsidy", {"date": "2025-08-01"}),
    ):
        assert api.post(f"{U}{b.pk}/{action}/", body, format="json").status_code == 404, action
    api.force_authenticate(auditor)
    assert api.post(f"{U}{b.pk}/withdraw/", {"note": "x"}, format="json").status_code == 403
    assert EducationUpgrade.objects.get(pk=b.pk).status == UpgradeStatus.STUDYING


def test_schema_lists_the_new_endpoints(client, county_user):
    client.force_login(county_user)
    text = client.get("/api/schema/").content.decode()
    for path in ("/api/v1/training/upgrades/{id}/graduate/", "/api/v1/training/upgrades/{id}/tuition-subsidy/"):
        assert path in text
    assert "修改培训班（部分字段）" in text


# ---------------------------------------------------------------------------------------------
# Query parameters: a field-keyed Chinese 400, never a 500 (found by tests/test_api_fuzz.py)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "field", "message"),
    [
        ("/api/v1/training/coverage/?year=0", "year", "“年度”不能小于2000。"),
        ("/api/v1/training/coverage/?year=2025&township=abc", "township", "“乡镇(街道)”须为整数。"),
        ("/api/v1/training/coverage/", "year", "请提供年度，如 ?year=2025。"),
        ("/api/v1/training/sessions/?year=99999", "year", "“年度”不能大于2100。"),
        ("/api/v1/training/sessions/?year=2.3e16", "year", "“年度”须为整数。"),
        ("/api/v1/training/enrollments/?year=-8.9e-63", "year", "“年度”须为整数。"),
        ("/api/v1/training/enrollments/?session=0", "session", "“培训班”不能小于1。"),
        ("/api/v1/training/enrollments/?person=99999999999999999999", "person", "“人员”不能大于9223372036854775807。"),
    ],
)
def test_out_of_range_parameters_answer_400_keyed_by_field(api, county_user, url, field, message):
    api.force_authenticate(county_user)
    response = api.get(url)
    assert response.status_code == 400
    assert response.json() == {field: [message]}


def test_year_filter_still_filters(api, county_user, sessions):
    TrainingSessionFactory(code="PX2024-001", start_date=D(2024, 5, 6), end_date=D(2024, 5, 7))
    api.force_authenticate(county_user)
    codes = {s["code"] for s in api.get(f"{S}?year=2025").json()["results"]}
    assert codes == {"PX2025-001", "PX2025-002", "PX2025-003"}


def test_county_session_has_null_township_name_and_enrollment_null_village_name(api, county_user, sessions, township_a):
    enrollment = EnrollmentFactory(session=sessions["county"], township=township_a, village=None)
    api.force_authenticate(county_user)
    assert api.get(f"{S}{sessions['county'].pk}/").json()["township_name"] is None
    assert api.get(f"/api/v1/training/enrollments/{enrollment.pk}/").json()["village_name"] is None
    components = api.get("/api/schema/?format=json").json()["components"]["schemas"]
    assert components["Session"]["properties"]["township_name"]["nullable"] is True
    assert components["Enrollment"]["properties"]["village_name"]["nullable"] is True


def test_session_page_shows_the_year_error_instead_of_a_500(client, county_user, sessions):
    client.force_login(county_user)
    response = client.get("/training/?year=0")
    assert response.status_code == 200
    html = response.content.decode()
    assert "筛选条件有误" in html and "“年度”不能小于2000。" in html
    assert list(response.context["rows"]) == []
