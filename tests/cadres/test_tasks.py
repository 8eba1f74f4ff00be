"""cadres.tasks: the daily first-secretary expiry task is a thin, idempotent wrapper of its service.

The ``celery_worker`` test goes through the broker: in ``.ci/run`` a real worker (Redis broker,
PostgreSQL test database) runs it; without REDIS_URL Celery is eager and it runs in-process.
"""

import datetime

import pytest
from django.db import transaction

from cadres import choices, services
from cadres.models import FirstSecretary
from cadres.tasks import first_secretary_terms_expire_task
from core import dates as core_dates

from ..factories import FirstSecretaryFactory

ON = datetime.date(2026, 6, 1)


def make_postings() -> tuple[FirstSecretary, FirstSecretary, FirstSecretary]:
    ended = FirstSecretaryFactory(term_start=datetime.date(2024, 3, 1), term_end=datetime.date(2026, 3, 1))
    ended_yesterday = FirstSecretaryFactory(term_start=datetime.date(2024, 5, 31), term_end=datetime.date(2026, 5, 31))
    running = FirstSecretaryFactory(term_start=datetime.date(2024, 6, 1), term_end=datetime.date(2026, 6, 1))
    return ended, ended_yesterday, running


def statuses() -> dict[int, str]:
    return dict(FirstSecretary.objects.values_list("id", "status"))


@pytest.mark.django_db
def test_task_returns_what_the_service_returns_and_expires_the_same_postings():
    ended, _, running = make_postings()

    with pytest.raises(RuntimeError), transaction.atomic():  # the service on the same data, rolled back
        expected = services.first_secretary_terms_expire(on=ON)
        expected_statuses = statuses()
        raise RuntimeError

    result = first_secretary_terms_expire_task.apply(kwargs={"on": ON.isoformat()}).get()

    assert result == expected == 2
    assert statuses() == expected_statuses
    ended.refresh_from_db()
    assert ended.status == choices.FirstSecretaryStatus.EXPIRED
    assert ended.ended_on == ended.term_end
    running.refresh_from_db()
    assert running.status == choices.FirstSecretaryStatus.ACTIVE


@pytest.mark.django_db
def test_second_run_of_the_task_changes_nothing():
    make_postings()
    assert first_secretary_terms_expire_task.apply(kwargs={"on": ON.isoformat()}).get() == 2
    before = list(FirstSecretary.objects.order_by("id").values())
    history = FirstSecretary.history.count()

    assert first_secretary_terms_expire_task.apply(kwargs={"on": ON.isoformat()}).get() == 0

    assert list(FirstSecretary.objects.order_by("id").values()) == before
    assert FirstSecretary.history.count() == history


@pytest.mark.django_db
def test_task_without_a_date_uses_today():
    posting = FirstSecretaryFactory(
        term_start=core_dates.today() - datetime.timedelta(days=800),
        term_end=core_dates.today() - datetime.timedelta(days=1),
    )

    assert first_secretary_terms_expire_task.apply().get() == 1

    posting.refresh_from_db()
    assert posting.status == choices.FirstSecretaryStatus.EXPIRED


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_task_sent_through_the_broker_expires_postings_in_the_database():
    ended, ended_yesterday, running = make_postings()

    async_result = first_secretary_terms_expire_task.delay(on=ON.isoformat())

    assert async_result.get(timeout=60) == 2
    assert statuses() == {
        ended.id: choices.FirstSecretaryStatus.EXPIRED,
        ended_yesterday.id: choices.FirstSecretaryStatus.EXPIRED,
        running.id: choices.FirstSecretaryStatus.ACTIVE,
    }
    assert first_secretary_terms_expire_task.delay(on=ON.isoformat()).get(timeout=60) == 0
