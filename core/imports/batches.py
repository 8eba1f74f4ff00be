"""Services for import batches: upload → preview → apply → (rollback). The only writers of import batches."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from core.access import IMPORT_SHEET, can
from core.conf import import_batch_model
from core.fastwrite import alongside, update_statement
from core.jobs import JobQueueUnavailable, enqueue
from core.models import RUNNING_STATUSES, AbstractImportBatch, BatchStatus

from .pipeline import (
    STATUS_LABELS,
    Preview,
    SheetType,
    clean_file,
    get_sheet_type,
    issue_text,
    paused_gc,
    plan_preview,
)
from .plans import cache_plan, db_fingerprint, planned, read_upload

log = logging.getLogger(__name__)

# Why an applied batch may not be undone: callables ``(batch) -> list of messages`` registered by
# the apps whose rows an undo would delete (the register: rows changed or referenced since).
ROLLBACK_GUARDS: list = []


def register_rollback_guard(func) -> None:
    if func not in ROLLBACK_GUARDS:
        ROLLBACK_GUARDS.append(func)


Status = BatchStatus
MAX_MESSAGES = 5000


def import_allowed(user, sheet_type) -> bool:
    """May ``user`` upload ``sheet_type``? County staff or clerks, holding the sheet type's
    permission: both asked at the one gate (core.access.can)."""
    if not can(user, IMPORT_SHEET):
        return False
    return not sheet_type.permission or can(user, sheet_type.permission)


@transaction.atomic
def import_batch_create(
    *, by, sheet_type: str, filename: str, data: bytes, township: object | None = None
) -> AbstractImportBatch:
    """Store the upload (outside the web root) and open a batch; nothing else is written."""
    st = get_sheet_type(sheet_type)
    if not import_allowed(by, st):
        raise PermissionDenied("您没有导入数据的权限。")
    if by.is_clerk:
        township = by.township
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ValidationError({"file": f"文件超过 {settings.IMPORT_MAX_BYTES // 1024 // 1024} MB 上限，请拆分后上传。"})
    checksum = hashlib.sha256(data).hexdigest()
    batch = import_batch_model()(
        sheet_type=sheet_type, original_name=filename[:255], size=len(data), checksum=checksum, township=township, uploaded_by=by
    )
    batch.file.save(f"{checksum[:16]}-{timezone.now():%H%M%S}.bin", ContentFile(data), save=False)
    batch.save()
    return batch


PROGRESS_SECONDS = 24 * 60 * 60

# The jobs, queued by name (core.imports.tasks).
PREVIEW_TASK = "cadres.tasks.import_batch_preview_task"
APPLY_TASK = "cadres.tasks.import_batch_apply_task"
ROLLBACK_TASK = "core.imports.tasks.import_batch_rollback_task"

QUEUE_WAITING = "后台任务服务暂不可用，文件已保存，服务恢复后将自动校验；也可以稍后点击“重新校验”。"
APPLY_INTERRUPTED = "导入被中断（后台任务异常停止），未写入任何数据。请点击“重试”重新导入。"
ROLLBACK_INTERRUPTED = "撤销被中断（后台任务异常停止），未撤销任何数据，可以重新撤销。"


def _progress_key(batch_id: int) -> str:
    return f"touyan:import-progress:{batch_id}"


def _beat_key(batch_id: int) -> str:
    return f"touyan:import-beat:{batch_id}"


def batch_progress(batch: AbstractImportBatch) -> dict | None:
    """The live progress of a running batch: {"done", "total", "at" (epoch seconds)} or None.

    Progress lives in the cache (Redis in production, shared by web and worker), not in the
    batch row: during apply the row is inside the apply transaction, so an UPDATE there would
    stay invisible to the page until the very end."""
    return cache.get(_progress_key(batch.pk))


def progress_heartbeat(batch: AbstractImportBatch, done: int = 0, total: int = 0) -> None:
    cache.set(_progress_key(batch.pk), {"done": done, "total": total, "at": time.time()}, PROGRESS_SECONDS)


def _progress_saver(batch: AbstractImportBatch, lo: int = 0, hi: int = 100):
    """A progress callback mapping a step's done/total into lo…hi percent of the whole job. The
    batch row (progress and heartbeat) is updated too when we are not inside a transaction (the preview)."""

    def save(done: int, total: int) -> None:
        pct = lo + (hi - lo) * min(done, total) // max(total, 1)
        progress_heartbeat(batch, pct, 100)
        if not transaction.get_connection().in_atomic_block:
            import_batch_model().objects.filter(pk=batch.pk).update(
                progress_done=pct, progress_total=100, heartbeat_at=timezone.now()
            )

    return save


def step_progress(batch: AbstractImportBatch, done: int, total: int) -> None:
    """For a sheet type's apply/rollback: report ``done`` of ``total`` (no-op when not tracked)."""
    report = getattr(batch, "report_progress", None)
    if report is not None:
        report(done, total)


