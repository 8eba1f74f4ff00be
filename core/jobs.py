"""Queue a background job by its task name.

Services queue jobs by name (``enqueue("subsidies.tasks.payrun_post_task", run_id=…)``) instead of
importing their app's tasks module, so that tasks (thin wrappers that call services) and services
never import each other. The task is looked up in the Celery app's registry, so eager mode
(the embedded default and the tests) and ``.delay`` patches in tests behave as with a direct call.

Outside a worker (the web process, a management command such as ``seed_demo``) nothing has
imported the apps' ``tasks`` modules yet: the first lookup of an unknown name runs Celery's task
autodiscovery once (``import_default_modules``), which registers every app's tasks.
"""

from __future__ import annotations

from celery import current_app


def task_by_name(task_name: str):
    tasks = current_app.tasks
    if task_name not in tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[task_name]


def enqueue(task_name: str, **kwargs):
    return task_by_name(task_name).delay(**kwargs)
