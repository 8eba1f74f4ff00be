"""List and report exports: scoped querysets → .xlsx, personal data masked by role, every export logged.

Exports stream through xlsxwriter's constant-memory mode (cadres.spreadsheets.workbooks.write_xlsx),
so a 100,000-row list stays well under 200 MB; cells starting with = + - @ are neutralised.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote

import tablib
from django.http import HttpResponse
from import_export.admin import ExportMixin, ImportExportMixin

from .masking import can_see_personal, mask_id_number, mask_phone
from .models import ExportLog
from .spreadsheets.workbooks import neutralise, write_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ExportColumn:
    header: str
    get: Callable[[object], object]
    personal: str = ""  # "id" | "phone": masked for roles without cadres.view_personal_data
    width: int = 0


@functools.cache
def _choice_labels(model, field_name: str) -> tuple[str, dict]:
    field = model._meta.get_field(field_name)
    return field.attname, {value: str(label) for value, label in field.flatchoices}


def choice_label(field_name: str) -> Callable[[object], object]:
    """A column getter returning what ``obj.get_<field_name>_display()`` returns, from a dict built
    once per model and field (Django rebuilds that dict on every call: an eighth of a
    100,000-row export's time)."""

    def get(obj):
        attname, labels = _choice_labels(type(obj), field_name)
        value = getattr(obj, attname)
        return labels.get(value, value)

    return get


def _mask(kind: str, value):
    if not value:
        return value
    return mask_id_number(str(value)) if kind == "id" else mask_phone(str(value))


def export_rows(user, rows: Iterable, columns: list[ExportColumn]) -> Iterable[list]:
    full = can_see_personal(user)
    for obj in rows:
        yield [(c.get(obj) if full or not c.personal else _mask(c.personal, c.get(obj))) for c in columns]


def log_export(*, user, what: str, filters: dict, rows: int) -> ExportLog:
    return ExportLog.objects.create(
        user=user, township_id=user.township_id, what=what[:100], filters=filters, rows=rows, masked=not can_see_personal(user)
    )


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    stamp = datetime.date.today().strftime("%Y%m%d")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}-{stamp}.xlsx"
    return response


def export_queryset(
    *, user, queryset, columns: list[ExportColumn], what: str, filters: dict | None = None, title: str = ""
) -> HttpResponse:
    """The one way a list leaves the system: scoped queryset in, masked + logged .xlsx out."""
    counter = {"n": 0}

    def counted(rows):
        for row in rows:
            counter["n"] += 1
            yield row

    text_cols = [i for i, c in enumerate(columns) if c.personal]
    data = write_xlsx(
        [c.header for c in columns],
        export_rows(user, counted(queryset.iterator(chunk_size=2000) if hasattr(queryset, "iterator") else queryset), columns),
        sheet_title=what,
        title=title or None,
        widths=[c.width or max(8, min(30, len(c.header) * 2 + 2)) for c in columns],
        text_columns=text_cols,
    )
    kept = {k: v for k, v in (filters or {}).items() if k not in ("page", "export")}
    log_export(user=user, what=what, filters=kept, rows=counter["n"])
    return xlsx_response(data, what)


def neutralise_dataset(dataset: tablib.Dataset) -> tablib.Dataset:
    """The same dataset with every text cell that starts with = + - @ (or a tab/CR) made inert
    with a leading apostrophe; numbers stay numbers. (django-import-export's own
    IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only strips a leading "=" and turns every cell into
    text, so it is not used.)"""
    out = tablib.Dataset(headers=dataset.headers, title=dataset.title)
    for row in dataset:
        out.append([neutralise(cell) for cell in row])
    return out


class LoggedExportMixin(ExportMixin):
    """django-import-export's ExportMixin for the admin, made as safe as the list exports: formula
    cells neutralised, and every export written to ExportLog (who, what, filters, rows).

    Use it in place of ``ExportMixin`` (``ImportExportModelAdmin`` → ``ImportMixin,
    LoggedExportMixin, admin.ModelAdmin``)."""

    def get_data_for_export(self, request, queryset, **kwargs):
        dataset = neutralise_dataset(super().get_data_for_export(request, queryset, **kwargs))
        filters = {k: v for k, v in request.GET.items() if k not in ("p", "o")}
        log_export(user=request.user, what=f"后台导出：{self.model._meta.verbose_name}", filters=filters, rows=len(dataset))
        return dataset


class LoggedImportExportMixin(LoggedExportMixin, ImportExportMixin):
    """In place of ``ImportExportMixin`` (``ImportExportModelAdmin`` = this + ``admin.ModelAdmin``):
    imports as before, exports neutralised and logged."""
