"""Session codes: allocated per year in order; a clash with a concurrent allocation is retried
in a savepoint instead of failing the request."""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from training import services
from training.models import TrainingSession

from .factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db
D = datetime.date

SESSION = {
    "title": "全县书记轮训班",
    "level": "county",
    "kind": "rotation",
    "organiser": "县委党校",
    "start_date": D(2025, 3, 3),
    "end_date": D(2025, 3, 5),
}


def _stale(*codes):
    """_next_code answering with codes another request already took, then the real one."""
    real = services._next_code
    pending = list(codes)
    return mock.patch.object(services, "_next_code", side_effect=lambda year: pending.pop(0) if pending else real(year))


def test_codes_follow_the_highest_number_of_the_year(county_user):
    TrainingSessionFactory(code="PX2025-999")
    TrainingSessionFactory(code="PX2024-1200")
    assert services.session_create(by=county_user, **SESSION).code == "PX2025-1000"
    assert services.session_create(by=county_user, **SESSION).code == "PX2025-1001"
    assert services.session_create(by=county_user, **SESSION | {"start_date": D(2026, 1, 5), "end_date": D(2026, 1, 5)}).code == (
        "PX2026-001"
    )


def test_a_code_clash_is_retried(county_user):
    TrainingSessionFactory(code="PX2025-001")
    with _stale("PX2025-001"):
        session = services.session_create(by=county_user, **SESSION)
    assert session.code == "PX2025-002"
    assert TrainingSession.objects.count() == 2
    assert session.history.get().history_user == county_user


def test_endless_clashes_give_a_field_error_and_write_nothing(county_user):
    TrainingSessionFactory(code="PX2025-001")
    with _stale(*["PX2025-001"] * services.CODE_ATTEMPTS), pytest.raises(ValidationError) as exc:
        services.session_create(by=county_user, **SESSION)
    assert "请稍后重新提交" in exc.value.message_dict["title"][0]
    assert TrainingSession.objects.count() == 1


def test_the_create_page_survives_a_clash(client, county_user):
    TrainingSessionFactory(code="PX2025-001")
    client.force_login(county_user)
    data = {k: v.isoformat() if isinstance(v, D) else v for k, v in SESSION.items()}
    with _stale("PX2025-001"):
        response = client.post(reverse("training:session_create"), data)
    created = TrainingSession.objects.get(title="全县书记轮训班", code="PX2025-002")
    assert response.status_code == 302 and response.url == reverse("training:session_detail", args=[created.pk])