@contextlib.contextmanager
def job_heartbeat(batch: AbstractImportBatch, *, database: bool = False) -> Iterator[None]:
    """A running job's pulse: a thread beats every IMPORT_HEARTBEAT_SECONDS into the cache (and,
    with ``database``, into the batch row: only for steps that hold no lock on it, the preview),
    whether or not the job reports progress — a long silent step is not taken for a dead worker.
    The job's start is written to the row at once (it outlives the cache)."""
    pk = batch.pk
    import_batch_model().objects.filter(pk=pk).update(heartbeat_at=timezone.now())
    cache.set(_beat_key(pk), time.time(), PROGRESS_SECONDS)
    # Never from inside a transaction: the thread's own connection would wait for this one's locks.
    database = database and not transaction.get_connection().in_atomic_block
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(settings.IMPORT_HEARTBEAT_SECONDS):
                cache.set(_beat_key(pk), time.time(), PROGRESS_SECONDS)
                if database:
                    with contextlib.suppress(DatabaseError):
                        import_batch_model().objects.filter(pk=pk).update(heartbeat_at=timezone.now())
        finally:
            if database:
                connection.close()

    thread = threading.Thread(target=beat, name=f"import-heartbeat-{pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)
        cache.delete(_beat_key(pk))


def stuck_after_seconds() -> int:
    return settings.IMPORT_STUCK_SECONDS


def _signs(batch: AbstractImportBatch) -> tuple[float, list[float]]:
    """(when the running step was queued or the file uploaded, the signs of life of its job since)."""
    base = (batch.queued_at or batch.uploaded_at).timestamp()
    progress = batch_progress(batch) or {}
    found = [batch.heartbeat_at.timestamp() if batch.heartbeat_at else None, cache.get(_beat_key(batch.pk)), progress.get("at")]
    return base, [t for t in found if t and t >= base - 1]


def is_stuck(batch: AbstractImportBatch) -> bool:
    """Running (校验中/导入中/撤销中) while its job gives no sign of life: started and silent for
    IMPORT_STUCK_SECONDS, or queued and not started within IMPORT_QUEUE_SECONDS (the worker died)."""
    if not batch.is_running:
        return False
    base, signs = _signs(batch)
    if signs:
        return time.time() - max(signs) > settings.IMPORT_STUCK_SECONDS
    return time.time() - base > settings.IMPORT_QUEUE_SECONDS


def preview_stale(batch: AbstractImportBatch) -> bool:
    """A preview (待确认) older than IMPORT_PREVIEW_MAX_HOURS must be validated again before it is applied."""
    if batch.status != Status.PREVIEWED:
        return False
    if batch.previewed_at is None:
        return True
    return timezone.now() - batch.previewed_at > datetime.timedelta(hours=settings.IMPORT_PREVIEW_MAX_HOURS)


def preview_token(batch: AbstractImportBatch) -> str:
    """Names the preview the user confirms: the apply form posts it back, so a confirmation
    from an older page (the file was validated again since) or a forged POST is refused."""
    stamp = batch.previewed_at.isoformat() if batch.previewed_at else ""
    return hashlib.sha256(f"{batch.pk}:{batch.checksum}:{stamp}".encode()).hexdigest()[:20]


def apply_refusal(user, batch: AbstractImportBatch, *, token: str | None) -> str:
    """Why ``user`` may not apply ``batch`` now ("" = may): checked by the page before anything
    is queued (the worker checks the status again)."""
    st = get_sheet_type(batch.sheet_type)
    if not import_allowed(user, st):
        return "您没有导入该表格的权限。"
    if batch.status == Status.APPLIED:
        return "该文件已导入，无需再次导入。"
    if batch.status in RUNNING_STATUSES:
        return f"该批次正在处理（{batch.get_status_display()}），请等待完成。"
    if batch.status != Status.PREVIEWED:
        return f"当前状态为“{batch.get_status_display()}”，不能导入。"
    counts = batch.counts or {}
    if counts.get("errors") or batch.summary.get("errors") or batch.summary.get("file_errors"):
        return "该文件校验有错误，不能导入。请修改后重新上传。"
    if preview_stale(batch):
        return f"预览已超过{settings.IMPORT_PREVIEW_MAX_HOURS}小时，数据可能已经变化。请点击“重新校验”，核对预览后再确认导入。"
    if token != preview_token(batch):
        return "预览已更新或页面已过期，请刷新页面，核对预览后再确认导入。"
    return ""


def retry_allowed(user, batch: AbstractImportBatch) -> bool:
    """The uploader or county staff may restart a batch that failed, was interrupted, is stuck,
    waits for the queue (已上传) or whose preview is stale."""
    if not user.is_authenticated or user.is_auditor:
        return False
    if not (user.is_county or user.pk == batch.uploaded_by_id):
        return False
    if batch.status in (Status.FAILED, Status.INTERRUPTED, Status.UPLOADED):
        return True
    return preview_stale(batch) or (batch.status in (Status.PREVIEWING, Status.APPLYING) and is_stuck(batch))


def import_batch_retry(*, batch: AbstractImportBatch, by) -> str:
    """Restart a batch: "preview" (已上传, a stuck 校验中 or a stale 待确认 batch is validated
    again) or "apply" (导入失败, 已中断 or a stuck 导入中 batch is applied again; the apply is one
    transaction and re-checks the database, so nothing is doubled). The caller runs the returned step."""
    batch = import_batch_model().objects.get(pk=batch.pk)
    if not retry_allowed(by, batch):
        raise ValidationError({"status": f"当前状态为“{batch.get_status_display()}”，无需重试。"})
    if batch.status in (Status.PREVIEWING, Status.PREVIEWED):
        import_batch_model().objects.filter(pk=batch.pk, status=batch.status).update(status=Status.UPLOADED)
        return "preview"
    if batch.status == Status.UPLOADED:
        return "preview"
    return "apply"


# --- running a step: inline, or on the worker through the queue ---------------------------


def _dispatch(
    batch: AbstractImportBatch,
    *,
    status: str,
    task: str,
    fallback: str,
    waiting_message: str = "",
    expect: dict | None = None,
    **kwargs,
) -> dict:
    """Mark ``batch`` as ``status`` (queued now) and queue ``task`` once committed. If the queue
    refuses, the batch goes back to ``fallback`` (with ``waiting_message`` if given): never left
    running without a job. The mark is a compare-and-set on the current status (and ``expect``),
    so two watchers never queue the same step twice. Returns {"queued": True/False, or None
    while the commit is pending}."""
    now = timezone.now()
    if expect is None:
        expect = {"status": import_batch_model().objects.filter(pk=batch.pk).values_list("status", flat=True).first()}
    marked = (
        import_batch_model()
        .objects.filter(pk=batch.pk, **expect)
        .update(status=status, queued_at=now, heartbeat_at=None, progress_done=0, progress_total=0)
    )
    outcome: dict = {"queued": None if marked else False}
    if not marked:
        return outcome  # moved on meanwhile (another request or the watch got there first)

    def send() -> None:
        try:
            enqueue(task, **kwargs)
        except JobQueueUnavailable:
            back = {"status": fallback, "queued_at": now if waiting_message else None}
            if waiting_message:
                back["message"] = waiting_message
            import_batch_model().objects.filter(pk=batch.pk, status=status, queued_at=now).update(**back)
            outcome["queued"] = False
        else:
            outcome["queued"] = True

    transaction.on_commit(send)
    return outcome


def import_batch_start_preview(*, batch: AbstractImportBatch, force_queue: bool = False, expect: dict | None = None) -> dict:
    """Validate a new (or re-checked) upload: small files at once, big ones on the worker (live
    progress). With the queue down a big file is kept (已上传) and validated when it returns
    (import_batches_watch). Returns {"queued": …} as _dispatch ({"queued": None} when run inline)."""
    if force_queue or batch.size > settings.IMPORT_ASYNC_BYTES:
        return _dispatch(
            batch,
            status=Status.PREVIEWING,
            task=PREVIEW_TASK,
            fallback=Status.UPLOADED,
            waiting_message=QUEUE_WAITING,
            expect=expect,
            batch_id=batch.pk,
        )
    import_batch_preview(batch=batch)
    return {"queued": None}


def import_batch_start_apply(*, batch: AbstractImportBatch, by) -> dict:
    """Apply: small files at once, big ones on the worker. With the queue down the batch keeps
    its status and JobQueueUnavailable is raised (nothing was written, nothing is running)."""
    if batch.size <= settings.IMPORT_ASYNC_BYTES:
        # 已中断 is left alone by a late job of the old attempt; this attempt takes it up.
        import_batch_model().objects.filter(pk=batch.pk, status=Status.INTERRUPTED).update(status=Status.APPLYING)
        import_batch_apply(batch=batch, by=by)
        return {"queued": None}
    previous = import_batch_model().objects.filter(pk=batch.pk).values_list("status", flat=True).first()
    outcome = _dispatch(batch, status=Status.APPLYING, task=APPLY_TASK, fallback=previous, batch_id=batch.pk, user_id=by.pk)
    if outcome["queued"] is False:
        raise JobQueueUnavailable
    return outcome


def import_batch_start_rollback(*, batch: AbstractImportBatch, by) -> dict:
    """Undo on the worker (a 10,000-row undo outlasts a web request): 撤销中 with progress; with
    the queue down the batch stays 已导入 and JobQueueUnavailable is raised."""
    _check_rollback_allowed(batch, by)
    if batch.status != Status.APPLIED:
        raise ValidationError({"status": "只有已导入的批次可以撤销。"})
    outcome = _dispatch(
        batch, status=Status.ROLLING_BACK, task=ROLLBACK_TASK, fallback=Status.APPLIED, batch_id=batch.pk, user_id=by.pk
    )
    if outcome["queued"] is False:
        raise JobQueueUnavailable
    return outcome


# --- the watch: no batch is ever left running ----------------------------------------------


def import_batches_watch(*, batch: AbstractImportBatch | None = None) -> dict[str, int]:
    """Twice a minute (Celery beat) and whenever a batch's page is opened: a preview whose job died
    is queued again (resumed), an apply or undo whose job died is marked 已中断 / back to 已导入
    (each is one transaction: nothing half-written) with 重试 offered at once, and files kept
    while the queue was down are queued. Returns the count of each outcome."""
    qs = import_batch_model().objects.filter(status__in=[Status.UPLOADED, *RUNNING_STATUSES]).defer("summary", "touched")
    if batch is not None:
        qs = qs.filter(pk=batch.pk)
    outcomes: Counter = Counter()
    for b in qs:
        outcomes[_watch_one(b)] += 1
    return dict(outcomes)


def _watch_one(batch: AbstractImportBatch) -> str:
    if batch.status == Status.UPLOADED:
        since = (batch.queued_at or batch.uploaded_at).timestamp()
        if time.time() - since < settings.IMPORT_HEARTBEAT_SECONDS:
            return "waiting"
        return _requeue_preview(batch)
    if not is_stuck(batch):
        return "alive"
    if batch.status == Status.PREVIEWING:
        return _requeue_preview(batch)  # the preview writes only its own batch row: just run it again
    return _interrupt(batch)


def _requeue_preview(batch: AbstractImportBatch) -> str:
    outcome = import_batch_start_preview(
        batch=batch, force_queue=True, expect={"status": batch.status, "queued_at": batch.queued_at}
    )
    return {True: "resumed", False: "queue_down", None: "resumed"}[outcome["queued"]]


def _interrupt(batch: AbstractImportBatch) -> str:
    """An apply or undo whose job is gone. Its transaction holds the batch row while it runs
    (PostgreSQL: the row is skipped; SQLite: the write lock makes this wait, then find the batch
    moved on, or give up): a live job is never marked."""
    try:
        with transaction.atomic():
            row = (
                import_batch_model()
                .objects.select_for_update(skip_locked=True)
                .filter(pk=batch.pk, status=batch.status)
                .defer("summary", "touched")
                .first()
            )
            if row is None or not is_stuck(row):
                return "alive"
            if row.status == Status.APPLYING:
                changes = {"status": Status.INTERRUPTED, "message": APPLY_INTERRUPTED}
            else:
                changes = {"status": Status.APPLIED, "message": ROLLBACK_INTERRUPTED}
            import_batch_model().objects.filter(pk=row.pk, status=row.status).update(queued_at=None, **changes)
    except DatabaseError:
        log.info("import batch %s: busy, left to its job", batch.pk)
        return "alive"
    log.warning("import batch %s: %s interrupted (no sign of life from its job)", batch.pk, batch.status)
    cache.delete(_progress_key(batch.pk))
    return "interrupted"


def _summary(preview: Preview, st) -> dict:
    """What the preview page, the error workbook and the command show of the check. A row keeps
    only what it has to say: its number, status and name, and — when there are any — its changes
    ("c"), errors ("e") and warnings ("w"), and where it points ("at") when that is not its row
    number (a 10,000-row summary is written to the database on every preview: the empty keys were
    a sixth of its JSON). Readers take a missing key as empty."""

    def texts(issues) -> list[str]:
        return [issue_text(preview.column_label(i.key, st) if i.key else st.whole_row, i) for i in issues]

    rows = []
    for r in preview.rows:
        row = {"n": r.number, "s": r.status, "name": str(r.values.get("name") or r.raw.get("name") or "")}
        if r.changes:
            row["c"] = "；".join(r.changes)
        at = st.row_label(r)
        if at != SheetType.row_label(st, r):  # a sheet type's own label ("文件「张三.lrmx」")
            row["at"] = at
        if r.errors:
            row["e"] = texts(r.errors)
        if r.warnings:
            row["w"] = texts(r.warnings)
        rows.append(row)
    return {
        "sheet": preview.sheet_name,
        "header_row": preview.header_row,
        "labels": preview.labels,
        "columns": preview.columns,
        "rows": rows,
        "errors": preview.messages(st)[:MAX_MESSAGES],
        "warnings": preview.messages(st, warnings=True)[:MAX_MESSAGES],
        "file_errors": preview.file_errors,
    }


@paused_gc()
def import_batch_preview(*, batch: AbstractImportBatch) -> AbstractImportBatch:
    """Validate the whole file and store the per-row preview. Writes only the batch row."""
    st = get_sheet_type(batch.sheet_type)
    current = import_batch_model().objects.filter(pk=batch.pk).values_list("status", flat=True).first()
    if current in (Status.APPLYING, Status.APPLIED, Status.FAILED, Status.INTERRUPTED, Status.ROLLING_BACK, Status.ROLLED_BACK):
        return import_batch_model().objects.get(pk=batch.pk)  # a redelivered task after the batch moved on
    import_batch_model().objects.filter(pk=batch.pk).update(status=Status.PREVIEWING, progress_done=0, progress_total=0)
    progress_heartbeat(batch)
    with job_heartbeat(batch, database=True):
        try:
            return _preview(batch, st)
        except ValidationError as exc:
            return _preview_refused(batch, exc.messages)
        except Exception:
            # Whatever went wrong, the batch must not stay 校验中: it ends 有错误 (a new upload or 重新校验
            # starts again); the cause goes to the log, not to the user.
            log.exception("import batch %s: preview failed", batch.pk)
            return _preview_refused(batch, [PREVIEW_CRASHED])


PREVIEW_CRASHED = "校验时发生系统错误，未写入任何数据。请用 Excel/WPS 打开文件另存为 .xlsx 后重新上传；仍不行请联系管理员。"


def _preview_refused(batch: AbstractImportBatch, messages: list[str]) -> AbstractImportBatch:
    """The file as a whole was refused: 有错误, the reason as the message, nothing else kept."""
    batch.status = Status.INVALID
    batch.counts = {"total": 0, "created": 0, "updated": 0, "unchanged": 0, "errors": 1, "warnings": 0}
    batch.summary = {"rows": [], "errors": messages, "warnings": [], "file_errors": messages}
    batch.message = messages[0]
    batch.progress_done = batch.progress_total = 1
    import_batch_model().objects.filter(pk=batch.pk).update(
        status=batch.status,
        counts=batch.counts,
        summary=batch.summary,
        message=batch.message,
        progress_done=1,
        progress_total=1,
    )
    cache.delete(_progress_key(batch.pk))
    return batch


def _preview(batch: AbstractImportBatch, st) -> AbstractImportBatch:
    fingerprint = db_fingerprint(st)
    preview = clean_file(
        read_upload(batch),
        st,
        user=batch.uploaded_by,
        township=batch.township,
        progress=_progress_saver(batch, 0, 90),
        filename=batch.original_name,
    )
    plan_preview(preview, st, user=batch.uploaded_by, township=batch.township)
    batch.counts = preview.counts
    batch.summary = _summary(preview, st)
    batch.status = Status.PREVIEWED if preview.ok else Status.INVALID
    batch.message = "" if preview.ok else f"共有{batch.counts['errors']}{st.row_unit}存在错误，请修改后重新上传。"
    previous = (
        import_batch_model()
        .objects.filter(checksum=batch.checksum, status=Status.APPLIED, township=batch.township)
        .exclude(pk=batch.pk)
        .only("applied_at")  # not its (large) summary
        .first()
    )
    if previous and preview.ok:
        batch.message = f"同一文件已于{timezone.localtime(previous.applied_at):%Y-%m-%d %H:%M}导入过；再次导入不会产生变化的行。"
    batch.progress_done = batch.progress_total = max(batch.progress_total, 1)
    batch.previewed_at = timezone.now()
    with alongside() as database:
        # PostgreSQL stores the preview (megabytes of JSON for a large file) while Python
        # pickles the plan for the apply; the status is set once both are done, so that a
        # previewed batch always has its plan cached.
        stored = ["counts", "summary", "message", "progress_done", "progress_total", "previewed_at"]
        database.submit(update_statement(batch, stored))
        if preview.ok:
            cache_plan(batch, fingerprint, preview)
    import_batch_model().objects.filter(pk=batch.pk).update(status=batch.status)
    cache.delete(_progress_key(batch.pk))
    return batch


@paused_gc()
def import_batch_apply(*, batch: AbstractImportBatch, by) -> AbstractImportBatch:
    """Re-validate against the current database and write everything in one transaction.
    Any error → nothing is written. Re-applying an identical file writes nothing; running the
    apply of a batch that is already applied (a redelivered task, a retry racing the worker)
    does nothing.

    Progress goes to the cache (batch_progress): 0–40 % reading the file again when the
    database changed since the preview, 40–100 % the writes (SheetType.apply may call
    ctx["progress"](done, total))."""
    st = get_sheet_type(batch.sheet_type)
    if not import_allowed(by, st):
        raise PermissionDenied("您没有导入数据的权限。")
    # The per-row summary (megabytes of JSON for a large file) is neither read nor rewritten here
    # unless the file has to be planned again; save() then writes only the loaded fields.
    batch = import_batch_model().objects.defer("summary").get(pk=batch.pk)
    if batch.status in (Status.APPLIED, Status.INTERRUPTED):
        # applied already (a redelivered task), or the watch gave this job up for dead while it
        # waited in the queue: 已中断 means nothing happens until the user presses 重试.
        return batch
    if batch.status not in (Status.PREVIEWED, Status.APPLYING, Status.FAILED):
        raise ValidationError({"status": f"当前状态为“{batch.get_status_display()}”，不能导入。"})
    if (batch.counts or {}).get("errors"):
        raise ValidationError({"status": "该文件校验有错误，不能导入。"})
    # Conditional, so that an apply committed meanwhile (its row lock makes this UPDATE wait and
    # then re-check the condition) is not turned back into 导入中.
    import_batch_model().objects.filter(pk=batch.pk, status__in=[Status.PREVIEWED, Status.APPLYING, Status.FAILED]).update(
        status=Status.APPLYING, progress_done=0, progress_total=0
    )
    progress_heartbeat(batch)
    with job_heartbeat(batch):
        return _apply(batch, st, by)


def _apply(batch: AbstractImportBatch, st, by) -> AbstractImportBatch:
    try:
        with transaction.atomic():
            # A second apply of the same batch (retry while the first still runs) waits here on
            # PostgreSQL and then finds it applied.
            locked = import_batch_model().objects.select_for_update().only("status").get(pk=batch.pk)
            if locked.status == Status.APPLIED:
                return import_batch_model().objects.get(pk=batch.pk)
            rows, fresh = planned(batch, st, by, progress=_progress_saver(batch, 0, 40))
            if fresh is not None and not fresh.ok:
                raise ValidationError(fresh.messages(st)[:50])
            _progress_saver(batch, 40, 100)(0, 1)
            ctx = st.context(user=by, township=batch.township) | {"user": by, "progress": _progress_saver(batch, 40, 100)}
            batch.report_progress = ctx["progress"]
            with alongside():
                touched = st.apply(rows, ctx, batch=batch)
            batch.touched = touched
            if fresh is not None:  # the database had changed since the preview: store what was written
                batch.counts = fresh.counts
                batch.summary = _summary(fresh, st)
            batch.status = Status.APPLIED
            batch.applied_by = by
            batch.applied_at = timezone.now()
            c = batch.counts
            batch.message = f"导入完成：新增{c['created']}行，修改{c['updated']}行，无变化{c['unchanged']}行。"
            batch.progress_done = batch.progress_total = 100
            batch.queued_at = None
            batch.save()
    except ValidationError as exc:
        import_batch_model().objects.filter(pk=batch.pk).exclude(status=Status.APPLIED).update(
            status=Status.INVALID, message="数据已变化，重新校验发现错误，未导入任何数据：" + "；".join(exc.messages[:5])
        )
        cache.delete(_progress_key(batch.pk))
        batch.refresh_from_db()
        return batch
    except Exception:
        log.exception("import batch %s failed", batch.pk)
        import_batch_model().objects.filter(pk=batch.pk).exclude(status=Status.APPLIED).update(
            status=Status.FAILED, message="导入时发生系统错误，未写入任何数据。请重试或联系管理员。"
        )
        cache.delete(_progress_key(batch.pk))
        raise
    cache.delete(_progress_key(batch.pk))
    return batch


def _may_undo(user, batch: AbstractImportBatch) -> bool:
    if not user.is_authenticated or user.is_auditor:
        return False
    return user.is_county or (user.is_clerk and batch.township_id == user.township_id)


def _check_rollback_allowed(batch: AbstractImportBatch, by) -> None:
    if not _may_undo(by, batch):
        raise PermissionDenied("您没有撤销该导入的权限。")


def rollback_allowed(user, batch: AbstractImportBatch) -> bool:
    """Offer 撤销本次导入: an applied batch, to county staff or the clerk of its township."""
    return batch.status == Status.APPLIED and _may_undo(user, batch)


def file_download_allowed(user, batch: AbstractImportBatch) -> bool:
    """The uploaded file and its error workbook hold every cell in full (ID numbers, phones):
    only its uploader and county staff may download them, and only roles that see personal
    data (an auditor never)."""
    from core.masking import can_see_personal

    if not (user.is_authenticated and can_see_personal(user)):
        return False
    return user.pk == batch.uploaded_by_id or user.is_county


ROLLBACK_CRASHED = "撤销时发生系统错误，未撤销任何数据。请稍后重新撤销或联系管理员。"


@paused_gc()
def import_batch_rollback(*, batch: AbstractImportBatch, by) -> AbstractImportBatch:
    """Undo an applied import while nothing it touched has changed since: one transaction, all
    or nothing. Runs on the worker (import_batch_start_rollback: 撤销中 with progress) or
    directly. A refusal or a crash leaves the batch 已导入 with the reason as its message
    (the page shows it) and raises."""
    _check_rollback_allowed(batch, by)
    st = get_sheet_type(batch.sheet_type)
    current = import_batch_model().objects.filter(pk=batch.pk).values_list("status", flat=True).first()
    if current not in (Status.APPLIED, Status.ROLLING_BACK):
        raise ValidationError({"status": "只有已导入的批次可以撤销。"})
    import_batch_model().objects.filter(pk=batch.pk, status=current).update(
        status=Status.ROLLING_BACK, progress_done=0, progress_total=0
    )
    progress_heartbeat(batch)
    try:
        with job_heartbeat(batch):
            return _rollback(batch, st, by)
    except ValidationError as exc:
        _rollback_refused(batch, "撤销未完成：" + "；".join(exc.messages))
        raise
    except Exception:
        log.exception("import batch %s: rollback failed", batch.pk)
        _rollback_refused(batch, ROLLBACK_CRASHED)
        raise
    finally:
        cache.delete(_progress_key(batch.pk))


def _rollback_refused(batch: AbstractImportBatch, message: str) -> None:
    import_batch_model().objects.filter(pk=batch.pk, status=Status.ROLLING_BACK).update(
        status=Status.APPLIED, message=message[:2000], queued_at=None, progress_done=100, progress_total=100
    )


def _rollback(batch: AbstractImportBatch, st, by) -> AbstractImportBatch:
    try:
        with transaction.atomic():
            batch = import_batch_model().objects.select_for_update().get(pk=batch.pk)
            if batch.status != Status.ROLLING_BACK:
                return batch  # undone meanwhile (a redelivered task), or given up by the watch
            progress = _progress_saver(batch, 0, 20)
            progress(0, 1)
            later = [problem for guard in ROLLBACK_GUARDS for problem in guard(batch)]
            if later:
                raise ValidationError(
                    {"status": f"导入后已有{len(later)}处数据被再次修改或新增（{'；'.join(later[:5])}），不能整体撤销。"}
                )
            batch.report_progress = _progress_saver(batch, 20, 100)
            batch.report_progress(0, 1)
            st.rollback(batch, by=by)
            batch.status = Status.ROLLED_BACK
            batch.rolled_back_by = by
            batch.rolled_back_at = timezone.now()
            batch.message = "已撤销本次导入。"
            batch.queued_at = None
            batch.progress_done = batch.progress_total = 100
            fields = ["status", "rolled_back_by", "rolled_back_at", "message", "queued_at", "progress_done", "progress_total"]
            batch.save(update_fields=fields)
    except (ProtectedError, RestrictedError) as exc:
        # A reference the check above did not see (e.g. added in the same instant): refuse, never a 500.
        kinds = "、".join(sorted({str(o._meta.verbose_name) for o in [*exc.args[1]][:50]}))
        raise ValidationError({"status": f"导入的数据已被其他记录（{kinds}）引用，不能整体撤销。"}) from exc
    return batch


def status_label(code: str) -> str:
    return STATUS_LABELS.get(code, code)
