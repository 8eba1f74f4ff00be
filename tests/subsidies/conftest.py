import pytest

from subsidies import services


@pytest.fixture
def run_job(django_capture_on_commit_callbacks):
    """Call a service and run the tasks it queues (eagerly), like a worker would."""

    def _run(func, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            result = func(**kwargs)
        result.refresh_from_db()
        return result

    return _run


@pytest.fixture
def posted_run(run_job, clerk_a, county_user):
    """Create → compute → prepare → approve → post a run; returns a function."""

    def _post(kind="base_monthly", period="2025-03", township=None, by=None):
        by = by or clerk_a
        run = run_job(services.payrun_create, by=by, kind=kind, period_code=period, township=township)
        assert run.status == "preview", run.message
        run = services.payrun_prepare(run=run, by=by)
        run = run_job(services.payrun_approve, run=run, by=county_user)
        assert run.status == "approved", run.message
        return run

    return _post


@pytest.fixture
def finance_user(db):
    """County staff in the 财务 group: the only non-superuser who sees full bank card numbers."""
    from cadres.choices import Role
    from subsidies.roles import user_make_finance

    from ..factories import UserFactory

    user = UserFactory(username="finance_t", role=Role.COUNTY)
    user_make_finance(user=user)
    return user
