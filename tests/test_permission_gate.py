"""The one permission gate, core.access.can(user, action, obj): permission (or role) AND the
object inside the user's data scope AND the action's own rule.

A table of (role × action × own-township object / other-township object) → verdict, asserted
through can() and, for the actions with a door, through one page (view) and one API call each:
allowed → the step is done; refused → 403 when the user can see the object, 404 when it is
outside the user's scope (nothing leaks).
"""

import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

import subsidies.tasks  # noqa: F401  (registers the pay-run jobs the services queue)
from cadres import choices
from cadres import services as cadre_services
from cadres.models import Appointment
from core.access import can, refusal, register_action
from reserves.choices import Status as ReserveStatus
from reserves.models import ReserveCandidate
from subsidies import services as pay_services
from subsidies.choices import RunStatus
from subsidies.models import PayRun

from .factories import PersonFactory, UserFactory
from .reserves.factories import ReserveCandidateFactory
from .subsidies.factories import cadre
from .training.factories import EducationUpgradeFactory

pytestmark = pytest.mark.django_db

ROLES = ("county", "clerk", "auditor", "admin")
# action → role → (own township, other township). "Own" is township A (the clerk's).
TABLE = {
    "subsidies.approve_payrun": {"county": (1, 1), "clerk": (0, 0), "auditor": (0, 0), "admin": (1, 1)},
    "subsidies.prepare_payrun": {"county": (1, 1), "clerk": (1, 0), "auditor": (0, 0), "admin": (1, 1)},
    "reserves.maintain": {"county": (1, 1), "clerk": (1, 0), "auditor": (0, 0), "admin": (1, 1)},
    "reserves.decide": {"county": (1, 1), "clerk": (0, 0), "auditor": (0, 0), "admin": (1, 1)},
    "cadres.approve_appointment": {"county": (1, 1), "clerk": (1, 0), "auditor": (0, 0), "admin": (1, 1)},
    "cadres.file_appointment": {"county": (1, 1), "clerk": (0, 0), "auditor": (0, 0), "admin": (1, 1)},
    "training.maintain": {"county": (1, 1), "clerk": (1, 0), "auditor": (0, 0), "admin": (1, 1)},
    "training.grant_subsidy": {"county": (1, 1), "clerk": (0, 0), "auditor": (0, 0), "admin": (1, 1)},
}
CASES = [(action, role, side) for action in TABLE for role in ROLES for side in ("own", "other")]


