"""Celery tasks of the frame: the home page's warm-up and background refresh.

Task names keep the ones they had before the frame moved out of the register app (beat schedule,
queued messages)."""

import datetime

from celery import shared_task

from core.conf import user_model
from core.imports.tasks import (  # noqa: F401  (autodiscovery)
    import_batch_apply_task,
    import_batch_preview_task,
    import_batch_rollback_task,
    import_batches_watch_task,
)


@shared_task(name="cadres.tasks.dashboard_warm_task")
def dashboard_warm_task(on: str | None = None) -> int:
    """Daily, early morning (Celery beat): precompute the home page of every scope."""
    from .dashboard import dashboard_warm

    return dashboard_warm(today=datetime.date.fromisoformat(on) if on else None)


@shared_task(name="cadres.tasks.dashboard_refresh_task")
def dashboard_refresh_task(user_id: int, township_id: int | None = None, on: str | None = None) -> bool:
    """Queued by the home page when its data changed: compute the scope's current parts."""
    from django.http import Http404

    from .dashboard import dashboard_refresh

    user = user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    try:
        dashboard_refresh(user=user, township_id=township_id, today=datetime.date.fromisoformat(on) if on else None)
    except Http404:  # the drill-down township is gone or out of the user's scope by now
        return False
    return True
