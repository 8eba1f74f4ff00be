"""A worker keeps its database connection between tasks (settings.CELERY_DB_REUSE_MAX); before
each task on a worker, a broken or over-age connection is dropped as Django does before a request
(config.celery). Eager tasks run inside the caller's transaction and are left alone."""

from types import SimpleNamespace

from django.conf import settings

from config import celery as celery_config


def test_workers_reuse_connections():
    assert settings.CELERY_DB_REUSE_MAX >= 100
    assert celery_config.app.conf.get("CELERY_DB_REUSE_MAX") == settings.CELERY_DB_REUSE_MAX


def test_stale_connections_are_dropped_before_a_worker_task_only(monkeypatch):
    calls = []
    monkeypatch.setattr("django.db.close_old_connections", lambda: calls.append(1))
    celery_config._usable_database_connection(task=SimpleNamespace(request=SimpleNamespace(is_eager=True)))
    assert calls == []
    celery_config._usable_database_connection(task=SimpleNamespace(request=SimpleNamespace(is_eager=False)))
    assert calls == [1]