@pytest.fixture
def run_job(django_capture_on_commit_callbacks):
    """Call a service and run the jobs it queues, like a worker would."""

    def _run(func, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            result = func(**kwargs)
        result.refresh_from_db()
        return result

    return _run


@pytest.fixture
def people(county_user, clerk_a, clerk_b, auditor, admin_user):
    return {"county": county_user, "clerk": clerk_a, "clerk_b": clerk_b, "auditor": auditor, "admin": admin_user}


def _clerk_of(village, people):
    return people["clerk"] if village.township_id == people["clerk"].township_id else people["clerk_b"]


def _payrun(village, people, run_job, *, prepared: bool) -> PayRun:
    clerk = _clerk_of(village, people)
    cadre(village)
    run = run_job(pay_services.payrun_create, by=clerk, kind="base_monthly", period_code="2025-03")
    return pay_services.payrun_prepare(run=run, by=clerk) if prepared else run


def _approved_appointment(village, people) -> Appointment:
    clerk = _clerk_of(village, people)
    person = PersonFactory(born=datetime.date(1982, 8, 9))
    review = cadre_services.qualification_review_request(by=clerk, person=person, village=village, post=choices.SECRETARY)
    for verdict in review.verdicts.all():
        cadre_services.department_verdict_record(verdict=verdict, by=people["county"], result=choices.VettingResult.PASS)
    appointment = cadre_services.appointment_create(
        by=clerk,
        person=person,
        village=village,
        post=choices.SECRETARY,
        start_date=datetime.date(2021, 4, 1),
        cohort=2021,
        qualification_review=review,
    )
    return cadre_services.appointment_township_approve(appointment=appointment, by=clerk, note="同意")


def _object(action, village, people, run_job):
    if action == "subsidies.approve_payrun":
        return _payrun(village, people, run_job, prepared=True)
    if action == "subsidies.prepare_payrun":
        return _payrun(village, people, run_job, prepared=False)
    if action.startswith("reserves."):
        return ReserveCandidateFactory(village=village)
    if action == "cadres.approve_appointment":
        return Appointment.objects.create(
            person=PersonFactory(),
            village=village,
            post="committee_member",
            post_name="村民委员会委员",
            start_date=datetime.date(2021, 4, 1),
            cohort=2021,
            status=choices.FilingStatus.DRAFT,
        )
    if action == "cadres.file_appointment":
        return _approved_appointment(village, people)
    return EducationUpgradeFactory(person=PersonFactory(registered_township=village.township), township=village.township)


@pytest.mark.parametrize(("action", "role", "side"), CASES)
def test_can_answers_the_table(action, role, side, people, village_a, village_b, run_job):
    obj = _object(action, village_a if side == "own" else village_b, people, run_job)
    expected = bool(TABLE[action][role][0 if side == "own" else 1])
    assert can(people[role], action, obj) is expected
    assert (refusal(people[role], action, obj) is None) is expected


# The doors: one page and one API call per action that has them. Each returns (status, done).
def _approve_run_page(client, run):
    r = client.post(reverse("subsidies:run_action", args=[run.pk, "approve"]), {"confirmed": "yes"})
    return r.status_code, PayRun.objects.get(pk=run.pk).status != RunStatus.PREPARED


def _approve_run_api(api, run):
    r = api.post(f"/api/v1/ledger/runs/{run.pk}/approve/")
    return r.status_code, PayRun.objects.get(pk=run.pk).status != RunStatus.PREPARED


def _prepare_run_page(client, run):
    r = client.post(reverse("subsidies:run_action", args=[run.pk, "prepare"]))
    return r.status_code, PayRun.objects.get(pk=run.pk).status == RunStatus.PREPARED


def _prepare_run_api(api, run):
    r = api.post(f"/api/v1/ledger/runs/{run.pk}/prepare/")
    return r.status_code, PayRun.objects.get(pk=run.pk).status == RunStatus.PREPARED


def _nominate_page(client, candidate):
    r = client.post(reverse("reserves:candidate_nominate", args=[candidate.pk]), {"nominate-note": "推荐"})
    return r.status_code, ReserveCandidate.objects.get(pk=candidate.pk).status == ReserveStatus.NOMINATED


def _nominate_api(api, candidate):
    r = api.post(f"/api/v1/reserves/candidates/{candidate.pk}/nominate/", {}, format="json")
    return r.status_code, ReserveCandidate.objects.get(pk=candidate.pk).status == ReserveStatus.NOMINATED


def _file_page(client, appointment):
    r = client.post(reverse("cadres:appointment_file", args=[appointment.pk]), {"file-note": "", "confirmed": "yes"})
    return r.status_code, Appointment.objects.get(pk=appointment.pk).status == choices.FilingStatus.FILED


def _file_api(api, appointment):
    r = api.post(f"/api/v1/appointments/{appointment.pk}/file/", {}, format="json")
    return r.status_code, Appointment.objects.get(pk=appointment.pk).status == choices.FilingStatus.FILED


DOORS = {
    "subsidies.approve_payrun": (_approve_run_page, _approve_run_api),
    "subsidies.prepare_payrun": (_prepare_run_page, _prepare_run_api),
    "reserves.maintain": (_nominate_page, _nominate_api),
    "cadres.file_appointment": (_file_page, _file_api),
}
DOOR_CASES = [(a, r, s, d) for a in DOORS for r in ROLES for s in ("own", "other") for d in ("page", "api")]


@pytest.mark.parametrize(("action", "role", "side", "door"), DOOR_CASES)
def test_each_door_gives_the_tables_verdict(action, role, side, door, people, village_a, village_b, run_job):
    user = people[role]
    obj = _object(action, village_a if side == "own" else village_b, people, run_job)
    expected = bool(TABLE[action][role][0 if side == "own" else 1])
    if door == "page":
        from django.test import Client

        client = Client()
        client.force_login(user)
        status, done = DOORS[action][0](client, obj)
    else:
        api = APIClient()
        api.force_authenticate(user)
        status, done = DOORS[action][1](api, obj)
    visible = user.sees_all_townships or side == "own"
    if expected:
        assert status in (200, 302) and done, status
    else:
        assert status == (403 if visible else 404) and not done, status


def test_an_unregistered_app_codename_is_that_permission_and_unknown_names_fail_loudly(county_user, auditor):
    assert can(county_user, "cadres.change_person") and not can(auditor, "cadres.change_person")
    with pytest.raises(KeyError):
        can(county_user, "no-such-action")


def test_a_rule_refuses_with_its_message_and_the_scope_comes_first(county_user, clerk_a, village_a, village_b):
    register_action("tests.odd_villages", perm="cadres.view_village", rule=lambda u, v: "单号村不可" if v.pk % 2 else None)
    try:
        odd, even = (village_a, village_b) if village_a.pk % 2 else (village_b, village_a)
        assert refusal(county_user, "tests.odd_villages", odd) == "单号村不可"
        assert refusal(county_user, "tests.odd_villages", even) is None
        other = village_b
        assert refusal(clerk_a, "tests.odd_villages", other) == "该记录不在您的数据范围内。"
        assert can(clerk_a, "tests.odd_villages") is True  # without an object: the permission only
    finally:
        from core.access import ACTIONS

        ACTIONS.pop("tests.odd_villages")


def test_inactive_and_anonymous_users_can_nothing(county_user):
    from django.contrib.auth.models import AnonymousUser

    county_user.is_active = False
    assert not can(county_user, "cadres.change_person")
    assert not can(AnonymousUser(), "cadres.change_person")


def test_scope_is_read_off_loaded_relations_without_a_query(clerk_a, village_a, village_b, django_assert_num_queries):
    candidate = ReserveCandidate.objects.select_related("village").get(pk=ReserveCandidateFactory(village=village_a).pk)
    other = ReserveCandidate.objects.select_related("village").get(pk=ReserveCandidateFactory(village=village_b).pk)
    clerk = UserFactory(username="fresh_clerk", role=choices.Role.CLERK, township=village_a.township)
    list(clerk.get_all_permissions())  # load the permission cache first
    with django_assert_num_queries(0):
        assert can(clerk, "reserves.maintain", candidate)
        assert not can(clerk, "reserves.maintain", other)


def test_import_permission_is_asked_at_the_gate(county_user, clerk_a, auditor, monkeypatch):
    """Who may upload which sheet type is the gate's answer (core.access.can), not a has_perm of its own."""
    from core.access import can
    from core.imports import batches
    from core.imports.pipeline import REGISTRY

    roster = REGISTRY["cadres"]
    assert batches.import_allowed(county_user, roster) and batches.import_allowed(clerk_a, roster)
    assert not batches.import_allowed(auditor, roster)  # auditors read only
    asked = []
    monkeypatch.setattr(batches, "can", lambda user, action, obj=None: asked.append(action) or can(user, action, obj))
    assert batches.import_allowed(clerk_a, roster)
    assert asked == ["core.import_sheet", roster.permission]
    # A gate that refuses the sheet type's permission refuses the upload.
    monkeypatch.setattr(batches, "can", lambda user, action, obj=None: action != roster.permission)
    assert not batches.import_allowed(county_user, roster)


def test_no_business_permission_is_asked_outside_the_gate():
    """``user.has_perm(...)`` appears in core/access.py only: every other door asks ``can``."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parent.parent
    skip = {".venv", "node_modules", "tests", "migrations", "static", "bench"}
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if not skip & set(path.relative_to(root).parts)
        and path.relative_to(root).as_posix() != "core/access.py"
        and re.search(r"\.has_perm\(", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
