"""Imports on the Celery worker: the same result as in-process, and never half-applied."""

import datetime
import time

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from cadres.models import Appointment, ImportBatch, Person
from core.imports.batches import (
    batch_progress,
    import_batch_apply,
    import_batch_create,
    import_batch_preview,
    retry_allowed,
)
from core.imports.pipeline import get_sheet_type
from core.imports.tasks import import_batch_apply_task, import_batch_preview_task

from .sheet_files import roster_xlsx
from .test_imports import LI, WANG


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_preview_and_apply_run_on_the_worker(clerk_a, village_a):
    batch = import_batch_create(by=clerk_a, sheet_type="cadres", filename="花名册.xlsx", data=roster_xlsx([LI, WANG]))
    assert import_batch_preview_task.delay(batch.pk).get(timeout=60) == ImportBatch.Status.PREVIEWED
    assert import_batch_apply_task.delay(batch.pk, clerk_a.pk).get(timeout=60) == ImportBatch.Status.APPLIED
    batch.refresh_from_db()
    assert batch.counts["created"] == 2
    assert set(Person.objects.values_list("name", flat=True)) == {"李建国", "王芳"}


def test_a_crash_in_the_middle_of_apply_leaves_nothing_written(clerk_a, village_a, monkeypatch):
    batch = import_batch_preview(
        batch=import_batch_create(by=clerk_a, sheet_type="cadres", filename="花名册.xlsx", data=roster_xlsx([LI, WANG]))
    )
    st = get_sheet_type("cadres")
    real_apply = type(st).apply

    def apply_then_die(self, rows, ctx, *, batch):
        real_apply(self, rows, ctx, batch=batch)  # people and posts are written …
        assert Person.objects.count() == 2
        raise RuntimeError("worker killed")  # … and then the worker dies

    monkeypatch.setattr(type(st), "apply", apply_then_die)
    with pytest.raises(RuntimeError):
        import_batch_apply(batch=batch, by=clerk_a)
    assert Person.objects.count() == 0
    assert Appointment.objects.count() == 0
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    monkeypatch.undo()
    assert import_batch_apply(batch=batch, by=clerk_a).status == ImportBatch.Status.APPLIED  # a retry succeeds
    assert Person.objects.count() == 2


# --- progress outside the apply transaction; retry of failed or stuck batches -----------------


def _previewed(user):
    return import_batch_preview(
        batch=import_batch_create(by=user, sheet_type="cadres", filename="花名册.xlsx", data=roster_xlsx([LI, WANG]))
    )


def test_apply_progress_is_visible_while_the_apply_transaction_is_open(client, clerk_a, village_a, monkeypatch):
    """The cached plan is applied without re-reading the file; the page still shows real progress."""
    batch = _previewed(clerk_a)
    client.force_login(clerk_a)
    st = get_sheet_type("cadres")
    real_apply = type(st).apply
    seen = {}

    def apply_and_look(self, rows, ctx, *, batch):
        seen["before"] = batch_progress(batch)["done"]
        seen["page"] = client.get(reverse("core:import_detail", args=[batch.pk]), headers={"HX-Request": "true"})
        result = real_apply(self, rows, ctx, batch=batch)
        seen["after"] = batch_progress(batch)["done"]
        return result

    monkeypatch.setattr(type(st), "apply", apply_and_look)
    import_batch_apply(batch=batch, by=clerk_a)
    assert seen["before"] == 40 and seen["after"] == 100
    page = seen["page"].content.decode()
    assert "正在写入数据" in page and "width: 40%" in page and 'hx-trigger="every 1s"' in page
    assert "HX-Refresh" not in seen["page"].headers
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED and batch_progress(batch) is None
    done = client.get(reverse("core:import_detail", args=[batch.pk]), headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true" and "hx-trigger" not in done.content.decode()  # polling stops


def test_import_tasks_survive_a_lost_worker():
    for task in (import_batch_preview_task, import_batch_apply_task):
        assert task.acks_late is True
        assert task.reject_on_worker_lost is True


def test_a_redelivered_apply_of_an_applied_batch_writes_nothing(clerk_a, village_a):
    batch = import_batch_apply(batch=_previewed(clerk_a), by=clerk_a)
    snapshot = (Person.objects.count(), Appointment.objects.count(), Person.history.count())
    assert import_batch_apply_task.delay(batch.pk, clerk_a.pk).get() == ImportBatch.Status.APPLIED
    assert import_batch_preview_task.delay(batch.pk).get() == ImportBatch.Status.APPLIED
    assert (Person.objects.count(), Appointment.objects.count(), Person.history.count()) == snapshot


def _stick(batch, status, *, seconds_ago):
    """The batch's job started and last beat ``seconds_ago`` (in the row and in the cache)."""
    beat = timezone.now() - datetime.timedelta(seconds=seconds_ago)
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=status, queued_at=beat - datetime.timedelta(seconds=1), heartbeat_at=beat
    )
    cache.set(f"touyan:import-progress:{batch.pk}", {"done": 40, "total": 100, "at": time.time() - seconds_ago})


