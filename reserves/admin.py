"""Django admin for the reserves app: search, filters, autocomplete, export, history.

Export only: new reserve records come from the survey form or the 后备干部花名册 sheet, which check
age, education and data scope. The pipeline (status, review, appointment, exit, adjustment) and the
record's identity (person, village, cohort, source, intended post with their policy names) are
read-only here, and so are the development records (mentoring, practice posts, appraisals, Party
stages): their steps go through the pages and services, which enforce the joint review, the
policy codes, the appraisal's adjustment proposal and the Party path's minimum intervals. Only the
note stays editable. History is shown, never reverted.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied

from core.admin import WORKFLOW_NOTE, HistoryExportOnlyAdmin, ReadOnlyMixin, code_name_filter
from core.exports import LoggedExportMixin

from . import resources
from .models import Appraisal, Mentorship, PartyStageRecord, PracticePost, ReserveCandidate, ReserveEvent

PIPELINE_FIELDS = [
    "status",
    "surveyed_on",
    "qualification_review",
    "appointment",
    "closed_on",
    "exit_reason",
    "adjustment_proposed_on",
    "adjustment_note",
]


class HistoryExportAdmin(LoggedExportMixin, HistoryExportOnlyAdmin):
    """Admin base: export only (logged, formula cells neutralised) + django-simple-history."""

    export_only_note = WORKFLOW_NOTE.format(what="后备力量及其培养记录", rules="年龄学历条件、数据范围、资格联审和入库流程")


class NoRevertMixin:
    """History is shown but cannot be reverted: a revert saves every field of the old version,
    status included, past the read-only fields."""

    def has_change_history_permission(self, request, obj=None) -> bool:
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("历史版本只能查看，不能恢复。")
        return super().history_form_view(request, object_id, version_id, extra_context)


class ViewOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0


class ReserveEventInline(ViewOnlyInline):
    model = ReserveEvent


class MentorshipInline(ViewOnlyInline):
    model = Mentorship


class PracticePostInline(ViewOnlyInline):
    model = PracticePost


class AppraisalInline(ViewOnlyInline):
    model = Appraisal


class PartyStageInline(ViewOnlyInline):
    model = PartyStageRecord


@admin.register(ReserveCandidate)
class ReserveCandidateAdmin(NoRevertMixin, HistoryExportAdmin):
    resource_classes = [resources.ReserveCandidateResource]
    list_display = ["person", "village", "cohort", "source_name", "intended_post_name", "status", "surveyed_on", "closed_on"]
    list_filter = ["status", "cohort", code_name_filter("source", "source_name", "来源类别"), "village__township", "exit_reason"]
    search_fields = ["person__name", "person__id_number", "village__name"]
    list_select_related = ["person", "village"]
    readonly_fields = [
        "person",
        "village",
        "cohort",
        "source",
        "source_name",
        "intended_post",
        "intended_post_name",
        *PIPELINE_FIELDS,
        "created_by",
        "created_at",
    ]
    inlines = [ReserveEventInline, MentorshipInline, PracticePostInline, AppraisalInline, PartyStageInline]

    def has_add_permission(self, request) -> bool:
        return False  # 村级摸底 goes through the survey form or the roster sheet (scope, age, education)


@admin.register(ReserveEvent)
class ReserveEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["candidate", "from_status", "to_status", "date", "by", "at"]
    list_filter = ["to_status"]
    search_fields = ["candidate__person__name"]
    list_select_related = ["candidate__person", "candidate__village", "by"]
    readonly_fields = ["candidate", "from_status", "to_status", "date", "by", "at", "note"]


@admin.register(Mentorship)
class MentorshipAdmin(ReadOnlyMixin, NoRevertMixin, HistoryExportAdmin):
    list_display = ["candidate", "mentor_name", "mentor_type_name", "start_date", "end_date"]
    list_filter = [code_name_filter("mentor_type", "mentor_type_name", "导师类型"), "candidate__village__township"]
    search_fields = ["candidate__person__name", "mentor_name"]
    autocomplete_fields = ["candidate", "mentor_person"]
    list_select_related = ["candidate__person", "candidate__village"]


@admin.register(PracticePost)
class PracticePostAdmin(ReadOnlyMixin, NoRevertMixin, HistoryExportAdmin):
    list_display = ["candidate", "post_name", "start_date", "end_date"]
    list_filter = [code_name_filter("post", "post_name", "锻炼岗位"), "candidate__village__township"]
    search_fields = ["candidate__person__name", "post_name"]
    autocomplete_fields = ["candidate"]
    list_select_related = ["candidate__person", "candidate__village"]


@admin.register(Appraisal)
class AppraisalAdmin(ReadOnlyMixin, NoRevertMixin, HistoryExportAdmin):
    list_display = ["candidate", "year", "result_name", "is_poor", "date"]
    list_filter = ["year", "is_poor", "candidate__village__township"]
    search_fields = ["candidate__person__name"]
    autocomplete_fields = ["candidate"]
    list_select_related = ["candidate__person", "candidate__village"]


@admin.register(PartyStageRecord)
class PartyStageRecordAdmin(ReadOnlyMixin, NoRevertMixin, HistoryExportAdmin):
    list_display = ["candidate", "stage", "date", "until"]
    list_filter = ["stage", "candidate__village__township"]
    search_fields = ["candidate__person__name"]
    autocomplete_fields = ["candidate"]
    list_select_related = ["candidate__person", "candidate__village"]
