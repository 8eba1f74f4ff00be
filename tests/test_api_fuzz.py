"""Schema fuzzing of the whole API (schemathesis, in-process against the Django WSGI app).

Every operation of the OpenAPI schema (drf-spectacular) is called with generated parameters and
bodies — valid ones and deliberately invalid ones (out-of-range numbers, wrong types, huge ids) —
as county staff and as a township clerk (token auth). Each response must be no server error, have
a status code and a content type the schema documents for the operation, and a body that conforms
to the documented schema. Writes run too, inside the test's database transaction (rolled back).

Deterministic (``derandomize``) and bounded: a few examples per operation, so the whole file runs
in well under three minutes on SQLite (about a minute: ~4,700 requests over 91 operations × 2 personas).

Survey mode: ``TOUYAN_FUZZ_LOG=/tmp/fuzz.jsonl pytest tests/test_api_fuzz.py`` logs every request
(operation, URL, status, failed checks) as JSON lines and lets every failure pass, for counting.
"""

from __future__ import annotations

import datetime
import json
import os
from urllib.parse import urlencode

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cadres import choices
from cadres import services as cadre_services
from config.wsgi import application

from .assessments.factories import CampaignFactory, ReviewFactory
from .factories import AppointmentFactory, FirstSecretaryFactory, PersonFactory, TownshipFactory, UserFactory, VillageFactory
from .reserves.factories import ReserveCandidateFactory
from .subsidies.factories import LedgerEntryFactory, PayAccountFactory, PayPeriodFactory
from .training.factories import EducationUpgradeFactory, EnrollmentFactory, TrainingSessionFactory

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MAX_EXAMPLES = 6
FUZZ_LOG = os.environ.get("TOUYAN_FUZZ_LOG")

# Ids of the objects the current test created: half of the path parameters address one of them.
EXISTING_IDS: list[int] = []


def _openapi_document() -> dict:
    """The schema /api/schema/ serves, built in-process (no request, no permission check)."""
    generator = SchemaGenerator()
    return json.loads(OpenApiJsonRenderer().render(generator.get_schema(request=None, public=True)))


schema = schemathesis.openapi.from_dict(
    _openapi_document(),
    config=schemathesis.Config.from_dict(
        {
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
            # Coverage phase (boundary values of every parameter: 0, huge, wrong types, missing) for
            # the reads; writes get the fuzzing phase only, which keeps the run within minutes.
            "phases": {"stateful": {"enabled": False}, "coverage": {"unexpected-methods": []}},
            "operations": [{"include-method": ["POST", "PUT", "PATCH", "DELETE"], "phases": {"coverage": {"enabled": False}}}],
        }
    ),
)
schema.app = application


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Half of the cases address an object that exists (in or out of the persona's scope)."""
    if "id" not in (path_parameters or {}) or not EXISTING_IDS:
        return st.just(path_parameters)
    return st.one_of(st.just(path_parameters), st.sampled_from(list(EXISTING_IDS)).map(lambda pk: {**path_parameters, "id": pk}))


@pytest.fixture
def county_data(township_a, township_b, village_a, village_b, county_user):
    """A little of everything, in both townships, so that ids of real objects are fuzzed too."""
    objects: dict[str, list[int]] = {}
    for village in (village_a, village_b):
        person = PersonFactory()
        objects.setdefault("people", []).append(person.pk)
        appointment = AppointmentFactory(person=person, village=village)
        objects.setdefault("appointments", []).append(appointment.pk)
        objects.setdefault("first_secretaries", []).append(FirstSecretaryFactory(village=village).pk)
        candidate = ReserveCandidateFactory(village=village, pooled=True)
        objects.setdefault("candidates", []).append(candidate.pk)
        objects.setdefault("reviews_q", []).append(candidate.qualification_review_id)
        session = TrainingSessionFactory(township=village.township, level="township")
        objects.setdefault("sessions", []).append(session.pk)
        enrollment = EnrollmentFactory(session=session, person=person, township=village.township, village=village)
        objects.setdefault("enrollments", []).append(enrollment.pk)
        objects.setdefault("upgrades", []).append(EducationUpgradeFactory(person=person, township=village.township).pk)
        objects.setdefault("reviews", []).append(ReviewFactory(person=person, village=village).pk)
        member = cadre_services.family_member_create(person=person, by=county_user, relation="妻子", name="王芳")
        objects.setdefault("family_members", []).append(member.pk)
        line = cadre_services.resume_entry_create(
            person=person, by=county_user, start_date=datetime.date(2015, 3, 1), text="任村党支部书记"
        )
        objects.setdefault("resume_entries", []).append(line.pk)
        LedgerEntryFactory(person=person, village=village, created_by=county_user)
        PayAccountFactory(person=person)
    objects.setdefault("sessions", []).append(TrainingSessionFactory().pk)
    CampaignFactory()
    PayPeriodFactory(code="2025")
    TownshipFactory(name="丙镇", code="430122300")
    VillageFactory(township=township_a, name="甲二村", code="430122100002")
    return objects


@pytest.fixture(params=["county", "clerk"])
def token_headers(request, settings, county_data, township_a):
    settings.SECURE_SSL_REDIRECT = False
    settings.ALLOWED_HOSTS = ["localhost"]
    # Like Django's test client: the requests share the test's connection and transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    request.addfinalizer(lambda: signals.request_started.connect(close_old_connections))
    request.addfinalizer(lambda: signals.request_finished.connect(close_old_connections))
    EXISTING_IDS[:] = sorted({pk for pks in county_data.values() for pk in pks})
    request.addfinalizer(EXISTING_IDS.clear)
    if request.param == "county":
        user = UserFactory(username="fuzz_county", role=choices.Role.COUNTY)
    else:
        user = UserFactory(username="fuzz_clerk", role=choices.Role.CLERK, township=township_a)
    return {"Authorization": f"Token {Token.objects.create(user=user).key}"}


@schema.parametrize()
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case, token_headers):
    response = case.call(headers=token_headers)
    if not FUZZ_LOG:
        case.validate_response(response, checks=CHECKS)
        return
    # Survey mode (TOUYAN_FUZZ_LOG=path): every request and every failure is logged, none stops the run.
    try:
        case.validate_response(response, checks=CHECKS)
        failures = []
    except FailureGroup as group:
        failures = [type(f).__name__ for f in group.exceptions]
    except Exception as exc:  # a single failure is raised as itself
        failures = [type(exc).__name__]
    with open(FUZZ_LOG, "a", encoding="utf-8") as log:
        row = {"op": f"{case.method} {case.operation.path}", "status": response.status_code, "failures": failures}
        row["url"] = case.formatted_path + ("?" + urlencode(case.query or {}, doseq=True) if case.query else "")
        log.write(json.dumps(row, ensure_ascii=False) + "\n")
