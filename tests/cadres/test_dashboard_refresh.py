"""Home page background refresh (settings.DASHBOARD_BACKGROUND_REFRESH): after a write the page
shows the previous figures at once, says so, and one job per scope computes the current ones.

The ``celery_worker`` test goes through the broker: in ``.ci/run`` a real worker (Redis broker and
cache, PostgreSQL test database) computes the figures; without REDIS_URL Celery is eager.
"""

import time

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from core import dashboard
from core.dashboard import build_dashboard, dashboard_refresh
from tests.factories import VillageFactory


@pytest.fixture
def queued(monkeypatch):
    """The refresh jobs the page asks for (not run)."""
    from core import tasks

    calls = []
    monkeypatch.setattr(tasks.dashboard_refresh_task, "delay", lambda **kwargs: calls.append(kwargs))
    return calls


def test_changed_data_shows_the_previous_figures_and_queues_one_refresh(
    county_user, township_a, queued, django_capture_on_commit_callbacks
):
    VillageFactory.create_batch(2, township=township_a)
    first = build_dashboard(county_user, background=True)  # nothing cached yet: computed here
    assert (first.counts["villages"], first.refreshing, queued) == (2, False, [])

    VillageFactory(township=township_a)
    with django_capture_on_commit_callbacks(execute=True):
        shown = build_dashboard(county_user, background=True)
        again = build_dashboard(county_user, background=True)
    assert shown.counts["villages"] == again.counts["villages"] == 2  # the previous version, at once
    assert shown.refreshing and again.refreshing
    assert shown.computed_at == first.computed_at  # "数据更新于" tells how old it is
    assert len(queued) == 1  # one job per scope while it runs
    assert queued[0]["user_id"] == county_user.pk and queued[0]["township_id"] is None

    dashboard_refresh(user=county_user)  # what the job does
    done = build_dashboard(county_user, background=True)
    assert (done.counts["villages"], done.refreshing, done.from_cache) == (3, False, True)


def test_in_request_mode_recomputes_at_once(county_user, township_a, queued):
    VillageFactory(township=township_a)
    assert build_dashboard(county_user).counts["villages"] == 1
    VillageFactory(township=township_a)
    board = build_dashboard(county_user)  # settings.DASHBOARD_BACKGROUND_REFRESH is off in tests
    assert (board.counts["villages"], board.refreshing, queued) == (2, False, [])


def _drop_versioned_entries(user):
    """What the cache does after CACHE_SECONDS: the per-version entries go, the latest stay."""
    providers = [p for p in dashboard.PROVIDERS.values() if p.cache]
    values = dashboard.version_values(providers)
    base = f"{dashboard.CACHE_PREFIX}:{dashboard._scope_key(user, None)}:{timezone.localdate().isoformat()}"
    keys = [f"{base}:{p.key}:{dashboard._token(values, dashboard._version_sources([p]))}" for p in providers]
    assert all(k in cache for k in keys)
    cache.delete_many(keys)


@pytest.mark.parametrize("background", [True, False])
def test_an_expired_entry_of_unchanged_data_is_reused_without_recomputing(county_user, township_a, queued, background):
    VillageFactory(township=township_a)
    first = build_dashboard(county_user, background=background)
    _drop_versioned_entries(county_user)
    board = build_dashboard(county_user, background=background)
    assert (board.refreshing, board.from_cache, queued) == (False, True, [])
    assert board.computed_at == first.computed_at


def test_a_restarted_cache_reads_the_parts_back_from_the_database(county_user, township_a, queued, django_assert_num_queries):
    """Redis keeps nothing on disk: after a restart the home page is not computed again in the
    request; each scope's newest parts come back from core.models.DashboardPart."""
    from core.models import DashboardPart

    VillageFactory.create_batch(2, township=township_a)
    first = build_dashboard(county_user)
    cached = [p for p in dashboard.PROVIDERS.values() if p.cache]
    assert DashboardPart.objects.count() == len(cached)

    cache.clear()  # the restart
    # data versions, the stored parts, the drill-down township options, the one live provider
    with django_assert_num_queries(4):
        board = build_dashboard(county_user)
    assert (board.counts["villages"], board.refreshing, board.from_cache) == (2, False, True)
    assert board.computed_at == first.computed_at
    again = build_dashboard(county_user)  # and put back in the cache: no read of the table
    assert again.from_cache is True

    cache.clear()
    VillageFactory(township=township_a)  # changed while the cache was down
    board = build_dashboard(county_user, background=True)
    assert (board.counts["villages"], board.refreshing) == (2, True)  # the stored part, said to be updating
    board = build_dashboard(county_user)
    assert (board.counts["villages"], board.refreshing, board.from_cache) == (3, False, False)
    assert DashboardPart.objects.count() == len(cached)  # one row per scope and part, updated in place


