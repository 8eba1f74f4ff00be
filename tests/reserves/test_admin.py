"""Admin of the reserve pool: export only, pipeline fields read-only, history not revertible."""

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

from reserves.choices import Status
from reserves.models import ReserveCandidate

from .factories import ReserveCandidateFactory

pytestmark = pytest.mark.django_db

PIPELINE = {
    "status",
    "surveyed_on",
    "qualification_review",
    "appointment",
    "closed_on",
    "exit_reason",
    "adjustment_proposed_on",
    "adjustment_note",
}


def _admin():
    return site._registry[ReserveCandidate]


def test_change_form_has_no_pipeline_fields(admin_user, village_a):
    candidate = ReserveCandidateFactory(village=village_a)
    request = RequestFactory().get("/")
    request.user = admin_user
    form = _admin().get_form(request, candidate)
    assert set(_admin().get_readonly_fields(request, candidate)) >= PIPELINE
    assert set(form.base_fields) == {"note"}  # identity, policy codes and pipeline go through the services


def test_change_page_shows_status_read_only_and_add_is_refused(client, admin_user, village_a):
    candidate = ReserveCandidateFactory(village=village_a)
    client.force_login(admin_user)
    page = client.get(reverse("admin:reserves_reservecandidate_change", args=[candidate.pk]))
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode() and "村级摸底" in page.content.decode()
    assert client.get(reverse("admin:reserves_reservecandidate_add")).status_code == 403


def test_history_revert_is_refused(client, admin_user, village_a, clerk_a):
    from reserves import services

    candidate = ReserveCandidateFactory(village=village_a)
    services.reserve_nominate(candidate=candidate, by=clerk_a)
    services.reserve_exit(candidate=candidate, by=admin_user, reason="voluntary")
    nominated = candidate.history.get(status=Status.NOMINATED)
    client.force_login(admin_user)
    url = reverse("admin:reserves_reservecandidate_simple_history", args=[candidate.pk, nominated.history_id])
    assert client.get(url).status_code == 200
    assert client.post(url, {"person": candidate.person_id, "village": village_a.pk, "cohort": 2026}).status_code == 403
    candidate.refresh_from_db()
    assert candidate.status == Status.EXITED


def test_admin_offers_export_but_no_import(client, admin_user, village_a):
    ReserveCandidateFactory(village=village_a, person__name="导出人")
    client.force_login(admin_user)
    html = client.get(reverse("admin:reserves_reservecandidate_changelist")).content.decode()
    assert reverse("admin:reserves_reservecandidate_export") in html
    for name in ("reservecandidate", "mentorship", "practicepost", "appraisal", "partystagerecord"):
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:reserves_{name}_import")


def test_note_is_saved_and_status_cannot_be_posted(client, admin_user, village_a):
    candidate = ReserveCandidateFactory(village=village_a)
    client.force_login(admin_user)
    url = reverse("admin:reserves_reservecandidate_change", args=[candidate.pk])
    management = {
        f"{prefix}-{key}": "0"
        for prefix in ("events", "mentorships", "practice_posts", "appraisals", "party_stages")
        for key in ("TOTAL_FORMS", "INITIAL_FORMS")
    }  # what the browser sends for the (view-only, empty) inlines
    response = client.post(url, {**management, "note": "县里重点培养", "status": Status.POOLED, "cohort": 2030})
    assert response.status_code == 302, response.content.decode()[:2000]
    candidate.refresh_from_db()
    assert (candidate.note, candidate.status, candidate.cohort) == ("县里重点培养", Status.SURVEYED, 2026)
    assert candidate.history.first().history_user == admin_user


def test_development_records_are_view_only(client, admin_user, village_a):
    import datetime

    from reserves.models import Mentorship

    candidate = ReserveCandidateFactory(village=village_a)
    m = Mentorship.objects.create(
        candidate=candidate,
        mentor_type="contact_cadre",
        mentor_type_name="包村干部",
        mentor_name="导师",
        start_date=datetime.date(2025, 1, 1),
    )
    client.force_login(admin_user)
    for name in ("mentorship", "practicepost", "appraisal", "partystagerecord", "reserveevent"):
        assert client.get(reverse(f"admin:reserves_{name}_add")).status_code == 403, name
        assert client.get(reverse(f"admin:reserves_{name}_changelist")).status_code == 200, name
    page = client.get(reverse("admin:reserves_mentorship_change", args=[m.pk]))
    assert page.status_code == 200 and 'name="mentor_name"' not in page.content.decode()
    assert client.post(reverse("admin:reserves_mentorship_change", args=[m.pk]), {"mentor_name": "改"}).status_code == 403
    assert client.post(reverse("admin:reserves_mentorship_delete", args=[m.pk]), {"post": "yes"}).status_code == 403
    m.refresh_from_db()
    assert m.mentor_name == "导师"
