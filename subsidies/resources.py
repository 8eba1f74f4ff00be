"""django-import-export Resources with Chinese headers for the pay ledger's admin.

Ledger entries are export-only (the ledger is append-only; imports of payments go through the
services). Pay accounts import through ``services.pay_account_save`` so that the same rules,
permission checks and history apply as in the browser.
"""

from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from cadres.models import Person

from .models import BenefitRecord, LedgerEntry, LivingSubsidyStop, PayAccount, PayPeriod, PayRun


class LedgerEntryResource(resources.ModelResource):
    period = fields.Field(attribute="period__code", column_name="期间")
    person = fields.Field(attribute="person__name", column_name="姓名")
    township = fields.Field(attribute="township__name", column_name="乡镇(街道)")
    entry_type = fields.Field(attribute="get_entry_type_display", column_name="类型")
    amount = fields.Field(attribute="amount", column_name="金额")
    source = fields.Field(attribute="get_source_display", column_name="来源")
    explanation = fields.Field(attribute="explanation", column_name="计算说明")
    reverses = fields.Field(attribute="reverses_id", column_name="冲销账目")
    reason = fields.Field(attribute="reason", column_name="事由")
    created_at = fields.Field(attribute="created_at", column_name="记账时间")

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "period",
            "person",
            "township",
            "entry_type",
            "amount",
            "source",
            "explanation",
            "reverses",
            "reason",
            "created_at",
        ]


class PayAccountResource(resources.ModelResource):
    person = fields.Field(attribute="person", column_name="身份证号", widget=ForeignKeyWidget(Person, "id_number"))
    bank_name = fields.Field(attribute="bank_name", column_name="开户银行")
    account_number = fields.Field(attribute="account_number", column_name="银行卡号")
    account_holder = fields.Field(attribute="account_holder", column_name="户名")
    pension_insured = fields.Field(attribute="pension_insured", column_name="参加基本养老保险")
    pension_at_standard = fields.Field(attribute="pension_at_standard", column_name="按补贴标准缴费")

    class Meta:
        model = PayAccount
        import_id_fields = ["person"]
        fields = ["person", "bank_name", "account_number", "account_holder", "pension_insured", "pension_at_standard"]
        skip_unchanged = True
        report_skipped = True

    def save_instance(self, instance, is_create, row, **kwargs):
        from .services import pay_account_save

        if kwargs.get("dry_run") and not self._is_using_transactions(kwargs):
            return
        values = {name: getattr(instance, name) for name in self._meta.fields if name != "person"}
        pay_account_save(person=instance.person, by=kwargs.get("user"), **values)


class PayPeriodResource(resources.ModelResource):
    class Meta:
        model = PayPeriod
        fields = ["id", "code", "kind", "year", "month", "locked_at"]


class PayRunResource(resources.ModelResource):
    class Meta:
        model = PayRun
        fields = ["id", "kind", "period__code", "township__name", "status", "line_count", "total_amount", "bank_batch_ref"]


class LivingSubsidyStopResource(resources.ModelResource):
    class Meta:
        model = LivingSubsidyStop
        fields = ["id", "person__name", "date", "reason", "note"]


class BenefitRecordResource(resources.ModelResource):
    class Meta:
        model = BenefitRecord
        fields = ["id", "person__name", "kind", "year", "date", "provider", "cost", "note"]