def test_a_live_apply_is_left_alone_and_cannot_be_retried(client, clerk_a, village_a):
    batch = _previewed(clerk_a)
    client.force_login(clerk_a)
    url = reverse("core:import_detail", args=[batch.pk])
    _stick(batch, ImportBatch.Status.APPLYING, seconds_ago=10)  # beat 10 s ago: alive
    page = client.get(url).content.decode()
    assert "正在写入数据" in page and "> 重试</button>" not in page
    client.post(url, {"action": "retry"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLYING and Person.objects.count() == 0


def test_an_apply_whose_worker_died_is_interrupted_when_its_page_is_opened_and_retried_at_once(client, clerk_a, village_a):
    batch = _previewed(clerk_a)
    client.force_login(clerk_a)
    url = reverse("core:import_detail", args=[batch.pk])
    _stick(batch, ImportBatch.Status.APPLYING, seconds_ago=45)  # silent for longer than IMPORT_STUCK_SECONDS (30)
    page = client.get(url).content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.INTERRUPTED and Person.objects.count() == 0
    assert "已中断" in page and "未写入任何数据" in page and "> 重试</button>" in page
    assert 'hx-trigger="every 1s"' not in page  # nothing runs: the page stops polling
    client.post(url, {"action": "retry"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED and Person.objects.count() == 2


def test_a_preview_whose_worker_died_is_resumed_when_its_page_is_opened(
    client, clerk_a, village_a, django_capture_on_commit_callbacks
):
    batch = _previewed(clerk_a)
    ImportBatch.objects.filter(pk=batch.pk).update(summary={}, counts={})
    client.force_login(clerk_a)
    _stick(batch, ImportBatch.Status.PREVIEWING, seconds_ago=45)
    with django_capture_on_commit_callbacks(execute=True):  # the preview is queued again (eager here)
        client.get(reverse("core:import_detail", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED and batch.counts["created"] == 2
    assert Person.objects.count() == 0


def test_a_failed_batch_can_be_retried_by_county_staff_but_not_by_another_clerk(client, clerk_a, clerk_b, county_user, village_a):
    batch = _previewed(clerk_a)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED)
    batch.refresh_from_db()
    assert retry_allowed(clerk_a, batch) and retry_allowed(county_user, batch)
    assert not retry_allowed(clerk_b, batch)
    client.force_login(county_user)
    url = reverse("core:import_detail", args=[batch.pk])
    assert "> 重试</button>" in client.get(url).content.decode()
    client.post(url, {"action": "retry"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED and batch.applied_by == county_user
    assert Person.objects.count() == 2
    client.force_login(clerk_b)
    assert client.post(url, {"action": "retry"}).status_code == 404  # another township's batch
