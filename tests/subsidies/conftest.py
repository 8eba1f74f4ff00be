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
def county_approver(db):
    """A second county staff member: the approver of runs that county_user prepared (separation
    of duties)."""
    from cadres.choices import Role

    from ..factories import UserFactory

    return UserFactory(username="county_approver", role=Role.COUNTY)


@pytest.fixture
def posted_run(run_job, clerk_a, county_user, county_approver):
    """Create → compute → prepare → approve → post a run; returns a function. The approver is
    county_user, or county_approver when county_user prepared the run."""

    def _post(kind="base_monthly", period="2025-03", township=None, by=None):
        by = by or clerk_a
        run = run_job(services.payrun_create, by=by, kind=kind, period_code=period, township=township)
        assert run.status == "preview", run.message
        run = services.payrun_prepare(run=run, by=by)
        approver = county_approver if by == county_user else county_user
        run = run_job(services.payrun_approve, run=run, by=approver)
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
