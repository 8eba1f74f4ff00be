"""Imports and pages when things go wrong (issue #14): Redis or the broker down, a worker that dies,
an undo too big for a web request, forged POSTs, and who may read or download what.

Redis "down" is a Redis URL at a closed port (127.0.0.1:6399): for the cache through
settings.CACHES, for the broker through the Celery app's broker_url (its connection pools reset).
"""

import datetime
import json
import logging
import threading
import time

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from cadres import choices
from cadres.models import Appointment, ExportLog, ImportBatch, Person
from core import cache as resilient_cache
from core import jobs
from core.imports import batches
from core.imports.batches import (
    APPLY_INTERRUPTED,
    QUEUE_WAITING,
    import_batch_apply,
    import_batch_create,
    import_batch_preview,
    import_batch_rollback,
    import_batches_watch,
    is_stuck,
    preview_token,
)
from core.imports.pipeline import get_sheet_type
from core.imports.tasks import import_batch_rollback_task, import_batches_watch_task
from core.jobs import QUEUE_UNAVAILABLE, JobQueueUnavailable, enqueue
from core.middleware import JobQueueUnavailableMiddleware

from ..factories import UserFactory
from .sheet_files import roster_xlsx
from .test_imports import LI, WANG

S = ImportBatch.Status
CLOSED = "redis://127.0.0.1:6399/0"
BAD_ID = "430122199006150025"  # check digit wrong (should end in 1)


# --- fixtures: Redis and the broker unreachable -------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_outages():
    """Each test sees an outage start (the "logged once" state is per process)."""
    resilient_cache._OUTAGES.clear()
    jobs._broker.down = False
    yield
    resilient_cache._OUTAGES.clear()
    jobs._broker.down = False


@pytest.fixture
def redis_cache_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": CLOSED,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    yield


def _reset_connections(app):
    app._pool = None
    app.amqp._producer_pool = None
    if hasattr(app._local, "backend"):
        del app._local.backend


@pytest.fixture
def broker_refuses():
    """Celery's broker and result backend (one Redis in production) at a closed port, not eager."""
    from config.celery import app

    saved = (app.conf.broker_url, app.conf.result_backend, app.conf.task_always_eager)
    app.conf.broker_url = app.conf.result_backend = CLOSED
    app.conf.task_always_eager = False
    _reset_connections(app)
    yield app
    app.conf.broker_url, app.conf.result_backend, app.conf.task_always_eager = saved
    _reset_connections(app)


def _upload(client, data, name="花名册.xlsx"):
    return client.post(reverse("core:import_list"), {"sheet_type": "cadres", "file": SimpleUploadedFile(name, data)})


def _previewed(user, rows=(LI, WANG)):
    return import_batch_preview(
        batch=import_batch_create(by=user, sheet_type="cadres", filename="花名册.xlsx", data=roster_xlsx(list(rows)))
    )


def _apply(client, batch):
    return client.post(reverse("core:import_apply", args=[batch.pk]), {"preview": preview_token(batch)})


# --- 1. Redis down: pages without the cache; uploads and jobs refused or kept, never a 500 ------


def test_home_page_is_served_without_the_cache_when_redis_is_down_and_the_outage_is_logged_once(
    client, county_user, village_a, redis_cache_down, caplog
):
    client.force_login(county_user)
    caplog.set_level(logging.WARNING, logger="touyan.outage")
    started = time.monotonic()
    first = client.get(reverse("home"))
    second = client.get(reverse("home"))
    assert first.status_code == 200 and second.status_code == 200
    assert "甲镇" in second.content.decode()
    assert time.monotonic() - started < 5  # refused at once, then skipped: no timeout per call
    assert sum("Redis cache unavailable" in r.getMessage() for r in caplog.records) == 1


