"""List and report exports: scoped querysets → .xlsx, personal data masked by role, every export logged.

Exports stream through xlsxwriter's constant-memory mode (core.imports.workbooks.write_xlsx),
so a 100,000-row list stays well under 200 MB; cells starting with = + - @ are neutralised.

A column reads its cell either with ``get(obj)`` from a model instance, or — when every column of
a list names a ``field`` — straight from ``values_list()``: no model instances at all (a
100,000-row 人员名册 built half a million of them, people, posts, villages and townships, and
spent more time on that than on writing the file). Such a column's choices are shown by their
labels, and a value that is not a model field comes from the column's ``expression`` (an
annotation, e.g. a JoinedText subquery).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote

import tablib
from django.db.models import CharField, Expression, QuerySet, Subquery
from django.http import HttpResponse
from import_export.admin import ExportMixin, ImportExportMixin

from core.conf import export_log_model
from core.models import AbstractExportLog

from .dates import today
from .imports.pipeline import paused_gc
from .imports.workbooks import neutralise, write_xlsx
from .masking import can_see_personal, mask_id_number, mask_phone

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ExportColumn:
    header: str
    get: Callable[[object], object] | None = None  # cell from a model instance
    personal: str = ""  # "id" | "phone": masked for roles without the personal-data permission
    width: int = 0
    field: str = ""  # or a values_list() path ("name", "village__township__name"), choices shown by label
    expression: Expression | None = None  # what ``field`` is annotated with when it is no model field
    empty: str = ""  # shown for a ``field`` that is NULL (e.g. "未关联" for a missing relation)

    def __post_init__(self):
        if (self.get is None) == (not self.field):
            raise ValueError(f"ExportColumn {self.header!r}: give either get or field")


class JoinedText(Subquery):
    """The values of a subquery joined into one text (、 between them) in the subquery's ORDER BY
    order, e.g. a person's current posts; NULL when it has no rows, on both databases.

    The subquery selects exactly one annotation (``.annotate(text=…).values("text")``): its alias
    is what the SQLite form reads. PostgreSQL: NULLIF(ARRAY_TO_STRING(ARRAY(subquery), sep), ''),
    ARRAY() keeping the subquery's order; SQLite (tests, the embedded default): GROUP_CONCAT over
    the ordered subquery (which SQLite reads in order)."""

    def __init__(self, queryset: QuerySet, separator: str = "、"):
        selected = list(queryset.query.annotation_select)
        if queryset.query.values_select or len(selected) != 1:
            raise ValueError("JoinedText needs a subquery selecting one annotation: .annotate(x=…).values('x')")
        self.column, self.separator = selected[0], separator
        super().__init__(queryset, output_field=CharField())

    def as_sql(self, compiler, connection, template=None, **extra_context):
        if connection.vendor == "postgresql":
            template = "NULLIF(ARRAY_TO_STRING(ARRAY(%(subquery)s), %%s), '')"
            sql, params = super().as_sql(compiler, connection, template=template, **extra_context)
            return sql, (*params, self.separator)
        if connection.vendor == "sqlite":
            column = connection.ops.quote_name(self.column)
            # The column is the subquery's own alias, quoted; the separator is a parameter.
            template = f"(SELECT GROUP_CONCAT(_joined.{column}, %%s) FROM (%(subquery)s) AS _joined)"  # noqa: S608
            sql, params = super().as_sql(compiler, connection, template=template, **extra_context)
            return sql, (self.separator, *params)
        raise NotImplementedError(f"JoinedText supports PostgreSQL and SQLite, not {connection.vendor}")


@functools.cache
def _field_labels(model, path: str) -> dict | None:
    """{value: label} of the model field at the end of a values() path, None if it has no choices."""
    field = None
    for part in path.split("__"):
        field = model._meta.get_field(part)
        if field.is_relation:
            model = field.related_model
    return {value: str(label) for value, label in field.flatchoices} if field.choices else None


@functools.cache
def _choice_labels(model, field_name: str) -> tuple[str, dict]:
    return model._meta.get_field(field_name).attname, _field_labels(model, field_name) or {}


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
    """Each object's cells (``ExportColumn.get``), personal ones masked for ``user``'s role."""
    getters = [c.get for c in columns]
    return masked_rows(user, ([get(obj) for get in getters] for obj in rows), columns)


def value_rows(queryset: QuerySet, columns: list[ExportColumn]) -> Iterable[list]:
    """Each row's cells straight from ``values_list()`` of the columns' fields (expressions
    annotated first), choices as their labels: no model instances, no prefetches."""
    qs = queryset.prefetch_related(None)
    annotations = {c.field: c.expression for c in columns if c.expression is not None}
    if annotations:
        qs = qs.annotate(**annotations)
    labels = [(i, _field_labels(qs.model, c.field)) for i, c in enumerate(columns) if c.expression is None]
    labels = [(i, mapping) for i, mapping in labels if mapping]
    empties = [(i, c.empty) for i, c in enumerate(columns) if c.empty]
    for values in qs.values_list(*[c.field for c in columns]).iterator(chunk_size=2000):
        cells = list(values)
        for i, mapping in labels:
            cells[i] = mapping.get(cells[i], cells[i])
        for i, text in empties:
            if cells[i] is None:
                cells[i] = text
        yield cells


def masked_rows(user, cell_rows: Iterable[list], columns: list[ExportColumn]) -> Iterable[list]:
    """The rows with ID numbers and phones masked unless ``user`` may see personal data."""
    if can_see_personal(user):
        yield from cell_rows
        return
    personal = [(i, c.personal) for i, c in enumerate(columns) if c.personal]
    for cells in cell_rows:
        for i, kind in personal:
            cells[i] = _mask(kind, cells[i])
        yield cells


def log_export(*, user, what: str, filters: dict, rows: int) -> AbstractExportLog:
    return export_log_model().objects.create(
        user=user, township_id=user.township_id, what=what[:100], filters=filters, rows=rows, masked=not can_see_personal(user)
    )


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    stamp = today().strftime("%Y%m%d")
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
    by_values = any(c.field for c in columns)
    if by_values != all(c.field for c in columns) or (by_values and not isinstance(queryset, QuerySet)):
        raise ValueError(f"{what}: columns read by field need a queryset, and every column of the list must name a field")
    if by_values:
        rows = masked_rows(user, counted(value_rows(queryset, columns)), columns)
    else:
        objects = queryset.iterator(chunk_size=2000) if isinstance(queryset, QuerySet) else queryset
        rows = export_rows(user, counted(objects), columns)
    # Plain tuples make no reference cycles, so the collector has nothing to find while they
    # stream; model instances with prefetched relations do (person → posts → person), and keep it.
    with paused_gc() if by_values else contextlib.nullcontext():
        data = write_xlsx(
            [c.header for c in columns],
            rows,
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
    cells neutralised, and every export written to export_log_model() (who, what, filters, rows).

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
