"""Services for import batches: upload → preview → apply → (rollback). The only writers of import batches."""

from __future__ import annotations

import enum
import hashlib
import logging
import pickle
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, ProtectedError, RestrictedError
from django.utils import timezone

from core.conf import import_batch_model
from core.models import AbstractImportBatch, BatchStatus

from .pipeline import (
    CHANGED,
    NEW,
    STATUS_LABELS,
    Preview,
    RowResult,
    clean_file,
    get_sheet_type,
    issue_text,
    paused_gc,
    plan_preview,
)

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
    """May ``user`` upload ``sheet_type``? County staff or clerks, holding the sheet type's permission."""
    if not (user.is_authenticated and not user.is_auditor and (user.is_county or user.is_clerk)):
        return False
    return not sheet_type.permission or user.has_perm(sheet_type.permission)


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


def _progress_key(batch_id: int) -> str:
    return f"touyan:import-progress:{batch_id}"


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
    batch row is updated too when we are not inside a transaction (the preview)."""

    def save(done: int, total: int) -> None:
        pct = lo + (hi - lo) * min(done, total) // max(total, 1)
        progress_heartbeat(batch, pct, 100)
        if not transaction.get_connection().in_atomic_block:
            import_batch_model().objects.filter(pk=batch.pk).update(progress_done=pct, progress_total=100)

    return save


def stuck_after_seconds() -> int:
    return settings.IMPORT_STUCK_SECONDS


def is_stuck(batch: AbstractImportBatch) -> bool:
    """Running (校验中/导入中) without a sign of life for IMPORT_STUCK_SECONDS: the worker died."""
    if not batch.is_running:
        return False
    beat = batch_progress(batch)
    last = beat["at"] if beat else batch.uploaded_at.timestamp()
    return time.time() - last > stuck_after_seconds()


def retry_allowed(user, batch: AbstractImportBatch) -> bool:
    """The uploader or county staff may restart a batch that failed or is stuck."""
    if not user.is_authenticated or user.is_auditor:
        return False
    if not (user.is_county or user.pk == batch.uploaded_by_id):
        return False
    return batch.status == Status.FAILED or is_stuck(batch)


def import_batch_retry(*, batch: AbstractImportBatch, by) -> str:
    """Restart a failed or stuck batch: "preview" (a stuck 校验中 batch is validated again) or
    "apply" (a stuck 导入中 or a 导入失败 batch is applied again; the apply is one transaction
    and re-checks the database, so nothing is doubled). The caller runs the returned step."""
    batch = import_batch_model().objects.get(pk=batch.pk)
    if not retry_allowed(by, batch):
        raise ValidationError({"status": f"当前状态为“{batch.get_status_display()}”，无需重试。"})
    if batch.status == Status.PREVIEWING:
        import_batch_model().objects.filter(pk=batch.pk, status=Status.PREVIEWING).update(status=Status.UPLOADED)
        return "preview"
    return "apply"


def _summary(preview: Preview, st) -> dict:
    rows = [
        {
            "n": r.number,
            "s": r.status,
            "name": str(r.values.get("name") or r.raw.get("name") or ""),
            "c": "；".join(r.changes),
            "e": [issue_text(preview.column_label(i.key, st) if i.key else "整行", i) for i in r.errors],
            "w": [issue_text(preview.column_label(i.key, st) if i.key else "整行", i) for i in r.warnings],
        }
        for r in preview.rows
    ]
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


def _read(batch: AbstractImportBatch) -> bytes:
    with batch.file.open("rb") as fh:
        return fh.read()


CLEAN_CACHE_SECONDS = 60 * 60


def _cache_key(batch: AbstractImportBatch) -> str:
    return f"touyan:import-clean:{batch.pk}:{batch.checksum}:{batch.uploaded_by_id}"


def db_fingerprint(st) -> tuple:
    """The newest history id of every model the sheet type reads: any write since (through a
    service, an import or the admin) changes it, because every such write leaves history."""
    return tuple(m.history.aggregate(m=Max("history_id"))["m"] for m in st.reads_models())


def _planned(batch: AbstractImportBatch, st, by, progress=None) -> tuple[list[RowResult], Preview | None]:
    """The rows as planned at upload time when nothing they read has changed since (cached for an
    hour, same user only) — then the preview shown to the user is exactly what gets written;
    otherwise the file is cleaned and compared with the database again (returned as a Preview)."""
    blob = cache.get(_cache_key(batch)) if by.pk == batch.uploaded_by_id else None
    if blob is not None:
        fingerprint, cached = pickle.loads(blob)  # noqa: S301 (our own cache, written by import_batch_preview)
        if fingerprint == db_fingerprint(st):
            return [RowResult(number=n, raw={}, values=v, status=s, plan=p) for n, s, v, p in cached], None
    preview = clean_file(_read(batch), st, user=by, township=batch.township, progress=progress)
    plan_preview(preview, st, user=by, township=batch.township)
    return preview.rows, preview


def _cache_rows(batch: AbstractImportBatch, fingerprint: tuple, preview: Preview) -> None:
    """What apply needs of each row to be written (values and plan), without the raw cells and
    messages. Rows planned as unchanged write nothing in any sheet type's apply, so they are
    left out: re-uploading an unchanged 10,000-row file caches (and later unpickles) nothing."""
    rows = [(r.number, r.status, _plain(r.values), r.plan) for r in preview.rows if r.status in (NEW, CHANGED)]
    cache.set(_cache_key(batch), pickle.dumps((fingerprint, rows), protocol=pickle.HIGHEST_PROTOCOL), CLEAN_CACHE_SECONDS)


def _plain(values: dict) -> dict:
    """Choice enum members (Sex.MALE, Education.SENIOR …) as their plain str/int values: equal
    to them, written to the database the same, and several times cheaper to pickle."""
    return {k: (v.value if isinstance(v, enum.Enum) else v) for k, v in values.items()}


@paused_gc()
def import_batch_preview(*, batch: AbstractImportBatch) -> AbstractImportBatch:
    """Validate the whole file and store the per-row preview. Writes only the batch row."""
    st = get_sheet_type(batch.sheet_type)
    current = import_batch_model().objects.filter(pk=batch.pk).values_list("status", flat=True).first()
    if current in (Status.APPLYING, Status.APPLIED, Status.FAILED, Status.ROLLED_BACK):
        return import_batch_model().objects.get(pk=batch.pk)  # a redelivered task after the batch moved on
    import_batch_model().objects.filter(pk=batch.pk).update(status=Status.PREVIEWING, progress_done=0, progress_total=0)
    progress_heartbeat(batch)
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
        _read(batch), st, user=batch.uploaded_by, township=batch.township, progress=_progress_saver(batch, 0, 90)
    )
    plan_preview(preview, st, user=batch.uploaded_by, township=batch.township)
    if preview.ok:
        _cache_rows(batch, fingerprint, preview)
    batch.counts = preview.counts
    batch.summary = _summary(preview, st)
    batch.status = Status.PREVIEWED if preview.ok else Status.INVALID
    batch.message = "" if preview.ok else f"共有{batch.counts['errors']}行存在错误，请修改后重新上传。"
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
    batch.save(update_fields=["status", "counts", "summary", "message", "progress_done", "progress_total"])
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
    if batch.status == Status.APPLIED:
        return batch
    if batch.status not in (Status.PREVIEWED, Status.APPLYING, Status.FAILED):
        raise ValidationError({"status": f"当前状态为“{batch.get_status_display()}”，不能导入。"})
    # Conditional, so that an apply committed meanwhile (its row lock makes this UPDATE wait and
    # then re-check the condition) is not turned back into 导入中.
    import_batch_model().objects.filter(pk=batch.pk, status__in=[Status.PREVIEWED, Status.APPLYING, Status.FAILED]).update(
        status=Status.APPLYING, progress_done=0, progress_total=0
    )
    progress_heartbeat(batch)
    try:
        with transaction.atomic():
            # A second apply of the same batch (retry while the first still runs) waits here on
            # PostgreSQL and then finds it applied.
            locked = import_batch_model().objects.select_for_update().only("status").get(pk=batch.pk)
            if locked.status == Status.APPLIED:
                return import_batch_model().objects.get(pk=batch.pk)
            rows, fresh = _planned(batch, st, by, progress=_progress_saver(batch, 0, 40))
            if fresh is not None and not fresh.ok:
                raise ValidationError(fresh.messages(st)[:50])
            _progress_saver(batch, 40, 100)(0, 1)
            ctx = st.context(user=by, township=batch.township) | {"user": by, "progress": _progress_saver(batch, 40, 100)}
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


def import_batch_rollback(*, batch: AbstractImportBatch, by) -> AbstractImportBatch:
    """Undo an applied import while nothing it touched has changed since."""
    if not (by.is_county or (by.is_clerk and batch.township_id == by.township_id)):
        raise PermissionDenied("您没有撤销该导入的权限。")
    st = get_sheet_type(batch.sheet_type)
    try:
        with transaction.atomic():
            batch = import_batch_model().objects.select_for_update().get(pk=batch.pk)
            if batch.status != Status.APPLIED:
                raise ValidationError({"status": "只有已导入的批次可以撤销。"})
            later = [problem for guard in ROLLBACK_GUARDS for problem in guard(batch)]
            if later:
                raise ValidationError(
                    {"status": f"导入后已有{len(later)}处数据被再次修改或新增（{'；'.join(later[:5])}），不能整体撤销。"}
                )
            st.rollback(batch, by=by)
            batch.status = Status.ROLLED_BACK
            batch.rolled_back_by = by
            batch.rolled_back_at = timezone.now()
            batch.message = "已撤销本次导入。"
            batch.save(update_fields=["status", "rolled_back_by", "rolled_back_at", "message"])
    except (ProtectedError, RestrictedError) as exc:
        # A reference the check above did not see (e.g. added in the same instant): refuse, never a 500.
        kinds = "、".join(sorted({str(o._meta.verbose_name) for o in [*exc.args[1]][:50]}))
        raise ValidationError({"status": f"导入的数据已被其他记录（{kinds}）引用，不能整体撤销。"}) from exc
    return batch


def status_label(code: str) -> str:
    return STATUS_LABELS.get(code, code)
