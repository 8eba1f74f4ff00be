"""Filters of the 系统管理 logs, and the 修改密码 form (Django's, with the app's widgets)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm

from .filters import ANY
from .forms import DATE_INPUT, BootstrapMixin, Form
from .models import LoginEventKind
from .oplog import ACTION_CHOICES, record_type_choices

MAX_RANGE_DAYS = 3660


class DateRangeForm(Form):
    date_from = forms.DateField(label="开始日期", required=False, widget=forms.DateInput(DATE_INPUT))
    date_to = forms.DateField(label="结束日期", required=False, widget=forms.DateInput(DATE_INPUT))

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "结束日期不能早于开始日期。")
        return data


class OperationLogFilterForm(DateRangeForm):
    user = forms.CharField(label="操作人", max_length=50, required=False, help_text="用户名或姓名")
    record_type = forms.ChoiceField(label="记录类型", required=False)
    action = forms.ChoiceField(label="操作", required=False, choices=[("", ANY), *ACTION_CHOICES])
    field_order = ["user", "record_type", "action", "date_from", "date_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = [("", ANY), *record_type_choices()]


class LoginLogFilterForm(DateRangeForm):
    username = forms.CharField(label="用户名", max_length=150, required=False)
    kind = forms.ChoiceField(label="结果", required=False, choices=[("", ANY), *LoginEventKind.choices])
    field_order = ["username", "kind", "date_from", "date_to"]


class PasswordChangeForm(BootstrapMixin, DjangoPasswordChangeForm):
    """Django's form (old password, new twice, the password validators' Chinese messages)."""
