"""Django admin for the training app: search, filters, autocomplete, logged export, history.

Every model is export-only here: sessions are created on the pages (code allocation, day schedule),
enrolments and attendance through the sign-in sheet pipeline, upgrades through the services."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied

from core.admin import WORKFLOW_NOTE, HistoryExportOnlyAdmin
from core.exports import LoggedExportMixin

from . import resources
from .models import Attendance, EducationUpgrade, Enrollment, TrainingSession


class HistoryExportAdmin(LoggedExportMixin, HistoryExportOnlyAdmin):
    """Admin base: export only (logged), history; the note says where rows are entered instead."""


class EnrollmentInline(admin.TabularInline):
    model = Enrollment
    extra = 0
    fields = ["person", "township", "village", "post_name", "hours_credited", "missed", "certificate"]
    readonly_fields = ["hours_credited", "missed", "certificate"]
    autocomplete_fields = ["person", "township", "village"]
    show_change_link = True


@admin.register(TrainingSession)
class TrainingSessionAdmin(HistoryExportAdmin):
    # Export-only: sessions are created on the pages (code allocation, day schedule checks).
    resource_classes = [resources.SessionResource]
    list_display = ["code", "title", "level", "kind", "organiser", "start_date", "end_date", "township"]
    list_filter = ["level", "kind", "township", "start_date"]
    search_fields = ["code", "title", "organiser"]
    autocomplete_fields = ["township"]
    list_select_related = ["township"]
    date_hierarchy = "start_date"
    readonly_fields = ["created_by", "created_at"]
    inlines = [EnrollmentInline]


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    fields = ["date", "status", "note", "recorded_by"]
    readonly_fields = ["recorded_by"]


@admin.register(Enrollment)
class EnrollmentAdmin(HistoryExportAdmin):
    """Export only: enrolments and attendance are imported through the sign-in sheet pipeline, which
    recomputes hours and certificates; an admin import would bypass those rules."""

    export_only_note = WORKFLOW_NOTE.format(what="参训名单和考勤", rules="学时折算、结业证书和名额")

    resource_classes = [resources.EnrollmentResource]
    list_display = ["session", "person", "township", "village", "hours_credited", "missed", "certificate"]
    list_filter = ["certificate", "township", "session__level", "session__start_date"]
    search_fields = ["person__name", "person__id_number", "session__code", "session__title"]
    autocomplete_fields = ["session", "person", "township", "village"]
    list_select_related = ["session", "person", "township", "village"]
    readonly_fields = ["hours_credited", "missed", "certificate", "created_by", "created_at"]
    inlines = [AttendanceInline]


@admin.register(Attendance)
class AttendanceAdmin(HistoryExportAdmin):
    export_only_note = WORKFLOW_NOTE.format(what="考勤", rules="学时折算和结业证书")

    list_display = ["enrollment", "date", "status", "recorded_by"]
    list_filter = ["status", "date", "enrollment__township"]
    search_fields = ["enrollment__person__name", "enrollment__session__code"]
    autocomplete_fields = ["enrollment"]
    list_select_related = ["enrollment__person", "enrollment__session", "recorded_by"]


@admin.register(EducationUpgrade)
class EducationUpgradeAdmin(HistoryExportAdmin):
    """Export only: graduation, withdrawal and subsidies go through the upgrade pages/services (an
    import could rewrite the fee or graduation a subsidy was granted on). History is shown but not
    revertible (a revert would rewrite a subsidy already handed to the pay ledger)."""

    export_only_note = WORKFLOW_NOTE.format(what="学历提升", rules="毕业、退学登记和学费、学历补贴核定")

    resource_classes = [resources.EducationUpgradeResource]
    list_display = ["person", "township", "kind", "school", "programme", "level", "status", "tuition_subsidy", "diploma_subsidy"]
    list_filter = ["kind", "status", "level", "township"]
    search_fields = ["person__name", "person__id_number", "school", "programme"]
    autocomplete_fields = ["person", "township", "village"]
    list_select_related = ["person", "township"]
    readonly_fields = ["created_by", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        """A subsidy once fixed has been handed to the pay ledger: its amount and date (and, for the
        tuition subsidy, the fee it was computed from) can no longer change here."""
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.tuition_subsidy is not None:
            fields += ["tuition_fee", "tuition_subsidy", "tuition_subsidy_date"]
        if obj is not None and obj.diploma_subsidy is not None:
            fields += ["actual_graduation", "diploma_subsidy", "diploma_subsidy_date"]
        return fields

    def has_change_history_permission(self, request, obj=None) -> bool:
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("历史版本只能查看，不能恢复。")
        return super().history_form_view(request, object_id, version_id, extra_context)
