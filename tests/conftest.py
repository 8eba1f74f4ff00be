"""Personas (STYLE §10): county staff, clerk of township A, clerk of township B, auditor."""

import pytest
from django.core.cache import cache

from cadres import choices

from .factories import TownshipFactory, UserFactory, VillageFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _dashboard_in_request(settings):
    """Tests expect the home page to show what they just wrote: recompute in the request (the
    background refresh has its own tests, which turn it on)."""
    settings.DASHBOARD_BACKGROUND_REFRESH = False


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def township_a(db):
    return TownshipFactory(name="甲镇", code="430122100")


@pytest.fixture
def township_b(db):
    return TownshipFactory(name="乙镇", code="430122200")


@pytest.fixture
def village_a(township_a):
    return VillageFactory(township=township_a, name="甲一村", code="430122100001")


@pytest.fixture
def village_b(township_b):
    return VillageFactory(township=township_b, name="乙一村", code="430122200001")


@pytest.fixture
def county_user(db):
    return UserFactory(username="county_t", role=choices.Role.COUNTY)


@pytest.fixture
def clerk_a(township_a):
    return UserFactory(username="clerk_a", role=choices.Role.CLERK, township=township_a)


@pytest.fixture
def clerk_b(township_b):
    return UserFactory(username="clerk_b", role=choices.Role.CLERK, township=township_b)


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor_t", role=choices.Role.AUDITOR)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin_t", role=choices.Role.ADMIN, is_superuser=True, is_staff=True)


@pytest.fixture(autouse=True)
def _celery_eager_unless_worker_test(request):
    """Only tests marked ``celery_worker`` talk to a real worker (in .ci/run's PostgreSQL + Redis
    run); every other test runs its tasks in-process, whatever the environment says."""
    from config.celery import app

    previous = app.conf.task_always_eager
    if request.node.get_closest_marker("celery_worker") is None:
        app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
