"""Celery tasks of the pay ledger: thin, idempotent wrappers over services, taking IDs.

Computing and posting a run are split by township (services/payrun_parts.py): the run's task
queues one task per township and a final step (a Celery chord), so that the work spreads over
every worker. Township tasks never raise: a failure is kept on the township's part and the final
step decides. Eager (the embedded default: no worker to spread over) a run is computed and posted
in one piece instead (``core.jobs.split_by_township``)."""

from celery import shared_task


def _user(user_id: int):
    from cadres.models import User

    return User.objects.get(pk=user_id)


@shared_task(name="subsidies.tasks.payrun_compute_task")
def payrun_compute_task(run_id: int, user_id: int) -> str:
    """Compute (or recompute) a run's preview, township by township. A run past the preview is
    left unchanged. Returns the run's status (eager: the preview is ready by then)."""
    from core.jobs import split_by_township

    from . import services
    from .models import PayRun

    run, by = PayRun.objects.get(pk=run_id), _user(user_id)
    if split_by_township():
        services.payrun_compute_start(run=run, by=by)
    else:
        services.payrun_compute(run=run, by=by)
    return PayRun.objects.get(pk=run_id).status


@shared_task(name="subsidies.tasks.payrun_compute_township_task", acks_late=True)
def payrun_compute_township_task(run_id: int, township_id: int, user_id: int) -> str:
    """One township's preview lines (replaces its earlier lines; never raises)."""
    from . import services

    return services.payrun_compute_township(run_id=run_id, township_id=township_id, by=_user(user_id))


@shared_task(name="subsidies.tasks.payrun_compute_finish_task", acks_late=True)
def payrun_compute_finish_task(run_id: int, user_id: int) -> str:
    """The final step of the compute: preview when every township is computed, else failed."""
    from . import services

    return services.payrun_compute_finish(run_id=run_id, by=_user(user_id)).status


@shared_task(name="subsidies.tasks.payrun_post_task", acks_late=True)
def payrun_post_task(run_id: int, user_id: int) -> str:
    """Post an approved run to the ledger, township by township (each township in one
    transaction; a second run changes nothing). On a rule failure (double pay, locked period,
    the gate) nothing is posted and the run goes back to 乡镇已确认 with the reason."""
    from django.core.exceptions import ValidationError

    from core.jobs import split_by_township

    from . import services
    from .choices import PartStatus, RunStatus
    from .models import PayRun, PayRunPart

    user = _user(user_id)
    # a run whose posting stopped midway township by township resumes township by township
    whole = not split_by_township() and not PayRunPart.objects.filter(run_id=run_id, status=PartStatus.POSTED).exists()
    try:
        if whole:
            services.payrun_post(run=PayRun.objects.get(pk=run_id), by=user)
        else:
            services.payrun_post_start(run=PayRun.objects.get(pk=run_id), by=user)
    except ValidationError as exc:
        run = PayRun.objects.get(pk=run_id)
        if run.status == RunStatus.POSTING:
            services.payrun_post_failed(run=run, by=user, message="；".join(exc.messages))
    return PayRun.objects.get(pk=run_id).status


@shared_task(name="subsidies.tasks.payrun_post_township_task", acks_late=True)
def payrun_post_township_task(run_id: int, township_id: int, user_id: int) -> str:
    """One township's ledger entries, all or nothing (never raises)."""
    from . import services

    return services.payrun_post_township(run_id=run_id, township_id=township_id, by=_user(user_id))


@shared_task(name="subsidies.tasks.payrun_post_finish_task", acks_late=True)
def payrun_post_finish_task(run_id: int, user_id: int) -> str:
    """The final step of posting: posted when every township is and the totals agree to the fen."""
    from . import services

    return services.payrun_post_finish(run_id=run_id, by=_user(user_id)).status
