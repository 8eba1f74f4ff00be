"""Queue a background job by its task name.

Services queue jobs by name (``enqueue("subsidies.tasks.payrun_post_task", run_id=…)``) instead of
importing their app's tasks module, so that tasks (thin wrappers that call services) and services
never import each other. The task is looked up in the Celery app's registry, so eager mode
(the embedded default and the tests) and ``.delay`` patches in tests behave as with a direct call.
"""

from __future__ import annotations

from celery import current_app


def enqueue(task_name: str, **kwargs):
    if task_name not in current_app.tasks:
        # A process that is not a worker (manage.py seed_demo, a bench script) has not imported
        # the apps' tasks modules yet: the worker does it at start, here it is done on first use.
        current_app.loader.import_default_modules()
    return current_app.tasks[task_name].delay(**kwargs)
