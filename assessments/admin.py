"""Django admin of the annual review: search, filters, autocomplete, import/export, history.

Results, amendments and proposals are written by services (rollup, override, amendment,
confirmation); the admin shows them read-only so that no rule is bypassed.
"""

from django.contrib import admin

from core.admin import HistoryImportExportAdmin, ReadOnlyMixin, code_name_filter

from . import resources
from .models import (
    AnnualReview,
    BallotTally,
    ConsequenceProposal,
    ResultAmendment,
    ReviewCampaign,
    ReviewFile,
    ReviewItem,
    ReviewResult,
    RollupRun,
)


@admin.register(ReviewCampaign)
class ReviewCampaignAdmin(HistoryImportExportAdmin):
    list_display = ["year", "title", "phase", "ballot_deadline", "publicity_start", "publicity_end"]
    list_filter = ["phase"]
    search_fields = ["title", "year"]


class BallotTallyInline(admin.TabularInline):
    model = BallotTally
    extra = 0


class ReviewItemInline(admin.TabularInline):
    model = ReviewItem
    extra = 0


@admin.register(AnnualReview)
class AnnualReviewAdmin(HistoryImportExportAdmin):
    resource_classes = [resources.AnnualReviewResource]
    list_display = ["year", "township", "village", "person", "post_name", "daily_score", "village_score"]
    list_filter = ["year", "township"]
    search_fields = ["person__name", "person__id_number", "village__name"]
    autocomplete_fields = ["person", "village", "township", "appointment"]
    list_select_related = ["township", "village", "person"]
    inlines = [BallotTallyInline, ReviewItemInline]


@admin.register(BallotTally)
class BallotTallyAdmin(HistoryImportExportAdmin):
    list_display = ["review", "group", "entitled", "attended", "invalid_ballots"]
    list_filter = ["group", "review__year", "review__township"]
    search_fields = ["review__person__name", "review__village__name"]
    autocomplete_fields = ["review"]
    list_select_related = ["review__person", "review__village"]


@admin.register(ReviewItem)
class ReviewItemAdmin(HistoryImportExportAdmin):
    list_display = ["review", "kind", "code", "label", "points"]
    list_filter = ["kind", "review__year"]
    search_fields = ["label", "code", "review__person__name"]
    autocomplete_fields = ["review"]
    list_select_related = ["review__person", "review__village"]


@admin.register(ReviewFile)
class ReviewFileAdmin(HistoryImportExportAdmin):
    list_display = ["review", "kind", "original_name", "uploaded_by", "uploaded_at"]
    list_filter = ["kind", "review__year"]
    search_fields = ["original_name", "review__person__name"]
    autocomplete_fields = ["review"]
    list_select_related = ["review__person", "review__village", "uploaded_by"]


@admin.register(ReviewResult)
class ReviewResultAdmin(ReadOnlyMixin, HistoryImportExportAdmin):
    resource_classes = [resources.ReviewResultResource]
    exclude = ["computed_grade", "override_grade"]  # grade codes: 等次名称 and 等次依据 say them in words
    list_display = [
        "year",
        "township",
        "village",
        "person",
        "score",
        "grade_label",
        "rank",
        "village_category",
        "stars",
        "locked",
    ]
    list_filter = [
        "year",
        code_name_filter("grade", "grade_label", "等次"),
        "status",
        code_name_filter("village_category", "village_category_label", "村类别"),
        "locked",
        "township",
    ]
    search_fields = ["person__name", "village__name"]
    autocomplete_fields = ["review", "person", "village", "township"]
    list_select_related = ["township", "village", "person"]


@admin.register(ResultAmendment)
class ResultAmendmentAdmin(ReadOnlyMixin, HistoryImportExportAdmin):
    list_display = ["result", "field", "old_value", "new_value", "reason", "by", "at"]
    list_filter = ["field"]
    search_fields = ["result__person__name", "reason"]
    autocomplete_fields = ["result"]
    list_select_related = ["result__person", "by"]


@admin.register(ConsequenceProposal)
class ConsequenceProposalAdmin(ReadOnlyMixin, HistoryImportExportAdmin):
    list_display = ["year", "person", "kind", "status", "start_date", "end_date"]
    list_filter = ["kind", "status", "year"]
    search_fields = ["person__name", "reason"]
    autocomplete_fields = ["review", "person"]
    list_select_related = ["person"]


@admin.register(RollupRun)
class RollupRunAdmin(ReadOnlyMixin, HistoryImportExportAdmin):
    list_display = ["year", "township", "status", "progress_done", "progress_total", "created_at", "finished_at"]
    list_filter = ["status", "year", "scheduled"]
    search_fields = ["message"]
    autocomplete_fields = ["township"]
    list_select_related = ["township"]
