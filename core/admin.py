"""Admin bases every app's admin builds on: import/export with change history, export-only lists
(with a note saying where the rows are entered instead)."""

from import_export.admin import ExportMixin, ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

WORKFLOW_NOTE = "此处仅提供导出：{what}须在系统页面或“表格导入”中办理，以执行{rules}等业务规则并留痕。"


class HistoryImportExportAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    """Admin base: django-import-export + django-simple-history."""


class HistoryExportOnlyAdmin(ExportMixin, SimpleHistoryAdmin):
    """Export only, with a note on the change list saying where these rows are entered instead."""

    import_export_change_list_template = "core/admin/change_list_export_only.html"
    export_only_note = "此处仅提供导出。"

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "export_only_note": self.export_only_note})
