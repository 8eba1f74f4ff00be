"""Celery application. Tasks are thin wrappers over services (see each app's tasks.py)."""

import os

from celery import Celery
from celery.signals import task_prerun, worker_ready

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


@task_prerun.connect
def _usable_database_connection(sender=None, task=None, **kwargs):
    """Before a task on a worker, what Django does before a request: close a connection that broke
    (a database restart) or is older than CONN_MAX_AGE, so the task opens a fresh one. Not for
    eager tasks: they run inside the caller's request or transaction."""
    request = getattr(task or sender, "request", None)
    if request is None or getattr(request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
