"""Celery tasks: thin wrappers over services, taking plain values, idempotent."""

import datetime

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="cadres.tasks.first_secretary_terms_expire_task")
def first_secretary_terms_expire_task(on: str | None = None) -> int:
    """Daily (Celery beat): mark first-secretary postings past their term as expired."""
    day = datetime.date.fromisoformat(on) if on else timezone.localdate()
    return services.first_secretary_terms_expire(on=day)


@shared_task(name="cadres.tasks.dashboard_warm_task")
def dashboard_warm_task(on: str | None = None) -> int:
    """Daily, early morning (Celery beat): precompute the home page of every scope."""
    from .dashboard import dashboard_warm

    return dashboard_warm(today=datetime.date.fromisoformat(on) if on else None)


# acks_late + reject_on_worker_lost (the task_reject_on_worker_lost setting, per task): a worker
# killed mid-task (OOM, deploy) leaves the message on the broker for another worker instead of
# losing it. Both are safe to run twice: the preview only rewrites the batch's own summary (and
# is skipped once the batch moved on), the apply is one transaction that does nothing for a batch
# already applied.
IMPORT_TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="cadres.tasks.import_batch_preview_task", **IMPORT_TASK_OPTIONS)
def import_batch_preview_task(batch_id: int) -> str:
    from .models import ImportBatch
    from .spreadsheets.batches import import_batch_preview

    return import_batch_preview(batch=ImportBatch.objects.get(pk=batch_id)).status


@shared_task(name="cadres.tasks.import_batch_apply_task", **IMPORT_TASK_OPTIONS)
def import_batch_apply_task(batch_id: int, user_id: int) -> str:
    """Nothing is half-written if the worker dies: the apply is one transaction."""
    from .models import ImportBatch, User
    from .spreadsheets.batches import import_batch_apply

    return import_batch_apply(batch=ImportBatch.objects.get(pk=batch_id), by=User.objects.get(pk=user_id)).status


@shared_task(name="cadres.tasks.dashboard_refresh_task")
def dashboard_refresh_task(user_id: int, township_id: int | None = None, on: str | None = None) -> bool:
    """Queued by the home page when its data changed: compute the scope's current parts."""
    from django.http import Http404

    from .dashboard import dashboard_refresh
    from .models import User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    try:
        dashboard_refresh(user=user, township_id=township_id, today=datetime.date.fromisoformat(on) if on else None)
    except Http404:  # the drill-down township is gone or out of the user's scope by now
        return False
    return True
