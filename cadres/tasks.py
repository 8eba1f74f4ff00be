"""Celery tasks: thin wrappers over services, taking plain values, idempotent."""

import datetime

from celery import shared_task

from core.dates import today

from . import services


@shared_task(name="cadres.tasks.first_secretary_terms_expire_task")
def first_secretary_terms_expire_task(on: str | None = None) -> int:
    """Daily (Celery beat): mark first-secretary postings past their term as expired."""
    day = datetime.date.fromisoformat(on) if on else today()
    return services.first_secretary_terms_expire(on=day)


@shared_task(name="cadres.tasks.first_secretary_regrade_task")
def first_secretary_regrade_task(year: int) -> int:
    """After the register's policy of ``year`` changed: first secretaries' grades capped again."""
    return services.first_secretary_regrade_from_year(year=year)
