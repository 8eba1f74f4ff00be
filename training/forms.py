"""Forms of the training app: input shape and field validation only (rules live in services)."""

from __future__ import annotations

import datetime

from django import forms

from cadres.choices import Education
from core.forms import Form, NamedModelChoiceField

from . import rules
from .choices import AttendanceStatus, Audience, Kind, Level, UpgradeKind


class SessionForm(Form):
    title = forms.CharField(label="培训班名称", max_length=100)
    level = forms.ChoiceField(label="层级", choices=Level.choices)
    kind = forms.ChoiceField(label="类型", choices=Kind.choices)
    organiser = forms.CharField(label="主办单位", max_length=100, help_text="如 县委党校、乡镇党委。")
    place = forms.CharField(label="培训地点", max_length=100, required=False)
    start_date = forms.DateField(label="开始日期")
    end_date = forms.DateField(label="结束日期")
    half_days = forms.CharField(
        label="半天的日期",
        required=False,
        help_text="多个日期用逗号分隔，如 2025-03-07；其余日期按全天折算学时。",
    )
    off_days = forms.CharField(
        label="不安排的日期",
        required=False,
        help_text="开始至结束之间不上课的日期，逗号分隔；签到表和考勤的“第N天”只数安排的日期。",
    )
    skip_weekends = forms.BooleanField(label="周末不安排", required=False, help_text="勾选后周六、周日自动列为不安排的日期。")
    hours_override = forms.DecimalField(
        label="认定总学时",
        required=False,
        min_value=0,
        max_digits=6,
        decimal_places=1,
        help_text="网络学习等按平台学时认定时填写。",
    )
    capacity = forms.IntegerField(label="计划人数", required=False, min_value=1)
    township = NamedModelChoiceField(
        label="组织乡镇", queryset=None, required=False, help_text="乡镇级培训选择；县级及以上留空。"
    )
    topics = forms.MultipleChoiceField(label="培训内容", choices=(), required=False, widget=forms.CheckboxSelectMultiple)
    audiences = forms.MultipleChoiceField(
        label="培训对象", choices=Audience.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, townships, topics, clerk: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = townships
        self.fields["topics"].choices = topics
        if clerk:
            del self.fields["township"]
            self.fields["level"].choices = [(Level.TOWNSHIP, Level.TOWNSHIP.label)]
        for name in ("topics", "audiences"):
            self.fields[name].widget.attrs["class"] = "form-check-input"

    def clean_half_days(self):
        return _date_list(self.cleaned_data.get("half_days"))

    def clean_off_days(self):
        return _date_list(self.cleaned_data.get("off_days"))

    def clean(self):
        """周末不安排 is a shortcut: the weekends of the date range join the listed off days (the
        service stores dates, so the form keeps no separate flag)."""
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if data.pop("skip_weekends", False) and start and end and start <= end and "off_days" in data:
            data["off_days"] = sorted({*data["off_days"], *rules.weekend_days(start, end)})
        return data


def _date_list(raw) -> list[datetime.date]:
    out = []
    for part in (raw or "").replace("，", ",").replace("、", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            out.append(datetime.date.fromisoformat(part))
        except ValueError:
            raise forms.ValidationError(f"“{part}”不是有效日期，请写成 2025-03-07。") from None
    return out


class EnrollForm(Form):
    id_number = forms.CharField(label="身份证号", max_length=18, help_text="输入要加入名单的人员的身份证号。")


class EnrollPostForm(Form):
    post = forms.ChoiceField(label="职务", choices=())
    township = NamedModelChoiceField(label="乡镇(街道)", queryset=None, required=False, empty_label="全部（数据范围内）")

    def __init__(self, *args, townships, posts, clerk: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["post"].choices = posts
        self.fields["township"].queryset = townships
        if clerk:
            del self.fields["township"]


ATTENDANCE_CHOICES = [("", "—"), *AttendanceStatus.choices]


class UpgradeForm(Form):
    id_number = forms.CharField(label="身份证号", max_length=18)
    kind = forms.ChoiceField(label="类别", choices=UpgradeKind.choices)
    school = forms.CharField(label="就读院校", max_length=100)
    programme = forms.CharField(label="专业", max_length=100)
    level = forms.ChoiceField(label="学历层次", choices=[c for c in Education.choices if c[0] >= Education.VOCATIONAL])
    enrolled_on = forms.DateField(label="入学时间")
    expected_graduation = forms.DateField(label="预计毕业时间")
    tuition_fee = forms.DecimalField(label="学费（元）", required=False, min_value=0, max_digits=10, decimal_places=2)
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class GraduateForm(Form):
    actual_graduation = forms.DateField(label="实际毕业时间")


class WithdrawForm(Form):
    note = forms.CharField(label="退学说明", max_length=200)


class SubsidyForm(Form):
    date = forms.DateField(label="核定日期")
    amount = forms.DecimalField(
        label="金额（元）", required=False, min_value=0, max_digits=10, decimal_places=2, help_text="留空则按当年政策配置计算。"
    )
