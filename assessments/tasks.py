"""Celery tasks of the annual review: thin wrappers over services, taking ids, idempotent."""

from __future__ import annotations

import datetime

from celery import shared_task

from core import dates as core_dates

from . import services


@shared_task(name="assessments.tasks.review_rollup_year_task", acks_late=True)
def review_rollup_year_task(run_id: int) -> str:
    """The year rollup of one RollupRun. acks_late: a worker that dies mid-run leaves the message
    for another worker; each township is written in its own transaction and unchanged rows are
    skipped, so running it again finishes the work without changing anything twice."""
    from .models import RollupRun

    run = RollupRun.objects.get(pk=run_id)
    return services.review_year_rollup(year=run.year, township_id=run.township_id, run=run).status


@shared_task(name="assessments.tasks.review_rollup_scheduled_task")
def review_rollup_scheduled_task(on: str | None = None) -> list[int]:
    """Daily (Celery beat): run the rollup once the policy's configured date has come."""
    day = datetime.date.fromisoformat(on) if on else core_dates.today()
    return services.review_rollup_scheduled(today=day)


@shared_task(name="assessments.tasks.review_policy_changed_task")
def review_policy_changed_task(year: int) -> int | None:
    """After county staff edit the year's rules: recompute that year's unlocked results."""
    return services.review_policy_changed(year=year)
