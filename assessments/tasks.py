"""Celery tasks of the annual review: thin wrappers over services, taking ids, idempotent."""

from __future__ import annotations

import datetime

from celery import shared_task

from core import dates as core_dates

from . import services


@shared_task(name="assessments.tasks.review_rollup_year_task", acks_late=True)
def review_rollup_year_task(run_id: int) -> str:
    """The year rollup of one RollupRun, split by township over every worker (a chord per step,
    services/rollup_parts.py). Returns the run's status: eager (the embedded default) the whole
    run has finished by then; with a broker it is still running. acks_late: a worker that dies
    leaves the message for another; every step is idempotent and a run already done is left
    alone, so running it again finishes the work without changing anything twice."""
    from .models import RollupRun

    services.rollup_start(run=RollupRun.objects.get(pk=run_id))
    return RollupRun.objects.get(pk=run_id).status


@shared_task(name="assessments.tasks.review_rollup_township_score_task", acks_late=True)
def review_rollup_township_score_task(run_id: int, township_id: int) -> str:
    """Step 1 of a rollup run for one township (never raises: a failure is kept on its part)."""
    return services.rollup_township_score(run_id=run_id, township_id=township_id)


@shared_task(name="assessments.tasks.review_rollup_rank_task", acks_late=True)
def review_rollup_rank_task(run_id: int) -> str:
    """Step 2: the county-wide quota and ranking, once every township is scored."""
    return services.rollup_rank(run_id=run_id).status


@shared_task(name="assessments.tasks.review_rollup_township_write_task", acks_late=True)
def review_rollup_township_write_task(run_id: int, township_id: int) -> str:
    """Step 3 of a rollup run for one township: its results in one transaction."""
    return services.rollup_township_write(run_id=run_id, township_id=township_id)


@shared_task(name="assessments.tasks.review_rollup_finish_task", acks_late=True)
def review_rollup_finish_task(run_id: int) -> str:
    """The final step: done when every township is written, otherwise failed and re-runnable."""
    return services.rollup_finish(run_id=run_id).status


@shared_task(name="assessments.tasks.review_rollup_scheduled_task")
def review_rollup_scheduled_task(on: str | None = None) -> list[int]:
    """Daily (Celery beat): run the rollup once the policy's configured date has come."""
    day = datetime.date.fromisoformat(on) if on else core_dates.today()
    return services.review_rollup_scheduled(today=day)


@shared_task(name="assessments.tasks.review_policy_changed_task")
def review_policy_changed_task(year: int) -> int | None:
    """After county staff edit the year's rules: recompute that year's unlocked results."""
    return services.review_policy_changed(year=year)
