"""Celery tasks of the pay ledger: thin, idempotent wrappers over services, taking IDs."""

from celery import shared_task


@shared_task(name="subsidies.tasks.payrun_compute_task")
def payrun_compute_task(run_id: int, user_id: int) -> str:
    """Compute (or recompute) a run's preview. A run past the preview is left unchanged."""
    from cadres.models import User

    from . import services
    from .models import PayRun

    run = services.payrun_compute(run=PayRun.objects.get(pk=run_id), by=User.objects.get(pk=user_id))
    return run.status


@shared_task(name="subsidies.tasks.payrun_post_task", acks_late=True)
def payrun_post_task(run_id: int, user_id: int) -> str:
    """Post an approved run to the ledger (one transaction; a second run changes nothing). On a
    rule failure (double pay, locked period) the run goes back to 乡镇已确认 with the reason."""
    from django.core.exceptions import ValidationError

    from cadres.models import User

    from . import services
    from .choices import RunStatus
    from .models import PayRun

    user = User.objects.get(pk=user_id)
    try:
        return services.payrun_post(run=PayRun.objects.get(pk=run_id), by=user).status
    except ValidationError as exc:
        run = PayRun.objects.get(pk=run_id)
        if run.status == RunStatus.POSTING:
            services.payrun_post_failed(run=run, by=user, message="；".join(exc.messages))
        return RunStatus.PREPARED.value
