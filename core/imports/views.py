"""Spreadsheet import pages: upload → preview (live progress for big files) → apply → undo.

Every batch is loaded through the scoping function (a clerk sees the own township's batches
only); the pipeline itself enforces the row-level scope.
"""

from __future__ import annotations

from django import forms as djforms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from core.conf import import_batch_model, township_model
from core.exports import xlsx_response
from core.masking import can_see_personal, mask_numbers_in
from core.models import AbstractImportBatch, BatchStatus
from core.scope import get_scoped_or_404, scoped
from core.views import PageView

from .batches import (
    batch_progress,
    import_allowed,
    import_batch_apply,
    import_batch_create,
    import_batch_preview,
    import_batch_retry,
    import_batch_rollback,
    progress_heartbeat,
    retry_allowed,
)
from .pipeline import REGISTRY, STATUS_LABELS, get_sheet_type
from .tasks import import_batch_apply_task, import_batch_preview_task
from .workbooks import error_workbook, template_workbook

ACCEPT = ".xlsx,.xls,.ods,.csv"


class UploadForm(djforms.Form):
    sheet_type = djforms.ChoiceField(label="表格类型")
    township = djforms.ModelChoiceField(
        label="乡镇(街道)",
        queryset=township_model().objects.none(),
        required=False,
        help_text="县级用户可指定本次只导入某一乡镇的数据；留空则按表中“乡镇”列。",
    )
    file = djforms.FileField(
        label="表格文件",
        help_text="支持 .xlsx、.xls、.ods、.csv（UTF-8 或 GBK）。",
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


def _run(batch: AbstractImportBatch, *, apply_by=None) -> None:
    """Small files inline; big ones on the Celery worker (eager in the embedded default)."""
    big = batch.size > settings.IMPORT_ASYNC_BYTES
    if apply_by is None:
        if big:
            import_batch_model().objects.filter(pk=batch.pk).update(status=BatchStatus.PREVIEWING)
            progress_heartbeat(batch)  # the "stuck" clock starts at dispatch
            transaction.on_commit(lambda: import_batch_preview_task.delay(batch.pk))
        else:
            import_batch_preview(batch=batch)
    elif big:
        import_batch_model().objects.filter(pk=batch.pk).update(status=BatchStatus.APPLYING)
        progress_heartbeat(batch)
        transaction.on_commit(lambda: import_batch_apply_task.delay(batch.pk, apply_by.pk))
    else:
        import_batch_apply(batch=batch, by=apply_by)


def import_batch_filter(user, params) -> tuple[object, dict]:
    """The import list's filters on the scoped batches: ``errors=1`` (the preview found errors,
    or the apply failed — the dashboard's 待办 links here), ``status``, ``sheet_type`` and, for
    county staff, ``township`` (a township outside the user's scope lists nothing). Unknown
    values are ignored. Returns the queryset and the filters applied (for the form)."""
    qs = scoped(user, import_batch_model()).select_related("uploaded_by", "township").order_by("-uploaded_at", "-id")
    applied: dict[str, str] = {}
    if params.get("errors") == "1":
        qs = qs.filter(status__in=[BatchStatus.INVALID, BatchStatus.FAILED])
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
        _run(batch)
        return redirect("core:import_detail", pk=batch.pk)


class ImportTemplateView(PageView):
    def get(self, request, key):
        st = get_sheet_type(key)
        return xlsx_response(template_workbook(st), f"{st.label}模板".replace("“", "").replace("”", ""))


class ImportDetailView(PageView):
    template_name = "imports/import_detail.html"

    def get(self, request, pk):
        batch = get_scoped_or_404(
            request.user, import_batch_model().objects.select_related("uploaded_by", "applied_by", "township"), pk=pk
        )
        if batch.is_running and (live := batch_progress(batch)):
            batch.progress_done, batch.progress_total = live["done"], live["total"]
        st = REGISTRY.get(batch.sheet_type)
        personal = can_see_personal(request.user)
        if not personal:  # messages quote cells: ID numbers masked as everywhere else (not saved)
            batch.summary, batch.message = mask_numbers_in(batch.summary), mask_numbers_in(batch.message)
        status = request.GET.get("status", "")
        rows = batch.summary.get("rows", [])
        if status:
            rows = [r for r in rows if r["s"] == status]
        page = Paginator(rows, 100).get_page(request.GET.get("page"))
        polling = bool(request.headers.get("HX-Request"))
        if polling:
            self.template_name = "imports/_progress.html"
        response = self.render(
            {
                "batch": batch,
                "sheet_type": st,
                "page_obj": page,
                "rows": page.object_list,
                "status": status,
                "status_labels": STATUS_LABELS,
                "title": f"导入：{batch.original_name}",
                "can_apply": batch.status == BatchStatus.PREVIEWED and import_allowed(request.user, st),
                "can_rollback": batch.status == BatchStatus.APPLIED and not request.user.is_auditor,
                "can_retry": retry_allowed(request.user, batch),
                "can_download": personal,
            }
        )
        if polling and not batch.is_running:
            # Finished: the partial carries no hx-trigger, so polling stops; reload once to show the result.
            response["HX-Refresh"] = "true"
        return response

    def post(self, request, pk):
        """重新校验 / 重试 of a failed or stuck batch (its uploader or county staff)."""
        batch = get_scoped_or_404(request.user, import_batch_model(), pk=pk)
        if request.POST.get("action") != "retry":
            return redirect(reverse("core:import_detail", args=[batch.pk]))
        try:
            step = import_batch_retry(batch=batch, by=request.user)
            batch.refresh_from_db()
            if step == "preview":
                _run(batch)
            else:
                _run(batch, apply_by=request.user)
            messages.success(request, "已重新开始校验。" if step == "preview" else "已重新开始导入。")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        except Exception:  # the retry crashed again: the batch says 导入失败, the page says so
            messages.error(request, "重试时发生系统错误，未写入任何数据。请稍后再试或联系管理员。")
        return redirect(reverse("core:import_detail", args=[batch.pk]))


class ImportActionView(PageView):
    action = ""

    def post(self, request, pk):
        batch = get_scoped_or_404(request.user, import_batch_model(), pk=pk)
        if request.user.is_auditor:
            raise PermissionDenied("审计只读用户不能导入数据。")
        try:
            if self.action == "apply":
                _run(batch, apply_by=request.user)
            else:
                import_batch_rollback(batch=batch, by=request.user)
                messages.success(request, "已撤销本次导入。")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect(reverse("core:import_detail", args=[batch.pk]))


def _require_personal(user) -> None:
    """The uploaded file (and its error-marked copy) holds full ID numbers: not for the roles that
    see personal data masked (auditors)."""
    if not can_see_personal(user):
        raise PermissionDenied("原表格含完整身份证号，您的角色只能查看脱敏信息，不能下载。")


class ImportErrorsView(PageView):
    def get(self, request, pk):
        batch = get_scoped_or_404(request.user, import_batch_model(), pk=pk)
        _require_personal(request.user)
        with batch.file.open("rb") as fh:
            data = error_workbook(fh.read(), batch.summary)
        stem = batch.original_name.rsplit(".", 1)[0]
        return xlsx_response(data, f"{stem}-错误标注")


class ImportOriginalView(PageView):
    def get(self, request, pk):
        batch = get_scoped_or_404(request.user, import_batch_model(), pk=pk)
        _require_personal(request.user)
        with batch.file.open("rb") as fh:
            response = HttpResponse(fh.read(), content_type="application/octet-stream")
        from urllib.parse import quote

        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(batch.original_name)}"
        return response