def test_the_resilient_cache_answers_like_a_miss_and_comes_back(redis_cache_down, caplog):
    caplog.set_level(logging.WARNING, logger="touyan.outage")
    assert cache.get("k", "default") == "default"
    assert cache.add("k", 1) is False and cache.get_many(["a", "b"]) == {}
    cache.set("k", 1)
    cache.delete("k")
    with pytest.raises(ValueError):
        cache.incr("k")
    assert sum("Redis cache unavailable" in r.getMessage() for r in caplog.records) == 1
    outage = resilient_cache.cache_outage(CLOSED)
    assert outage.down and outage.skipping()
    outage.ok()  # Redis answers again: logged once more, calls go through again
    assert not outage.down
    assert sum("available again" in r.getMessage() for r in caplog.records) == 1


def test_a_small_upload_is_validated_and_applied_with_redis_down(client, clerk_a, village_a, redis_cache_down):
    client.force_login(clerk_a)
    response = _upload(client, roster_xlsx([LI, WANG]))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and batch.status == S.PREVIEWED
    assert _apply(client, batch).status_code == 302
    batch.refresh_from_db()
    assert batch.status == S.APPLIED and Person.objects.count() == 2


def test_enqueue_with_the_broker_refusing_raises_queue_unavailable_quickly_and_logs_once(
    clerk_a, village_a, broker_refuses, caplog
):
    caplog.set_level(logging.WARNING, logger="touyan.outage")
    batch = _previewed(clerk_a)
    for _ in range(2):
        started = time.monotonic()
        with pytest.raises(JobQueueUnavailable) as info:
            enqueue("cadres.tasks.import_batch_preview_task", batch_id=batch.pk)
        assert time.monotonic() - started < 3  # not the 20 s of Celery's default retries
        assert info.value.messages == [QUEUE_UNAVAILABLE]
    assert sum("Celery broker unavailable" in r.getMessage() for r in caplog.records) == 1


def test_a_big_upload_with_the_queue_down_is_kept_and_validated_when_the_queue_returns(
    client, clerk_a, village_a, settings, redis_cache_down, broker_refuses, django_capture_on_commit_callbacks
):
    settings.IMPORT_ASYNC_BYTES = 10  # every file goes through the queue
    client.force_login(clerk_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, roster_xlsx([LI, WANG]))
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.status == S.UPLOADED and batch.message == QUEUE_WAITING  # kept, not stuck 校验中
    page = client.get(response["Location"])
    assert page.status_code == 200 and "后台任务服务暂不可用" in page.content.decode()
    assert 'hx-trigger="every 10s"' in page.content.decode()  # the page keeps trying

    # The queue returns: the watch (Celery beat, every minute, or the open page) queues the preview.
    broker_refuses.conf.task_always_eager = True
    ImportBatch.objects.filter(pk=batch.pk).update(queued_at=timezone.now() - datetime.timedelta(seconds=60))
    with django_capture_on_commit_callbacks(execute=True):
        assert import_batches_watch() == {"resumed": 1}
    batch.refresh_from_db()
    assert batch.status == S.PREVIEWED and batch.counts["created"] == 2


@pytest.mark.django_db(transaction=True)  # autocommit, as in production: the job is queued at once
def test_a_big_apply_or_undo_with_the_queue_down_is_refused_and_changes_nothing(
    client, clerk_a, village_a, settings, broker_refuses
):
    batch = _previewed(clerk_a)
    settings.IMPORT_ASYNC_BYTES = 10
    client.force_login(clerk_a)
    response = _apply(client, batch)
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == S.PREVIEWED and batch.queued_at is None  # not 导入中 without a job
    assert Person.objects.count() == 0
    page = client.get(reverse("core:import_detail", args=[batch.pk])).content.decode()
    assert QUEUE_UNAVAILABLE in page and "确认导入</button>" in page

    broker_refuses.conf.task_always_eager = True
    import_batch_apply(batch=batch, by=clerk_a)
    broker_refuses.conf.task_always_eager = False
    client.post(reverse("core:import_rollback", args=[batch.pk]), {"confirm": "yes"})
    batch.refresh_from_db()
    assert batch.status == S.APPLIED and Person.objects.count() == 2
    page = client.get(reverse("core:import_detail", args=[batch.pk])).content.decode()
    assert QUEUE_UNAVAILABLE in page and "撤销本次导入" in page


