"""Imports on the Celery worker: the same result as in-process, and never half-applied."""

import pytest

from cadres.models import Appointment, ImportBatch, Person
from cadres.spreadsheets.batches import import_batch_apply, import_batch_create, import_batch_preview
from cadres.spreadsheets.pipeline import get_sheet_type
from cadres.tasks import import_batch_apply_task, import_batch_preview_task

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
