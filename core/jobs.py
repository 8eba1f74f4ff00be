"""Queue a background job by its task name.

Services queue jobs by name (``enqueue("subsidies.tasks.payrun_post_task", run_id=…)``) instead of
importing their app's tasks module, so that tasks (thin wrappers that call services) and services
never import each other. The task is looked up in the Celery app's registry, so eager mode
(the embedded default and the tests) and ``.delay`` patches in tests behave as with a direct call.
"""

from __future__ import annotations

from celery import current_app


def enqueue(task_name: str, **kwargs):
    return current_app.tasks[task_name].delay(**kwargs)