def test_an_unhandled_queue_outage_answers_503_in_chinese_not_500(county_user):
    request = RequestFactory().post("/somewhere/")
    request.user = county_user
    response = JobQueueUnavailableMiddleware(lambda r: None).process_exception(request, JobQueueUnavailable())
    assert response.status_code == 503 and QUEUE_UNAVAILABLE in response.content.decode()
    api = RequestFactory().post("/api/v1/x/")
    response = JobQueueUnavailableMiddleware(lambda r: None).process_exception(api, JobQueueUnavailable())
    assert response.status_code == 503 and json.loads(response.content) == {"detail": QUEUE_UNAVAILABLE}
    assert JobQueueUnavailableMiddleware(lambda r: None).process_exception(request, ValueError()) is None


# --- 2. no batch is ever left running ------------------------------------------------------------


def _running(batch, status, *, started_ago=None, queued_ago=5):
    now = timezone.now()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=status,
        queued_at=now - datetime.timedelta(seconds=queued_ago),
        heartbeat_at=None if started_ago is None else now - datetime.timedelta(seconds=started_ago),
    )


def test_the_watch_runs_on_celery_beat_often_enough_to_find_a_dead_job_within_a_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["import-batches-watch"]
    assert entry["task"] == import_batches_watch_task.name and entry["schedule"] <= 60
    # silent for IMPORT_STUCK_SECONDS, then found by the next run at the latest
    assert settings.IMPORT_STUCK_SECONDS + entry["schedule"] <= 60
    assert settings.IMPORT_HEARTBEAT_SECONDS * 3 <= settings.IMPORT_STUCK_SECONDS  # three missed beats


def test_the_watch_marks_an_apply_whose_worker_died_interrupted_and_leaves_live_ones(clerk_a, village_a):
    dead, live, queued = _previewed(clerk_a), _previewed(clerk_a), _previewed(clerk_a)
    _running(dead, S.APPLYING, started_ago=40, queued_ago=41)  # silent for 40 s
    _running(live, S.APPLYING, started_ago=5, queued_ago=6)
    _running(queued, S.APPLYING, queued_ago=60)  # queued a minute ago, not started: the queue is busy
    assert import_batches_watch_task.delay().get() == {"interrupted": 1, "alive": 2}
    dead.refresh_from_db()
    assert dead.status == S.INTERRUPTED and dead.message == APPLY_INTERRUPTED
    assert ImportBatch.objects.get(pk=live.pk).status == S.APPLYING
    assert ImportBatch.objects.get(pk=queued.pk).status == S.APPLYING
    assert Person.objects.count() == 0
    _running(queued, S.APPLYING, queued_ago=150)  # not started within IMPORT_QUEUE_SECONDS
    assert import_batches_watch() == {"interrupted": 1, "alive": 1}
    # a late job of the given-up attempt does nothing: 已中断 waits for 重试
    assert import_batch_apply(batch=dead, by=clerk_a).status == S.INTERRUPTED
    assert Person.objects.count() == 0


def test_a_heartbeat_keeps_a_long_silent_apply_alive(clerk_a, village_a, settings, monkeypatch):
    settings.IMPORT_HEARTBEAT_SECONDS = 0.05
    settings.IMPORT_STUCK_SECONDS = 0.3
    batch = _previewed(clerk_a)
    st = get_sheet_type("cadres")
    real_apply = type(st).apply
    seen = {}

    def slow_apply(self, rows, ctx, *, batch):
        time.sleep(0.6)  # one long step that reports no progress
        seen["stuck"] = is_stuck(ImportBatch.objects.get(pk=batch.pk))
        return real_apply(self, rows, ctx, batch=batch)

    monkeypatch.setattr(type(st), "apply", slow_apply)
    assert import_batch_apply(batch=batch, by=clerk_a).status == S.APPLIED
    assert seen["stuck"] is False
    batch.refresh_from_db()
    assert batch.heartbeat_at is not None  # the start is in the row: it outlives the cache


