"""Spreadsheet import pages: upload → preview (live progress for big files) → apply → undo.

Every batch is loaded through the scoping function (a clerk sees the own township's batches
only); the pipeline itself enforces the row-level scope.
"""

from __future__ import annotations

from urllib.parse import quote

from django import forms as djforms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from core.conf import import_batch_model, township_model
from core.exports import log_export, xlsx_response
from core.forms import NamedModelChoiceField
from core.masking import can_see_personal, mask_personal_text
from core.models import ATTENTION_STATUSES, RUNNING_STATUSES, AbstractImportBatch, BatchStatus
from core.scope import get_scoped_or_404, scoped
from core.views import PageView

from .batches import (
    QUEUE_WAITING,
    apply_refusal,
    batch_progress,
    file_download_allowed,
    import_allowed,
    import_batch_create,
    import_batch_retry,
    import_batch_start_apply,
    import_batch_start_preview,
    import_batch_start_rollback,
    import_batches_watch,
    preview_token,
    retry_allowed,
    rollback_allowed,
)
from .pipeline import REGISTRY, STATUS_LABELS, get_sheet_type
from .workbooks import error_workbook, template_workbook

ACCEPT = ".xlsx,.xls,.ods,.csv,.lrmx,.zip"


class UploadForm(djforms.Form):
    sheet_type = djforms.ChoiceField(label="表格类型")
    township = NamedModelChoiceField(
        label="乡镇(街道)",
        queryset=township_model().objects.none(),
        required=False,
        help_text="县级用户可指定本次只导入某一乡镇的数据；留空则按表中“乡镇”列。",
    )
    file = djforms.FileField(
        label="表格文件",
        help_text="支持 .xlsx、.xls、.ods、.csv（UTF-8 或 GBK）；干部任免审批表为 .lrmx 文件，多人可打包为一个 .zip。",
        widget=djforms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the sheet types this user may import (e.g. clerks cannot post first secretaries).
        self.fields["sheet_type"].choices = [(k, st.label) for k, st in REGISTRY.items() if import_allowed(user, st)]
        if user.is_clerk:
            del self.fields["township"]
        else:
            self.fields["township"].queryset = scoped(user, township_model())
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, djforms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


def _start_preview(request, batch: AbstractImportBatch) -> bool:
    """Small files at once, big ones on the worker; with the queue down a big file is kept (已上传)."""
    if import_batch_start_preview(batch=batch)["queued"] is False:
        messages.warning(request, QUEUE_WAITING)
        return False
    return True


def import_batch_filter(user, params) -> tuple[object, dict]:
    """The import list's filters on the scoped batches: ``errors=1`` (the preview found errors,
    or the apply failed — the dashboard's 待办 links here), ``status``, ``sheet_type`` and, for
    county staff, ``township`` (a township outside the user's scope lists nothing). Unknown
    values are ignored. Returns the queryset and the filters applied (for the form)."""
    qs = scoped(user, import_batch_model()).select_related("uploaded_by", "township").order_by("-uploaded_at", "-id")
    applied: dict[str, str] = {}
    if params.get("errors") == "1":
        qs = qs.filter(status__in=ATTENTION_STATUSES)
        applied["errors"] = "1"
    if params.get("status") in BatchStatus.values:
        qs = qs.filter(status=params["status"])
        applied["status"] = params["status"]
    if params.get("sheet_type") in REGISTRY:
        qs = qs.filter(sheet_type=params["sheet_type"])
        applied["sheet_type"] = params["sheet_type"]
    township = params.get("township", "")
    if user.is_county and township.isdigit():
        qs = qs.filter(township__in=scoped(user, township_model()).filter(pk=int(township)))
        applied["township"] = township
    return qs, applied


class ImportListView(PageView):
    template_name = "imports/import_list.html"
    title = "表格导入"

    def get(self, request, form=None):
        batches, applied = import_batch_filter(request.user, request.GET)
        page = Paginator(batches, 30).get_page(request.GET.get("page"))
        masked = not can_see_personal(request.user)
        for b in page.object_list:
            b.shown_name = mask_personal_text(b.original_name) if masked else b.original_name
        can_import = not request.user.is_auditor
        initial = {"sheet_type": request.GET["sheet_type"]} if request.GET.get("sheet_type") in REGISTRY else {}
        return self.render(
            {
                "page_obj": page,
                "rows": page.object_list,
                "form": form or UploadForm(user=request.user, initial=initial),
                "sheet_types": list(REGISTRY.values()),
                # the filter offers what this user uploads (all types for read-only users)
                "filter_sheet_types": [st for st in REGISTRY.values() if import_allowed(request.user, st)]
                or list(REGISTRY.values()),
                "sheet_labels": {k: st.label for k, st in REGISTRY.items()},
                "can_import": can_import,
                "filters": applied,
                "status_choices": BatchStatus.choices,
                "filter_townships": list(scoped(request.user, township_model()).order_by("sort_order", "code"))
                if request.user.is_county
                else [],
            }
        )

    def post(self, request):
        if request.user.is_auditor:
            raise PermissionDenied("审计只读用户不能导入数据。")
        form = UploadForm(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            return self.get(request, form=form)
        upload = form.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            form.add_error("file", f"文件超过 {settings.IMPORT_MAX_BYTES // 1024 // 1024} MB 上限，请拆分后上传。")
            return self.get(request, form=form)
        try:
            batch = import_batch_create(
                by=request.user,
                sheet_type=form.cleaned_data["sheet_type"],
                filename=upload.name,
                data=upload.read(),
                township=form.cleaned_data.get("township"),
            )
        except ValidationError as exc:
            form.add_error("file", exc.messages[0])
            return self.get(request, form=form)
        _start_preview(request, batch)
        return redirect("core:import_detail", pk=batch.pk)


class ImportTemplateView(PageView):
    def get(self, request, key):
        st = get_sheet_type(key)
        if st.own_reader:  # e.g. a blank 干部任免审批表 (.lrmx)
            content, name, content_type = st.template_file()
            response = HttpResponse(content, content_type=content_type)
            response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
            return response
        return xlsx_response(template_workbook(st), f"{st.label}模板".replace("“", "").replace("”", ""))


def _masked_page(batch: AbstractImportBatch, rows: list[dict]) -> list[dict]:
    """The batch's texts with ID and mobile numbers masked (for roles that see masked data):
    the message, the file name, the error and warning lists and the rows shown."""
    batch.message = mask_personal_text(batch.message)
    batch.original_name = mask_personal_text(batch.original_name)
    summary = dict(batch.summary)
    for key in ("errors", "warnings", "file_errors"):
        if summary.get(key):
            summary[key] = [mask_personal_text(m) for m in summary[key]]
    batch.summary = summary
    return [
        {
            **r,
            "name": mask_personal_text(r.get("name", "")),
            "c": mask_personal_text(r.get("c", "")),
            "e": [mask_personal_text(m) for m in r.get("e", [])],
            "w": [mask_personal_text(m) for m in r.get("w", [])],
        }
        for r in rows
    ]


def _load(request, pk: int) -> AbstractImportBatch:
    qs = import_batch_model().objects.select_related("uploaded_by", "applied_by", "rolled_back_by", "township")
    return get_scoped_or_404(request.user, qs, pk=pk)


class ImportDetailView(PageView):
    template_name = "imports/import_detail.html"

    def get(self, request, pk):
        batch = _load(request, pk)
        if batch.status in (BatchStatus.UPLOADED, *RUNNING_STATUSES):
            # No batch is left running after its job died (the watch also runs on Celery beat, twice a minute).
            outcome = import_batches_watch(batch=batch)
            if set(outcome) - {"alive", "waiting"}:
                batch = _load(request, pk)
        if batch.is_running and (live := batch_progress(batch)):
            batch.progress_done, batch.progress_total = live["done"], live["total"]
        st = REGISTRY.get(batch.sheet_type)
        status = request.GET.get("status", "")
        rows = batch.summary.get("rows", [])
        if status:
            rows = [r for r in rows if r["s"] == status]
        page = Paginator(rows, 100).get_page(request.GET.get("page"))
        shown = list(page.object_list)
        if not can_see_personal(request.user):
            shown = _masked_page(batch, shown)
        polling = bool(request.headers.get("HX-Request"))
        if polling:
            self.template_name = "imports/_progress.html"
        waiting = batch.status == BatchStatus.UPLOADED
        refusal = apply_refusal(request.user, batch, token=preview_token(batch)) if st else "未知的表格类型"
        response = self.render(
            {
                "batch": batch,
                "sheet_type": st,
                "page_obj": page,
                "rows": shown,
                "status": status,
                "status_labels": STATUS_LABELS,
                "title": f"导入：{batch.original_name}",
                "can_apply": not refusal,
                "preview_token": preview_token(batch),
                "can_rollback": rollback_allowed(request.user, batch),
                "can_retry": retry_allowed(request.user, batch),
                "can_download": file_download_allowed(request.user, batch),
                "waiting": waiting,
            }
        )
        if polling and not batch.is_running and not waiting:
            # Finished: the partial carries no hx-trigger, so polling stops; reload once to show the result.
            response["HX-Refresh"] = "true"
        return response

    def post(self, request, pk):
        """重新校验 / 重试 of a failed, interrupted, stuck, waiting or stale batch (its uploader or county staff)."""
        batch = get_scoped_or_404(request.user, import_batch_model(), pk=pk)
        if request.POST.get("action") != "retry":
            return redirect(reverse("core:import_detail", args=[batch.pk]))
        try:
            step = import_batch_retry(batch=batch, by=request.user)
            batch.refresh_from_db()
            if step == "preview":
                if _start_preview(request, batch):
                    messages.success(request, "已重新开始校验。")
            else:
                import_batch_start_apply(batch=batch, by=request.user)
                messages.success(request, "已重新开始导入。")
        except ValidationError as exc:  # also JobQueueUnavailable: 后台任务服务暂不可用，请稍后再试。
            messages.error(request, "；".join(exc.messages))
        except Exception:  # the retry crashed again: the batch says 导入失败, the page says so
            messages.error(request, "重试时发生系统错误，未写入任何数据。请稍后再试或联系管理员。")
        return redirect(reverse("core:import_detail", args=[batch.pk]))


class ImportApplyView(PageView):
    def post(self, request, pk):
        batch = get_scoped_or_404(request.user, import_batch_model(), pk=pk)
        if request.user.is_auditor:
            raise PermissionDenied("审计只读用户不能导入数据。")
        # Refused before anything is queued: a forged or outdated POST changes nothing.
        refusal = apply_refusal(request.user, batch, token=request.POST.get("preview"))
        if refusal:
            messages.error(request, refusal)
            return redirect(reverse("core:import_detail", args=[batch.pk]))
        try:
            import_batch_start_apply(batch=batch, by=request.user)
        except ValidationError as exc:  # also JobQueueUnavailable: nothing written, still 待确认
            messages.error(request, "；".join(exc.messages))
        return redirect(reverse("core:import_detail", args=[batch.pk]))


class ImportRollbackView(PageView):
    """Undo asks first (a page of its own, also without JavaScript), then runs on the worker."""

    template_name = "imports/import_rollback_confirm.html"

    def get(self, request, pk):
        batch = _load(request, pk)
        if not rollback_allowed(request.user, batch):
            messages.error(request, "该导入当前不能撤销。")
            return redirect(reverse("core:import_detail", args=[batch.pk]))
        if not can_see_personal(request.user):
            batch.original_name = mask_personal_text(batch.original_name)
        st = REGISTRY.get(batch.sheet_type)
        return self.render({"batch": batch, "sheet_type": st, "title": f"撤销导入：{batch.original_name}"})

    def post(self, request, pk):
        batch = get_scoped_or_404(request.user, import_batch_model(), pk=pk)
        if request.user.is_auditor:
            raise PermissionDenied("审计只读用户不能撤销导入。")
        if request.POST.get("confirm") != "yes":
            return redirect(reverse("core:import_rollback", args=[batch.pk]))
        try:
            import_batch_start_rollback(batch=batch, by=request.user)
        except ValidationError as exc:  # also JobQueueUnavailable: nothing undone, still 已导入
            messages.error(request, "；".join(exc.messages))
        return redirect(reverse("core:import_detail", args=[batch.pk]))


def _download(request, pk: int, kind: str) -> tuple[AbstractImportBatch, bytes]:
    """The uploaded file (outside the web root), for its uploader and county staff only; logged."""
    batch = get_scoped_or_404(request.user, import_batch_model(), pk=pk)
    if not file_download_allowed(request.user, batch):
        raise PermissionDenied("只有上传人和县委组织部工作人员可以下载导入的原文件和错误标注文件。")
    with batch.file.open("rb") as fh:
        data = fh.read()
    log_export(
        user=request.user,
        what=f"{kind}：{batch.original_name}",
        filters={"batch": batch.pk, "file": kind, "name": batch.original_name, "checksum": batch.checksum},
        rows=(batch.counts or {}).get("total", 0),
    )
    return batch, data


class ImportErrorsView(PageView):
    def get(self, request, pk):
        batch = get_scoped_or_404(request.user, import_batch_model(), pk=pk)
        st = REGISTRY.get(batch.sheet_type)
        if st is None or st.own_reader:
            raise Http404("该类文件没有错误标注文件，请查看页面上列出的错误。")
        batch, data = _download(request, pk, "导入错误标注文件")
        stem = batch.original_name.rsplit(".", 1)[0]
        return xlsx_response(error_workbook(data, batch.summary), f"{stem}-错误标注")


class ImportOriginalView(PageView):
    def get(self, request, pk):
        batch, data = _download(request, pk, "导入原文件")
        response = HttpResponse(data, content_type="application/octet-stream")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(batch.original_name)}"
        return response
