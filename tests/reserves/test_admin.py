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
    assert not PIPELINE & set(form.base_fields)
    assert {"person", "village", "cohort", "source", "intended_post"} <= set(form.base_fields)


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
