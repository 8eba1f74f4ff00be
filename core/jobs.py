"""Queue a background job by its task name.

Services queue jobs by name (``enqueue("subsidies.tasks.payrun_post_task", run_id=…)``) instead of
importing their app's tasks module, so that tasks (thin wrappers that call services) and services
never import each other. The task is looked up in the Celery app's registry, so eager mode
(the embedded default and the tests) and ``.delay`` patches in tests behave as with a direct call.

Outside a worker (the web process, a management command such as ``seed_demo``) nothing has
imported the apps' ``tasks`` modules yet: the first lookup of an unknown name runs Celery's task
autodiscovery once (``import_default_modules``), which registers every app's tasks.

When the broker (Redis) cannot be reached, :func:`enqueue` raises :class:`JobQueueUnavailable`
within about a second (settings: broker connection timeout and publish retry policy), logged once
per outage: callers keep their data consistent (nothing marked as running) and tell the user
:data:`QUEUE_UNAVAILABLE`. It is a ``ValidationError``, so a view that shows a service's refusal
shows this one too, and never answers 500.
"""

from __future__ import annotations

from celery import current_app
from django.core.exceptions import ValidationError

from .cache import Outage

QUEUE_UNAVAILABLE = "后台任务服务暂不可用，请稍后再试。"

_broker = Outage("Celery broker", "jobs are refused (后台任务服务暂不可用) until it answers again")


class JobQueueUnavailable(ValidationError):
    def __init__(self, message: str = QUEUE_UNAVAILABLE):
        super().__init__(message, code="queue_unavailable")


def _queue_errors() -> tuple[type[BaseException], ...]:
    from kombu.exceptions import OperationalError
    from redis.exceptions import RedisError

    # kombu: the broker refused or timed out; redis: the result backend (subscribing to the
    # task's result) refused; OSError: a socket error not wrapped by either.
    return (OperationalError, RedisError, OSError)


def split_by_township() -> bool:
    """Whether a yearly job (the pay run) spreads over the workers one township per task.

    Yes with a broker (production: the townships run in parallel on every worker); no in the
    embedded default, where tasks run eagerly in the calling process: with nobody to spread the
    work over, the run is done in one piece and one transaction, which gives the same lines and
    entries (tests/subsidies/test_payrun_split.py) without a few hundred small transactions.
    The setting ``JOBS_SPLIT_BY_TOWNSHIP`` (True/False) overrides (the split's own tests turn it
    on)."""
    from django.conf import settings

    forced = getattr(settings, "JOBS_SPLIT_BY_TOWNSHIP", None)
    return (not current_app.conf.task_always_eager) if forced is None else forced


def task_by_name(task_name: str):
    tasks = current_app.tasks
    if task_name not in tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[task_name]


def enqueue(task_name: str, **kwargs):
    task = task_by_name(task_name)
    if current_app.conf.task_always_eager:
        return task.delay(**kwargs)  # runs here: its own errors are not the queue's
    errors = _queue_errors()
    try:
        result = task.delay(**kwargs)
    except errors as exc:
        _broker.failed(exc)
        raise JobQueueUnavailable from exc
    except RuntimeError as exc:
        # The result backend's subscriber gives up with a RuntimeError ("must be restarted")
        # caused by the connection error; it reconnects by itself on the next send.
        if not isinstance(exc.__cause__, errors):
            raise
        _broker.failed(exc.__cause__)
        raise JobQueueUnavailable from exc
    _broker.ok()
    return result


def enqueue_fan_out(parts: list[tuple[str, dict]], final: tuple[str, dict]):
    """Queue one task per part (e.g. one per township) as a Celery group with a final step that
    runs once every part has finished (a chord), so that the parts spread over all workers.

    Part tasks must not raise: each records its own failure (in its part row) and returns, so the
    final step always runs and decides (run done, or failed and re-runnable). With no parts the
    final step alone is queued. Eager (the embedded default and the tests) the parts and then the
    final step run here, in order. A broker outage raises :class:`JobQueueUnavailable` as
    :func:`enqueue` does."""
    from celery import chord

    final_sig = task_by_name(final[0]).si(**final[1])
    header = [task_by_name(name).si(**kwargs) for name, kwargs in parts]
    if current_app.conf.task_always_eager:
        return chord(header)(final_sig) if header else final_sig.delay()
    errors = _queue_errors()
    try:
        result = chord(header)(final_sig) if header else final_sig.delay()
    except errors as exc:
        _broker.failed(exc)
        raise JobQueueUnavailable from exc
    _broker.ok()
    return result


def township_progress_label(step: str, done: int, total: int) -> str:
    """The progress line of a run split by township: ``保存结果（已完成 12/25 个乡镇）``."""
    return f"{step}（已完成 {done}/{total} 个乡镇）"
