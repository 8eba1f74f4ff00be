"""Django admin for the pay ledger: search, filters, autocomplete, import/export, history.

Ledger entries, runs and their lines are read-only here (the ledger is append-only; runs move
only through the services). Card numbers are masked without ``subsidies.view_bank_account``.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse

from core.access import can
from core.admin import ReadableHistoryAdmin, ReadOnlyMixin
from core.exports import LoggedExportMixin, LoggedImportExportMixin
from core.scope import scoped
from core.views import CONFIRM_FIELD, CONFIRM_VALUE

from . import resources, services
from .models import BenefitRecord, LedgerEntry, LivingSubsidyStop, PayAccount, PayPeriod, PayRun, PayRunLine, mask_account


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyMixin, LoggedExportMixin, ReadableHistoryAdmin):
    resource_classes = [resources.LedgerEntryResource]
    list_display = ["id", "period", "person", "township", "entry_type", "amount", "source", "created_by", "created_at"]
    list_filter = ["entry_type", "source", "period__year", "township"]
    search_fields = ["person__name", "person__id_number", "explanation", "source_ref"]
    list_select_related = ["period", "person", "township", "created_by"]
    autocomplete_fields = ["person", "township", "village", "period", "pay_run", "reverses"]
    exclude = ["inputs"]  # the machine record of the calculation; 计算说明 says it in words
    date_hierarchy = "created_at"


@admin.register(PayRun)
class PayRunAdmin(ReadOnlyMixin, LoggedExportMixin, ReadableHistoryAdmin):
    resource_classes = [resources.PayRunResource]
    list_display = ["id", "period", "kind", "township", "status", "line_count", "total_amount", "bank_batch_ref"]
    list_filter = ["kind", "status", "period__year", "township"]
    search_fields = ["bank_batch_ref", "period__code", "township__name"]
    list_select_related = ["period", "township"]
    autocomplete_fields = ["period", "township"]
    actions = ["approve_selected"]

    @admin.action(description="县级审批并入账（所选批次）")
    def approve_selected(self, request, queryset):
        """The admin door of approval: the same service (permission, scope, separation of duties),
        after a confirmation page; every refusal is reported in Chinese, run by run."""
        runs = list(scoped(request.user, queryset).select_related("period", "township").order_by("pk"))
        if request.POST.get(CONFIRM_FIELD) != CONFIRM_VALUE:
            context = {
                **self.admin_site.each_context(request),
                "title": "确认审批并入账",
                "statement": f"审批后，以下{len(runs)}个批次的明细将记入报酬补贴台账，入账后不能撤销，如有错误只能做冲销更正。",
                "objects": runs,
                "action": "approve_selected",
                "button": "确认审批并入账",
            }
            return TemplateResponse(request, "core/admin/confirm_action.html", context)
        approved = 0
        for run in runs:
            try:
                services.payrun_approve(run=run, by=request.user)
            except (ValidationError, PermissionDenied) as exc:
                text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, f"{run}：{text}", messages.ERROR)
            else:
                approved += 1
        if approved:
            self.message_user(request, f"已审批{approved}个批次，正在记账。", messages.SUCCESS)
        return None


@admin.register(PayRunLine)
class PayRunLineAdmin(ReadOnlyMixin, LoggedExportMixin, admin.ModelAdmin):
    list_display = ["run", "person", "township", "entry_type", "amount", "zero_reason"]
    list_filter = ["entry_type", "township"]
    search_fields = ["person__name", "explanation"]
    list_select_related = ["run__period", "person", "township"]
    autocomplete_fields = ["run", "person", "township", "village"]
    exclude = ["inputs"]


@admin.register(PayPeriod)
class PayPeriodAdmin(LoggedImportExportMixin, ReadableHistoryAdmin):
    resource_classes = [resources.PayPeriodResource]
    list_display = ["code", "kind", "year", "month", "locked_at", "locked_by"]
    list_filter = ["kind", "year"]
    search_fields = ["code"]
    readonly_fields = ["locked_at", "locked_by"]


@admin.register(PayAccount)
class PayAccountAdmin(LoggedImportExportMixin, ReadableHistoryAdmin):
    resource_classes = [resources.PayAccountResource]
    list_display = ["person", "bank_name", "masked", "pension_insured", "pension_at_standard", "living_extra"]
    list_filter = ["bank_name", "pension_insured", "pension_at_standard", "living_extra"]
    search_fields = ["person__name", "person__id_number"]
    list_select_related = ["person"]
    autocomplete_fields = ["person"]

    @admin.display(description="银行卡号（脱敏）")
    def masked(self, obj):
        return mask_account(obj.account_number)

    def get_exclude(self, request, obj=None):
        return [] if can(request.user, "subsidies.view_bank_account") else ["account_number"]


@admin.register(LivingSubsidyStop)
class LivingSubsidyStopAdmin(LoggedImportExportMixin, ReadableHistoryAdmin):
    resource_classes = [resources.LivingSubsidyStopResource]
    list_display = ["person", "date", "reason", "recorded_by"]
    list_filter = ["reason"]
    search_fields = ["person__name", "person__id_number"]
    list_select_related = ["person", "recorded_by"]
    autocomplete_fields = ["person"]


@admin.register(BenefitRecord)
class BenefitRecordAdmin(LoggedImportExportMixin, ReadableHistoryAdmin):
    resource_classes = [resources.BenefitRecordResource]
    list_display = ["person", "kind", "year", "date", "provider", "cost"]
    list_filter = ["kind", "year"]
    search_fields = ["person__name", "person__id_number", "provider"]
    list_select_related = ["person"]
    autocomplete_fields = ["person"]
