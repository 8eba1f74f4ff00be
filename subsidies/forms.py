"""Input shape and field validation for the pay ledger's HTML forms. Rules live in services."""

from __future__ import annotations

from django import forms

from cadres.models import Person, Township
from core.forms import DATE_INPUT, Form, NamedModelChoiceField
from core.scope import scoped

from .choices import BenefitKind, EntryType, RunKind, StopReason
from .models import PayPeriod


class PayRunCreateForm(Form):
    kind = forms.ChoiceField(label="批次类型", choices=RunKind.choices)
    period = forms.CharField(label="期间", max_length=7, help_text="月度基本报酬填“2025-03”，年度批次填“2025”。")
    township = NamedModelChoiceField(label="乡镇(街道)", queryset=Township.objects.none(), required=False, empty_label="全县")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = scoped(user, Township)
        if user.is_clerk:
            del self.fields["township"]


class ReasonForm(Form):
    reason = forms.CharField(label="事由", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class BankRefForm(Form):
    bank_batch_ref = forms.CharField(label="银行批次号", max_length=60)


class ManualEntryForm(Form):
    person = forms.ModelChoiceField(label="人员", queryset=Person.objects.none())
    period = forms.CharField(label="期间", max_length=7, help_text="如 2025-03 或 2025。")
    entry_type = forms.ChoiceField(label="类型", choices=EntryType.choices)
    amount = forms.DecimalField(label="金额（元）", max_digits=12, decimal_places=2)
    reason = forms.CharField(label="事由", max_length=300)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = scoped(user, Person).order_by("name", "pk")


class AwardForm(Form):
    award_code = forms.ChoiceField(label="奖励项目", choices=())
    period = forms.CharField(label="期间", max_length=7, help_text="如 2025。")
    people = forms.ModelMultipleChoiceField(
        label="获奖人员", queryset=Person.objects.none(), widget=forms.SelectMultiple(attrs={"size": 12})
    )
    amount = forms.DecimalField(
        label="每人金额（元）", max_digits=12, decimal_places=2, required=False, help_text="留空按政策配置。"
    )
    reason = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, user, awards: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["award_code"].choices = [(a["code"], f"{a['name']}（{a['amount']}元）") for a in awards]
        self.fields["people"].queryset = scoped(user, Person).order_by("name", "pk")


class PayAccountForm(Form):
    bank_name = forms.CharField(label="开户银行", max_length=50, required=False)
    account_number = forms.CharField(label="银行卡号", max_length=40, required=False)
    account_holder = forms.CharField(label="户名", max_length=30, required=False)
    pension_insured = forms.BooleanField(label="参加基本养老保险", required=False)
    pension_at_standard = forms.BooleanField(label="按补贴标准缴费", required=False)
    living_extra = forms.BooleanField(label="孤寡/无子女（生活补贴加发）", required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)


class StopForm(Form):
    date = forms.DateField(label="发生日期", widget=forms.DateInput(attrs=DATE_INPUT))
    reason = forms.ChoiceField(label="终止情形", choices=StopReason.choices)
    note = forms.CharField(label="说明", max_length=300, required=False)


class BenefitForm(Form):
    kind = forms.ChoiceField(label="待遇", choices=BenefitKind.choices)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    date = forms.DateField(label="日期", required=False, widget=forms.DateInput(attrs=DATE_INPUT))
    provider = forms.CharField(label="承办单位", max_length=100, required=False)
    cost = forms.DecimalField(label="费用（元）", max_digits=12, decimal_places=2, required=False)
    note = forms.CharField(label="说明", max_length=200, required=False)


class ReconcileForm(Form):
    township = NamedModelChoiceField(label="乡镇(街道)", queryset=Township.objects.none())
    period = forms.ModelChoiceField(label="期间", queryset=PayPeriod.objects.none())
    entry_type = forms.ChoiceField(label="类型", choices=[("", "全部类型"), *EntryType.choices], required=False)
    file = forms.FileField(label="乡镇发放表（.xlsx/.xls/.csv）")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = scoped(user, Township)
        self.fields["period"].queryset = scoped(user, PayPeriod)


class SummaryForm(Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    period = forms.CharField(label="期间（可选）", max_length=7, required=False)
