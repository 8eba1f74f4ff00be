"""Every door of the reserve pool from the wrong township: 404 like a missing row, nothing written.

UI (list, detail, every action), ledgers (exports), API (list, detail, actions, create, coverage)
and the 后备干部花名册 import. Auditors read everything and write nothing.
"""

import io

import openpyxl
import pytest
from django.urls import reverse

from cadres.models import Person
from core.imports.pipeline import build_preview, get_sheet_type
from reserves.models import Appraisal, Mentorship, PartyStageRecord, PracticePost, ReserveCandidate, ReserveEvent

from .factories import ReserveCandidateFactory
from .test_sheets import HEADER, roster

pytestmark = pytest.mark.django_db


@pytest.fixture
def world_b(clerk_b, village_b):
    candidate = ReserveCandidateFactory(village=village_b, person__name="乙后备", pooled=True)
    mentorship = Mentorship.objects.create(
        candidate=candidate,
        mentor_type="contact_cadre",
        mentor_type_name="包村干部",
        mentor_name="乙导师",
        start_date="2025-01-01",
    )
    practice = PracticePost.objects.create(
        candidate=candidate, post="group_leader", post_name="村民小组长", start_date="2025-01-01"
    )
    surveyed = ReserveCandidateFactory(village=village_b, person__name="乙摸底")
    return {"candidate": candidate, "surveyed": surveyed, "mentorship": mentorship, "practice": practice, "village": village_b}


def _snapshot():
    return (
        list(
            ReserveCandidate.objects.values_list("id", "status", "closed_on", "exit_reason", "adjustment_proposed_on").order_by(
                "id"
            )
        ),
        ReserveEvent.objects.count(),
        list(Mentorship.objects.values_list("id", "end_date").order_by("id")),
        list(PracticePost.objects.values_list("id", "end_date", "assessment").order_by("id")),
        Appraisal.objects.count(),
        PartyStageRecord.objects.count(),
    )


def _ui_doors(w):
    c, s = w["candidate"], w["surveyed"]
    return [
        (reverse("reserves:candidate_detail", args=[c.pk]), None),
        (reverse("reserves:candidate_nominate", args=[s.pk]), {"nominate-note": "x"}),
        (reverse("reserves:candidate_review", args=[s.pk]), {}),
        (reverse("reserves:candidate_pool", args=[c.pk]), {}),
        (reverse("reserves:candidate_appoint", args=[c.pk]), {"appoint-start_date": "2025-06-01", "appoint-post": "chair"}),
        (reverse("reserves:candidate_exit", args=[c.pk]), {"exit-reason": "voluntary"}),
        (
            reverse("reserves:mentorship_add", args=[c.pk]),
            {"mentor-mentor_type": "contact_cadre", "mentor-mentor_name": "某", "mentor-start_date": "2025-01-01"},
        ),
        (
            reverse("reserves:mentorship_end", args=[c.pk, w["mentorship"].pk]),
            {f"mentor_end-{w['mentorship'].pk}-end_date": "2025-06-01"},
        ),
        (
            reverse("reserves:practice_post_add", args=[c.pk]),
            {"practice-post": "committee_member", "practice-start_date": "2025-01-01"},
        ),
        (
            reverse("reserves:practice_post_assess", args=[c.pk, w["practice"].pk]),
            {f"practice_assess-{w['practice'].pk}-assessment": "好"},
        ),
        (reverse("reserves:appraisal_add", args=[c.pk]), {"appraisal-year": "2025", "appraisal-result": "poor"}),
        (reverse("reserves:party_stage_add", args=[c.pk]), {"party-stage": "applicant", "party-date": "2025-01-01"}),
        (reverse("reserves:ledger_township", args=[w["village"].township_id]), None),
        (reverse("reserves:ledger_village", args=[w["village"].pk]), None),
        (reverse("cadres:person_detail", args=[c.person_id]), None),
    ]


def test_clerk_a_gets_404_at_every_door_of_township_b(client, clerk_a, world_b):
    before = _snapshot()
    client.force_login(clerk_a)
    for url, data in _ui_doors(world_b):
        response = client.get(url) if data is None else client.post(url, data)
        assert response.status_code == 404, url
    assert _snapshot() == before


def test_clerk_b_opens_the_same_doors(client, clerk_b, world_b):
    client.force_login(clerk_b)
    for url, data in _ui_doors(world_b):
        if data is None:
            assert client.get(url).status_code == 200, url
    # the person page is reachable through the reserve link alone (no appointment, other registration)
    assert Person.objects.get(name="乙后备").registered_township_id is None


