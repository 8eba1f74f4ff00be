"""Celery tasks of the import pipeline: thin wrappers over core.imports.batches, taking ids.

The preview and apply tasks keep the names they were registered under before the frame moved out
of the register app, so messages already queued (and any saved beat schedule) still find them.
"""

from celery import shared_task
from django.core.exceptions import ValidationError

from core.conf import import_batch_model, user_model

# acks_late + reject_on_worker_lost (the task_reject_on_worker_lost setting, per task): a worker
# killed mid-task (OOM, deploy) leaves the message on the broker for another worker instead of
# losing it. All are safe to run twice: the preview only rewrites the batch's own summary (and
# is skipped once the batch moved on), the apply and the undo are one transaction each that do
# nothing for a batch already applied / undone. A job that died is also found by the watch
# (Celery beat, twice a minute): a preview is queued again, an apply or undo is marked 已中断 / back to 已导入.
IMPORT_TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="cadres.tasks.import_batch_preview_task", **IMPORT_TASK_OPTIONS)
def import_batch_preview_task(batch_id: int) -> str:
    from .batches import import_batch_preview

    return import_batch_preview(batch=import_batch_model().objects.get(pk=batch_id)).status


@shared_task(name="cadres.tasks.import_batch_apply_task", **IMPORT_TASK_OPTIONS)
def import_batch_apply_task(batch_id: int, user_id: int) -> str:
    """Nothing is half-written if the worker dies: the apply is one transaction."""
    from .batches import import_batch_apply

    batch = import_batch_model().objects.get(pk=batch_id)
    return import_batch_apply(batch=batch, by=user_model().objects.get(pk=user_id)).status


@shared_task(name="core.imports.tasks.import_batch_rollback_task", **IMPORT_TASK_OPTIONS)
def import_batch_rollback_task(batch_id: int, user_id: int) -> str:
    """Undo an import (one transaction). A refusal (rows changed since) is the batch's message."""
    from .batches import import_batch_rollback

    batch = import_batch_model().objects.get(pk=batch_id)
    try:
        return import_batch_rollback(batch=batch, by=user_model().objects.get(pk=user_id)).status
    except ValidationError:
        return import_batch_model().objects.filter(pk=batch_id).values_list("status", flat=True).get()


@shared_task(name="core.imports.tasks.import_batches_watch_task")
def import_batches_watch_task() -> dict:
    """Twice a minute (Celery beat): no batch is left running after its job died."""
    from .batches import import_batches_watch

    return import_batches_watch()
