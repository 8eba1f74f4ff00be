"""Training API: session update and the education-upgrade actions (graduate, withdraw, subsidies),
thin calls to the services with the same scope (404 across townships) and roles (403)."""

import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from training.choices import Level, UpgradeStatus
from training.models import EducationUpgrade, TrainingSession

from ..factories import AppointmentFactory
from .factories import EducationUpgradeFactory, TrainingSessionFactory

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
