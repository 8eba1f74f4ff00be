"""Django admin for the reserves app: search, filters, autocomplete, import/export, history."""

from django.contrib import admin
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from . import resources
from .models import Appraisal, Mentorship, PartyStageRecord, PracticePost, ReserveCandidate, ReserveEvent


class HistoryImportExportAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    """Admin base: django-import-export + django-simple-history."""


class ReserveEventInline(admin.TabularInline):
    model = ReserveEvent
    extra = 0
    readonly_fields = ["from_status", "to_status", "date", "by", "at", "note"]
    can_delete = False


class MentorshipInline(admin.TabularInline):
    model = Mentorship
    extra = 0
    autocomplete_fields = ["mentor_person"]


class PracticePostInline(admin.TabularInline):
    model = PracticePost
    extra = 0


class AppraisalInline(admin.TabularInline):
    model = Appraisal
    extra = 0


class PartyStageInline(admin.TabularInline):
    model = PartyStageRecord
    extra = 0


@admin.register(ReserveCandidate)
class ReserveCandidateAdmin(HistoryImportExportAdmin):
    resource_classes = [resources.ReserveCandidateResource]
    list_display = ["person", "village", "cohort", "source_name", "intended_post_name", "status", "surveyed_on", "closed_on"]
    list_filter = ["status", "cohort", "source", "village__township", "exit_reason"]
    search_fields = ["person__name", "person__id_number", "village__name"]
    autocomplete_fields = ["person", "village", "qualification_review", "appointment"]
    list_select_related = ["person", "village"]
    readonly_fields = ["created_by", "created_at"]
    inlines = [ReserveEventInline, MentorshipInline, PracticePostInline, AppraisalInline, PartyStageInline]


@admin.register(ReserveEvent)
class ReserveEventAdmin(admin.ModelAdmin):
    list_display = ["candidate", "from_status", "to_status", "date", "by", "at"]
    list_filter = ["to_status"]
    search_fields = ["candidate__person__name"]
    list_select_related = ["candidate__person", "candidate__village", "by"]
    readonly_fields = ["candidate", "from_status", "to_status", "date", "by", "at", "note"]


@admin.register(Mentorship)
class MentorshipAdmin(HistoryImportExportAdmin):
    list_display = ["candidate", "mentor_name", "mentor_type_name", "start_date", "end_date"]
    list_filter = ["mentor_type", "candidate__village__township"]
    search_fields = ["candidate__person__name", "mentor_name"]
    autocomplete_fields = ["candidate", "mentor_person"]
    list_select_related = ["candidate__person", "candidate__village"]


@admin.register(PracticePost)
class PracticePostAdmin(HistoryImportExportAdmin):
    list_display = ["candidate", "post_name", "start_date", "end_date"]
    list_filter = ["post", "candidate__village__township"]
    search_fields = ["candidate__person__name", "post_name"]
    autocomplete_fields = ["candidate"]
    list_select_related = ["candidate__person", "candidate__village"]


@admin.register(Appraisal)
class AppraisalAdmin(HistoryImportExportAdmin):
    list_display = ["candidate", "year", "result_name", "is_poor", "date"]
    list_filter = ["year", "is_poor", "candidate__village__township"]
    search_fields = ["candidate__person__name"]
    autocomplete_fields = ["candidate"]
    list_select_related = ["candidate__person", "candidate__village"]


@admin.register(PartyStageRecord)
class PartyStageRecordAdmin(HistoryImportExportAdmin):
    list_display = ["candidate", "stage", "date", "until"]
    list_filter = ["stage", "candidate__village__township"]
    search_fields = ["candidate__person__name"]
    autocomplete_fields = ["candidate"]
    list_select_related = ["candidate__person", "candidate__village"]
