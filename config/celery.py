"""Celery application. Tasks are thin wrappers over services (see each app's tasks.py)."""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("touyan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _warm_dashboard(sender=None, **kwargs):
    """A worker that starts (after a deploy, or with an emptied Redis) computes every scope's home
    page at once instead of leaving it to the first visitors (settings.DASHBOARD_WARM_ON_WORKER_START)."""
    from django.conf import settings

    if settings.DASHBOARD_WARM_ON_WORKER_START:
        app.send_task("cadres.tasks.dashboard_warm_task")