@pytest.mark.django_db(transaction=True)  # the lock is held by another connection: committed rows
def test_the_watch_never_marks_an_apply_whose_transaction_holds_the_batch(clerk_a, village_a, monkeypatch):
    """PostgreSQL: the apply's transaction locks the batch row, the watch skips locked rows;
    SQLite: the watch waits for the database's write lock and gives up (busy)."""
    batch = _previewed(clerk_a)
    _running(batch, S.APPLYING, started_ago=120, queued_ago=121)
    if connection.vendor == "postgresql":
        outcome = _watch_while_locked(batch)
    else:
        real = batches.transaction.atomic

        def locked(*args, **kwargs):
            raise OperationalError("database is locked")

        monkeypatch.setattr(batches.transaction, "atomic", locked)
        outcome = import_batches_watch()
        monkeypatch.setattr(batches.transaction, "atomic", real)
    assert outcome == {"alive": 1}
    assert ImportBatch.objects.get(pk=batch.pk).status == S.APPLYING
    assert import_batches_watch() == {"interrupted": 1}  # the lock is gone and so is the job


def _watch_while_locked(batch) -> dict:
    from django.db import connections, transaction

    locked, release, done = threading.Event(), threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                ImportBatch.objects.select_for_update().get(pk=batch.pk)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=hold)
    thread.start()
    assert locked.wait(10)
    try:
        return import_batches_watch()
    finally:
        release.set()
        done.wait(10)


def test_an_interrupted_undo_goes_back_to_applied_and_can_be_undone_again(client, clerk_a, village_a):
    batch = import_batch_apply(batch=_previewed(clerk_a), by=clerk_a)
    _running(batch, S.ROLLING_BACK, started_ago=40, queued_ago=41)
    client.force_login(clerk_a)
    page = client.get(reverse("core:import_detail", args=[batch.pk])).content.decode()
    batch.refresh_from_db()
    assert batch.status == S.APPLIED and "撤销被中断" in page and "撤销本次导入" in page
    assert Person.objects.count() == 2


# --- 3. undo in the background, with progress, all or nothing, after a confirmation ---------------