def test_a_stored_part_of_an_older_release_is_computed_again(county_user, township_a):
    from core.models import DashboardPart

    VillageFactory(township=township_a)
    build_dashboard(county_user)
    DashboardPart.objects.update(payload=b"not a part")
    cache.clear()
    board = build_dashboard(county_user)
    assert (board.counts["villages"], board.from_cache) == (1, False)


def test_a_clerks_page_never_shows_the_county_figures_while_refreshing(
    county_user, clerk_a, township_a, township_b, queued, django_capture_on_commit_callbacks
):
    VillageFactory(township=township_a)
    VillageFactory(township=township_b)
    assert build_dashboard(county_user, background=True).counts["villages"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        board = build_dashboard(clerk_a, background=True)  # the clerk's scope was never computed
    assert (board.counts["villages"], board.refreshing, queued) == (1, False, [])


def test_page_says_the_figures_are_being_refreshed(client, settings, county_user, township_a, queued):
    settings.DASHBOARD_BACKGROUND_REFRESH = True
    client.force_login(county_user)
    assert "正在后台重新统计" not in client.get(reverse("home")).content.decode()
    VillageFactory(township=township_a)
    page = client.get(reverse("home")).content.decode()
    assert "正在后台重新统计" in page


def test_refresh_lock_is_released_by_the_job(county_user, township_a, queued, django_capture_on_commit_callbacks):
    build_dashboard(county_user, background=True)
    VillageFactory(township=township_a)
    with django_capture_on_commit_callbacks(execute=True):
        build_dashboard(county_user, background=True)
    dashboard_refresh(user=county_user)
    VillageFactory(township=township_a)
    with django_capture_on_commit_callbacks(execute=True):
        assert build_dashboard(county_user, background=True).refreshing
    assert len(queued) == 2  # the second change queued its own job


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_refresh_job_through_the_broker_brings_the_page_up_to_date(settings, county_user, township_a):
    settings.DASHBOARD_BACKGROUND_REFRESH = True
    VillageFactory(township=township_a)
    assert build_dashboard(county_user).counts["villages"] == 1
    VillageFactory(township=township_a)
    assert build_dashboard(county_user).refreshing  # queued on commit (autocommit here: at once)
    lock = dashboard._refresh_lock(dashboard._scope_key(county_user, None))
    deadline = time.monotonic() + 60
    board = build_dashboard(county_user)
    # the job stores the new parts and then releases the lock: wait for both, not only the first
    while (board.refreshing or cache.get(lock)) and time.monotonic() < deadline:
        time.sleep(0.2)
        board = build_dashboard(county_user)
    assert (board.counts["villages"], board.refreshing) == (2, False)
    assert not cache.get(lock)


def test_morning_warm_up_also_computes_each_township_drill_down(county_user, clerk_a, township_a, township_b):
    VillageFactory(township=township_a)
    assert dashboard.dashboard_warm() == 4  # county, its two drill-downs, clerk_a's township
    assert build_dashboard(county_user, township_id=township_a.pk).from_cache is True
    assert build_dashboard(county_user, township_id=township_b.pk).from_cache is True
    assert build_dashboard(clerk_a).from_cache is True


def test_worker_start_warms_the_pages_only_when_configured(settings, monkeypatch):
    from config import celery as celery_module

    sent = []
    monkeypatch.setattr(celery_module.app, "send_task", lambda name, **kw: sent.append(name))
    settings.DASHBOARD_WARM_ON_WORKER_START = False
    celery_module._warm_dashboard()
    settings.DASHBOARD_WARM_ON_WORKER_START = True
    celery_module._warm_dashboard()
    assert sent == ["cadres.tasks.dashboard_warm_task"]


def test_only_one_warm_up_runs_at_a_time(county_user, township_a):
    VillageFactory(township=township_a)
    cache.add(f"{dashboard.CACHE_PREFIX}:warming", 1, 60)  # another worker is warming
    assert dashboard.dashboard_warm() == 0
    assert build_dashboard(county_user).from_cache is False  # nothing was computed
    cache.delete(f"{dashboard.CACHE_PREFIX}:warming")
    assert dashboard.dashboard_warm() == 2  # county and its one drill-down
    assert dashboard.dashboard_warm() == 2  # the lock is released afterwards