def test_lists_coverage_and_structure_never_show_other_townships(client, clerk_a, village_a, world_b):
    ReserveCandidateFactory(village=village_a, person__name="甲后备", pooled=True)
    client.force_login(clerk_a)
    html = client.get(reverse("reserves:candidate_list")).content.decode()
    assert "甲后备" in html and "乙后备" not in html and "乙摸底" not in html
    html = client.get(reverse("reserves:candidate_list") + f"?village={world_b['village'].pk}").content.decode()
    assert "乙后备" not in html
    coverage = client.get(reverse("reserves:coverage")).context
    assert [v.name for v in coverage["villages"]] == ["甲一村"] and coverage["county"]["members"] == 1
    assert client.get(reverse("reserves:structure")).context["total"] == 1


def test_county_ledger_export_holds_only_the_clerks_township(client, clerk_a, village_a, world_b):
    ReserveCandidateFactory(village=village_a, person__name="甲后备")
    client.force_login(clerk_a)
    response = client.get(reverse("reserves:ledger_county"))
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    names = [row[2] for row in ws.iter_rows(min_row=3, values_only=True)]
    assert names == ["甲后备"]


def test_api_doors_from_the_wrong_township(client, clerk_a, world_b, village_b, township_a):
    from ..factories import PersonFactory

    before = _snapshot()
    client.force_login(clerk_a)
    base = "/api/v1/reserves/candidates/"
    assert client.get(base).json()["count"] == 0
    c, s = world_b["candidate"], world_b["surveyed"]
    assert client.get(f"{base}{c.pk}/").status_code == 404
    for url, data in [
        (f"{base}{s.pk}/nominate/", {}),
        (f"{base}{c.pk}/exit/", {"reason": "voluntary"}),
        (f"{base}{c.pk}/mentorships/", {"mentor_type": "contact_cadre", "mentor_name": "某", "start_date": "2025-01-01"}),
        (f"{base}{c.pk}/practice-posts/", {"post": "committee_member", "start_date": "2025-01-01"}),
        (f"{base}{c.pk}/appraisals/", {"year": 2025, "result": "poor"}),
        (f"{base}{c.pk}/party-stages/", {"stage": "applicant", "date": "2025-01-01"}),
    ]:
        assert client.post(url, data, content_type="application/json").status_code == 404, url
    mine = PersonFactory(registered_township=township_a)
    response = client.post(
        base,
        {"person": mine.pk, "village": village_b.pk, "cohort": 2026, "source": "veteran", "intended_post": "chair"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "village" in response.json()
    assert [v["name"] for v in client.get("/api/v1/reserves/coverage/").json()["villages"]] == []
    assert _snapshot() == before


def test_import_from_the_wrong_township_writes_nothing(clerk_a, village_a, village_b):
    data = roster(
        [
            [
                "乙镇",
                "乙一村",
                "钱进",
                "男",
                "汉族",
                "1996.08",
                "430122199608120014",
                "群众",
                "大专",
                "",
                "返乡大学生",
                "委员",
                2026,
                "",
                "",
            ]
        ]
    )
    preview = build_preview(data, get_sheet_type("reserves"), user=clerk_a, township=None)
    assert not preview.ok
    assert any(
        "乙镇" in m or "本次导入只能导入甲镇" in m or "不在您的数据范围内" in m
        for m in preview.messages(get_sheet_type("reserves"))
    )
    assert ReserveCandidate.objects.count() == 0 and Person.objects.count() == 0
    assert HEADER[0] == "乡镇"


def test_auditor_reads_everything_and_writes_nothing(client, auditor, world_b):
    before = _snapshot()
    client.force_login(auditor)
    assert client.get(reverse("reserves:candidate_list")).context["page_obj"].paginator.count == 2
    assert client.get(reverse("reserves:candidate_detail", args=[world_b["candidate"].pk])).status_code == 200
    for url, data in _ui_doors(world_b):
        if data is not None:
            assert client.post(url, data).status_code == 403, url
    c = world_b["candidate"]
    assert (
        client.post(
            f"/api/v1/reserves/candidates/{c.pk}/exit/", {"reason": "voluntary"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert client.get(reverse("reserves:candidate_create")).status_code == 403
    assert _snapshot() == before
