"""Celery tasks of the training app: thin, idempotent wrappers over services."""

from celery import shared_task

from . import services


@shared_task(name="training.training_year_recompute_task")
def training_year_recompute_task(year: int) -> int:
    """Recompute stored hours and certificates of a year (e.g. after its policy profile changed).
    A second run changes nothing."""
    return services.training_year_recompute(year=year)