def test_undo_asks_first_then_runs_as_a_job_with_progress(client, clerk_a, village_a, django_capture_on_commit_callbacks):
    batch = import_batch_apply(batch=_previewed(clerk_a), by=clerk_a)
    client.force_login(clerk_a)
    url = reverse("core:import_rollback", args=[batch.pk])
    response = client.post(url)  # no confirmation: the question is asked, nothing happens
    assert response.status_code == 302 and response["Location"] == url
    question = client.get(url).content.decode()
    assert "撤销后不可恢复" in question and "确认撤销本次导入" in question
    assert ImportBatch.objects.get(pk=batch.pk).status == S.APPLIED

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(url, {"confirm": "yes"})
    batch.refresh_from_db()
    assert batch.status == S.ROLLING_BACK and len(callbacks) == 1  # queued, not done in the request
    partial = client.get(reverse("core:import_detail", args=[batch.pk]), headers={"HX-Request": "true"}).content.decode()
    assert "正在撤销本次导入" in partial and 'hx-trigger="every 1s"' in partial and "撤销中" not in partial
    assert Person.objects.count() == 2
    callbacks[0]()  # the worker runs the undo
    batch.refresh_from_db()
    assert batch.status == S.ROLLED_BACK and batch.rolled_back_by == clerk_a
    assert Person.objects.count() == 0 and Appointment.objects.count() == 0
    done = client.get(reverse("core:import_detail", args=[batch.pk]), headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"


def test_undo_progress_is_visible_while_its_transaction_is_open(client, clerk_a, village_a, monkeypatch):
    batch = import_batch_apply(batch=_previewed(clerk_a), by=clerk_a)
    client.force_login(clerk_a)
    st = get_sheet_type("cadres")
    real_rollback = type(st).rollback
    seen = {}

    def rollback_and_look(self, b, *, by):
        batches.step_progress(b, 1, 2)  # half of the rows undone
        seen["page"] = client.get(reverse("core:import_detail", args=[b.pk])).content.decode()
        return real_rollback(self, b, by=by)

    monkeypatch.setattr(type(st), "rollback", rollback_and_look)
    import_batch_rollback_task.delay(batch.pk, clerk_a.pk)
    assert "正在撤销本次导入" in seen["page"] and "width: 60%" in seen["page"]
    assert ImportBatch.objects.get(pk=batch.pk).status == S.ROLLED_BACK


def test_a_crash_in_the_middle_of_undo_undoes_nothing(clerk_a, village_a, monkeypatch):
    batch = import_batch_apply(batch=_previewed(clerk_a), by=clerk_a)
    written = (Person.objects.count(), Appointment.objects.count(), Person.history.count())
    assert written[:2] == (2, 3)  # 李建国 is 书记、主任
    st = get_sheet_type("cadres")
    real_rollback = type(st).rollback

    def undo_then_die(self, b, *, by):
        real_rollback(self, b, by=by)
        assert Person.objects.count() == 0
        raise RuntimeError("worker killed")

    monkeypatch.setattr(type(st), "rollback", undo_then_die)
    with pytest.raises(RuntimeError):
        import_batch_rollback(batch=batch, by=clerk_a)
    assert (Person.objects.count(), Appointment.objects.count(), Person.history.count()) == written
    batch.refresh_from_db()
    assert batch.status == S.APPLIED and "未撤销任何数据" in batch.message
    monkeypatch.undo()
    assert import_batch_rollback(batch=batch, by=clerk_a).status == S.ROLLED_BACK
    assert Person.objects.count() == 0


def test_only_county_staff_and_the_townships_clerk_may_undo(client, clerk_a, clerk_b, auditor, village_a):
    batch = import_batch_apply(batch=_previewed(clerk_a), by=clerk_a)
    url = reverse("core:import_rollback", args=[batch.pk])
    client.force_login(auditor)
    assert client.post(url, {"confirm": "yes"}).status_code == 403
    assert "撤销本次导入" not in client.get(reverse("core:import_detail", args=[batch.pk])).content.decode()
    client.force_login(clerk_b)
    assert client.post(url, {"confirm": "yes"}).status_code == 404
    assert ImportBatch.objects.get(pk=batch.pk).status == S.APPLIED and Person.objects.count() == 2


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_undo_runs_on_the_worker(client, clerk_a, village_a):
    batch = import_batch_apply(batch=_previewed(clerk_a), by=clerk_a)
    client.force_login(clerk_a)
    client.post(reverse("core:import_rollback", args=[batch.pk]), {"confirm": "yes"})
    for _ in range(120):
        batch.refresh_from_db()
        if batch.status != S.ROLLING_BACK:
            break
        time.sleep(0.5)
    assert batch.status == S.ROLLED_BACK and Person.objects.count() == 0


# --- 4. a forged apply is refused before anything is queued --------------------------------------


@pytest.mark.parametrize(
    ("status", "errors", "reason"),
    [
        (S.INVALID, 1, "不能导入"),
        (S.PREVIEWED, 1, "校验有错误"),
        (S.UPLOADED, 0, "不能导入"),
        (S.PREVIEWING, 0, "正在处理"),
        (S.APPLYING, 0, "正在处理"),
        (S.ROLLED_BACK, 0, "不能导入"),
        (S.INTERRUPTED, 0, "不能导入"),
    ],
)
def test_a_forged_apply_is_refused_before_anything_is_queued(
    client, clerk_a, village_a, settings, django_capture_on_commit_callbacks, status, errors, reason
):
    batch = _previewed(clerk_a)
    counts = {**batch.counts, "errors": errors}
    ImportBatch.objects.filter(pk=batch.pk).update(status=status, counts=counts)
    batch.refresh_from_db()
    settings.IMPORT_ASYNC_BYTES = 10  # the worker's path: nothing may be queued
    client.force_login(clerk_a)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _apply(client, batch)
    assert response.status_code == 302 and callbacks == []
    assert ImportBatch.objects.get(pk=batch.pk).status == status and Person.objects.count() == 0
    assert reason in client.get(reverse("core:import_detail", args=[batch.pk])).content.decode()


def test_an_apply_without_the_current_preview_or_of_a_stale_preview_is_refused(
    client, clerk_a, village_a, django_capture_on_commit_callbacks
):
    batch = _previewed(clerk_a)
    client.force_login(clerk_a)
    url = reverse("core:import_apply", args=[batch.pk])
    detail = reverse("core:import_detail", args=[batch.pk])
    for posted in ({}, {"preview": "0" * 20}):
        client.post(url, posted)
        assert "预览已更新或页面已过期" in client.get(detail).content.decode()
    ImportBatch.objects.filter(pk=batch.pk).update(previewed_at=timezone.now() - datetime.timedelta(hours=25))
    batch.refresh_from_db()
    _apply(client, batch)
    page = client.get(detail).content.decode()
    assert "预览已超过24小时" in page and "> 重新校验</button>" in page and "确认导入</button>" not in page
    assert ImportBatch.objects.get(pk=batch.pk).status == S.PREVIEWED and Person.objects.count() == 0
    client.post(detail, {"action": "retry"})  # validated again: a fresh preview, then it applies
    batch.refresh_from_db()
    assert batch.status == S.PREVIEWED and timezone.now() - batch.previewed_at < datetime.timedelta(minutes=1)
    _apply(client, batch)
    assert ImportBatch.objects.get(pk=batch.pk).status == S.APPLIED and Person.objects.count() == 2


def test_an_auditor_cannot_apply(client, clerk_a, auditor, village_a):
    batch = _previewed(clerk_a)
    client.force_login(auditor)
    assert _apply(client, batch).status_code == 403
    assert ImportBatch.objects.get(pk=batch.pk).status == S.PREVIEWED


# --- 5. masking and downloads by role ------------------------------------------------------------


@pytest.fixture
def erroneous_batch(clerk_a, village_a):
    bad = [*WANG]
    bad[6] = BAD_ID
    return import_batch_preview(
        batch=import_batch_create(by=clerk_a, sheet_type="cadres", filename=f"花名册{BAD_ID}.xlsx", data=roster_xlsx([LI, bad]))
    )


@pytest.fixture
def clerk_a2(township_a):
    return UserFactory(username="clerk_a2", role=choices.Role.CLERK, township=township_a)


MASKED_ID = "430122********0025"


@pytest.mark.parametrize(
    ("who", "masked", "downloads"),
    [
        ("clerk_a", False, True),  # the uploader
        ("county_user", False, True),
        ("admin_user", False, True),
        ("clerk_a2", False, False),  # same township, not the uploader
        ("auditor", True, False),
    ],
)
def test_import_pages_mask_id_numbers_and_downloads_are_limited_and_logged(
    request, client, erroneous_batch, who, masked, downloads
):
    user = request.getfixturevalue(who)
    client.force_login(user)
    batch = erroneous_batch
    listing = client.get(reverse("core:import_list")).content.decode()
    detail = client.get(reverse("core:import_detail", args=[batch.pk])).content.decode()
    errors_only = client.get(reverse("core:import_detail", args=[batch.pk]) + "?status=error").content.decode()
    for page in (listing, detail, errors_only):
        assert (BAD_ID in page) is not masked
        assert (MASKED_ID in page) is masked
    assert ("下载原文件" in detail) is downloads
    for name in ("core:import_original", "core:import_errors"):
        response = client.get(reverse(name, args=[batch.pk]))
        if downloads:
            assert response.status_code == 200 and response.content
        else:
            assert response.status_code == 403
            assert "只有上传人和县委组织部工作人员可以下载" in response.content.decode()
    logs = list(ExportLog.objects.order_by("id"))
    if downloads:
        assert [(log.user, log.what, log.filters["batch"], log.filters["file"], log.masked) for log in logs] == [
            (user, f"导入原文件：花名册{BAD_ID}.xlsx", batch.pk, "导入原文件", False),
            (user, f"导入错误标注文件：花名册{BAD_ID}.xlsx", batch.pk, "导入错误标注文件", False),
        ]
        assert all(log.at is not None and log.filters["checksum"] == batch.checksum for log in logs)
    else:
        assert logs == []


def test_masking_also_covers_phones_and_the_old_15_digit_numbers():
    from core.masking import mask_personal_text

    text = "第4行「身份证号码」：430122199006150025 — 校验位错误；电话13907310002；旧号430122900615002；批次12345"
    assert mask_personal_text(text) == (
        "第4行「身份证号码」：430122********0025 — 校验位错误；电话139****0002；旧号430122********5002；批次12345"
    )
