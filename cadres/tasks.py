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


@shared_task(name="cadres.tasks.import_batch_preview_task")
def import_batch_preview_task(batch_id: int) -> str:
    from .models import ImportBatch
    from .spreadsheets.batches import import_batch_preview

    return import_batch_preview(batch=ImportBatch.objects.get(pk=batch_id)).status


@shared_task(name="cadres.tasks.import_batch_apply_task", acks_late=True)
def import_batch_apply_task(batch_id: int, user_id: int) -> str:
    """acks_late: a worker that dies mid-apply leaves the message for another worker; the apply
    itself is one transaction, so nothing is half-written, and re-running it is idempotent."""
    from .models import ImportBatch, User
    from .spreadsheets.batches import import_batch_apply

    return import_batch_apply(batch=ImportBatch.objects.get(pk=batch_id), by=User.objects.get(pk=user_id)).status
