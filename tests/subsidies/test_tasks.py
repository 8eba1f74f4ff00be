"""Pay-run tasks: thin, idempotent wrappers over the services.

The ``celery_worker`` test goes through the broker (a real worker in .ci/run with Redis and
PostgreSQL); without REDIS_URL Celery is eager and it runs in-process.
"""

from decimal import Decimal as D

import pytest

from subsidies import services
from subsidies.choices import RunStatus
from subsidies.models import LedgerEntry, PayRun, PayRunLine
from subsidies.tasks import payrun_compute_task, payrun_post_task

from ..factories import AppointmentFactory, TownshipFactory, UserFactory, VillageFactory


def _setup():
    township = TownshipFactory(name="任务镇", code="430122901")
    village = VillageFactory(township=township, code="430122901001")
    AppointmentFactory(village=village)
    AppointmentFactory(village=village, post="deputy_secretary")
    county = UserFactory(username="county_task", role="county")
    run = PayRun.objects.create(
        kind="base_monthly",
        period=services.period_get_or_create(code="2025-03"),
        township=township,
        policy_year=2025,
        created_by=county,
    )
    return run, county


@pytest.mark.django_db
def test_eager_tasks_equal_the_services_and_repeat_harmlessly():
    run, county = _setup()
    assert payrun_compute_task.delay(run_id=run.pk, user_id=county.pk).get() == RunStatus.PREVIEW
    assert payrun_compute_task.delay(run_id=run.pk, user_id=county.pk).get() == RunStatus.PREVIEW
    assert PayRunLine.objects.filter(run=run).count() == 2
    services.payrun_prepare(run=run, by=county)
    approver = UserFactory(username="approver_task", role="county")  # separation of duties
    services.payrun_approve(run=run, by=approver)
    assert payrun_post_task.delay(run_id=run.pk, user_id=approver.pk).get() == RunStatus.APPROVED
    assert payrun_post_task.delay(run_id=run.pk, user_id=approver.pk).get() == RunStatus.APPROVED
    assert LedgerEntry.objects.filter(pay_run=run).total() == D("4050.00")
    assert LedgerEntry.objects.count() == 2


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_tasks_sent_through_the_broker_compute_and_post():
    run, county = _setup()
    # the task queues one task per township and a final step (a chord): the run is ready when
    # the final step has run on the worker, after the task itself has returned
    payrun_compute_task.delay(run_id=run.pk, user_id=county.pk).get(timeout=60)
    run = _wait_for(run, RunStatus.PREVIEW)
    assert run.total_amount == D("4050.00")
    services.payrun_prepare(run=run, by=county)
    approver = UserFactory(username="approver_task", role="county")  # separation of duties
    services.payrun_approve(run=run, by=approver)  # queues the posting (on commit)
    run = _wait_for(run, RunStatus.APPROVED)
    payrun_post_task.delay(run_id=run.pk, user_id=approver.pk).get(timeout=60)  # a second post changes nothing
    assert _wait_for(run, RunStatus.APPROVED).status == RunStatus.APPROVED
    assert LedgerEntry.objects.filter(pay_run=run).total() == D("4050.00")
    assert LedgerEntry.objects.filter(pay_run=run).count() == 2


def _wait_for(run, status, timeout: float = 60):
    """The run once the worker has brought it to ``status`` (fails after ``timeout`` seconds)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        run.refresh_from_db()
        if run.status == status or time.monotonic() > deadline:
            assert run.status == status, run.message
            return run
        time.sleep(0.2)


@pytest.mark.django_db
def test_post_task_refuses_to_post_for_the_account_that_prepared_the_run():
    """The task door: a post job queued for the run's own creator/confirmer writes nothing and
    sends the run back to 乡镇已确认 with the separation-of-duties reason."""
    run, county = _setup()
    payrun_compute_task.delay(run_id=run.pk, user_id=county.pk).get()
    services.payrun_prepare(run=run, by=county)
    approver = UserFactory(username="approver_task", role="county")
    services.payrun_approve(run=run, by=approver)
    assert payrun_post_task.delay(run_id=run.pk, user_id=county.pk).get() == RunStatus.PREPARED
    run.refresh_from_db()
    assert run.status == RunStatus.PREPARED
    assert "职责分离" in run.message and "不能由您本人审批" in run.message
    assert LedgerEntry.objects.count() == 0
