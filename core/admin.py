"""Admin bases every app's admin builds on: import/export with change history, export-only lists
(with a note saying where the rows are entered instead)."""

from django.contrib import admin
from import_export.admin import ExportMixin, ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper


def code_name_filter(code_field: str, name_field: str, title: str) -> type[admin.SimpleListFilter]:
    """A change-list filter over a policy code (post, source, mentor type …) that lists the codes
    by the names stored beside them on the rows, never the raw codes."""

    class CodeNameFilter(admin.SimpleListFilter):
        parameter_name = code_field

        def lookups(self, request, model_admin):
            names: dict[str, str] = {}
            rows = model_admin.get_queryset(request).order_by(code_field).values_list(code_field, name_field).distinct()
            for code, name in rows:
                names.setdefault(code, name or code)
            return sorted(names.items(), key=lambda kv: kv[1])

        def queryset(self, request, queryset):
            return queryset.filter(**{code_field: self.value()}) if self.value() else queryset

    CodeNameFilter.title = title
    CodeNameFilter.__name__ = f"{code_field.title().replace('_', '')}NameFilter"
    return CodeNameFilter


class ReadOnlyMixin:
    """Rows written only by the app's services (ledgers, results, job runs): view and export."""

    def get_fields(self, request, obj=None):
        hidden = set(machine_fields(self.model))
        return [name for name in super().get_fields(request, obj) if name not in hidden]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


WORKFLOW_NOTE = "此处仅提供导出：{what}须在系统页面或“表格导入”中办理，以执行{rules}等业务规则并留痕。"


def machine_fields(model) -> list[str]:
    """Fields a read-only admin page leaves out because the app shows them in words elsewhere:
    JSON records (calculation inputs, counts, policy data) and policy codes stored beside their
    names (post beside post_name, source beside source_name …)."""
    names = {f.name for f in model._meta.concrete_fields}
    return [
        f.name
        for f in model._meta.concrete_fields
        if f.get_internal_type() == "JSONField"
        or f"{f.name}_name" in names
        or f"{f.name}_label" in names
        or (f.name in ("rule", "source_ref") and "explanation" in names)  # codes beside the explanation in words
    ]


class ReadableHistoryHelper(HistoricalRecordContextHelper):
    """History lists in words: choice labels instead of codes, 是/否, （空）."""

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        field = self.model._meta.get_field(change.field)
        if value is None or value == "":
            return "（空）"
        if isinstance(value, bool):
            return "是" if value else "否"
        if getattr(field, "choices", None):
            return str(dict(field.flatchoices).get(value, value))
        return value


class ReadableHistoryAdmin(SimpleHistoryAdmin):
    """simple-history's admin with the history list in words."""

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableHistoryHelper(self.model, historical_record)


class HistoryAwareMixin:
    """The change history page of simple-history for models that keep history; Django's own
    (the admin's log) for the few that do not (job runs, logs), which simple-history's page
    would answer with a server error. Read-only pages leave out machine fields (codes, JSON)."""

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is None:
            return fields
        hidden = set(machine_fields(self.model))
        if self.has_change_permission(request, obj):
            hidden &= set(self.get_readonly_fields(request, obj))  # shown only, never typed in
        return [name for name in fields if name not in hidden]

    def history_view(self, request, object_id, extra_context=None):
        if not hasattr(self.model._meta, "simple_history_manager_attribute"):
            return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
        return super().history_view(request, object_id, extra_context)


class HistoryImportExportAdmin(HistoryAwareMixin, ImportExportModelAdmin, ReadableHistoryAdmin):
    """Admin base: django-import-export + django-simple-history."""


class HistoryExportOnlyAdmin(HistoryAwareMixin, ExportMixin, ReadableHistoryAdmin):
    """Export only, with a note on the change list saying where these rows are entered instead."""

    import_export_change_list_template = "core/admin/change_list_export_only.html"
    export_only_note = "此处仅提供导出。"

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "export_only_note": self.export_only_note})
