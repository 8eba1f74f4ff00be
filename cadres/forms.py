"""Input shape and field validation for the register's HTML forms. Rules live in services."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from core.forms import DATE_INPUT, BootstrapMixin, Form, NamedModelChoiceField, add_service_errors  # noqa: F401  (shared by the register's forms)

from . import choices
from .models import AppointmentRequest, FamilyMember, Person, PersonRecord, ResumeEntry


def _model_fields(model, names: list[str]) -> dict[str, forms.Field]:
    fields = forms.fields_for_model(model, fields=names)
    return {name: fields[name] for name in names}


# ---------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------

PERSON_EDIT_FIELDS = [
    "name",
    "ethnicity",
    "native_place",
    "birthplace",
    "political_status",
    "party_join_date",
    "work_start_date",
    "health",
    "education_fulltime",
    "degree_fulltime",
    "school_major",
    "education_inservice",
    "degree_inservice",
    "school_major_inservice",
    "professional_title",
    "specialty",
    "phone",
    "is_veteran",
    "is_returned_graduate",
    "note",
]


class PersonUpdateForm(Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_model_fields(Person, PERSON_EDIT_FIELDS))
        self.fields["note"].widget = forms.Textarea(attrs={"rows": 3})
        self.fields["phone"].widget.attrs["inputmode"] = "tel"
        self._bootstrap()


class PersonCreateForm(PersonUpdateForm):
    id_number = forms.CharField(label="身份证号", max_length=30, help_text="18位第二代身份证号；末位X大小写均可。")
    sex = forms.ChoiceField(
        label="性别",
        required=False,
        choices=[("", "（按身份证号识别）"), *choices.Sex.choices],
        help_text="可不填；填写时须与身份证号一致。",
    )
    birth_date = forms.DateField(label="出生日期", required=False, help_text="可不填；填写时须与身份证号一致。")
    registered_township = NamedModelChoiceField(label="建档乡镇", queryset=None, required=False, empty_label="（不指定）")

    def __init__(self, *args, townships=None, clerk: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["id_number", "name", "sex", "birth_date", *PERSON_EDIT_FIELDS, "registered_township"])
        if clerk or townships is None:
            del self.fields["registered_township"]
        else:
            self.fields["registered_township"].queryset = townships
        self._bootstrap()


class PersonPhotoForm(Form):
    """The 一寸照 upload: the file is judged by content in the service (cadres.photos)."""

    photo = forms.FileField(
        label="一寸照",
        help_text="免冠正面证件照，JPG 或 PNG，不超过 2 MB；系统自动裁成一寸（25×35毫米）并去除拍摄信息。",
        error_messages={"required": "请选择要上传的照片。", "empty": "所选文件为空，请重新选择照片。"},
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png"}),
    )


class PersonRecordForm(Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(
            _model_fields(PersonRecord, ["kind", "date", "title", "level", "issuer", "document_no", "end_date", "note"])
        )
        self.fields["note"].widget = forms.Textarea(attrs={"rows": 2})
        self._bootstrap()


# ---------------------------------------------------------------------------------------------
# The dossier's parts (简历, 家庭成员, 任免审批)
# ---------------------------------------------------------------------------------------------


class FamilyMemberForm(Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_model_fields(FamilyMember, ["relation", "name", "birth_date", "political_status", "work_unit"]))
        self.fields["relation"].help_text = "如妻子、儿子、父亲、母亲。"
        self.fields["political_status"].help_text = "如中共党员、群众。"
        self._bootstrap()


class MonthField(forms.Field):
    """A month of 简历: "2008-09" (the month picker), "2008.09", "2008.9", "200809", "2008年9月" →
    the first day of that month."""

    widget = forms.TextInput

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"type": "month", "placeholder": "2008.09"})

    def prepare_value(self, value):
        return f"{value:%Y-%m}" if hasattr(value, "year") else value

    def to_python(self, value):
        import datetime
        import re

        if value in self.empty_values:
            return None
        if isinstance(value, datetime.date):
            return value.replace(day=1)
        text = str(value).strip()
        match = re.fullmatch(r"(\d{4})\s*(?:[.\-/年]\s*(\d{1,2})|(\d{2}))\s*月?(?:[.\-/]\d{1,2}日?)?", text)
        month = int(match.group(2) or match.group(3)) if match else 0
        if not match or not 1 <= month <= 12:
            raise ValidationError(f"“{text}”不是有效的年月，请按“2008.09”的格式填写。")
        return datetime.date(int(match.group(1)), month, 1)


class ResumeEntryForm(Form):
    allow_overlap = forms.BooleanField(
        label="允许与其他经历时间交叉",
        required=False,
        help_text="其间兼任或在职学习等与其他经历时间重叠时勾选。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_date"] = MonthField(label="起始年月")
        self.fields["end_date"] = MonthField(label="截止年月", required=False, help_text="仍在继续的经历留空（至今）。")
        self.fields.update(_model_fields(ResumeEntry, ["text"]))
        self.fields["text"].help_text = "如“在湖南农业大学农学专业学习”“任甲镇甲一村党支部书记”。"
        self.order_fields(["start_date", "end_date", "text", "allow_overlap"])
        self._bootstrap()


class AppointmentRequestForm(Form):
    FIELDS = [
        "appointment",
        "proposed_post",
        "proposed_removal",
        "reason",
        "reporting_unit",
        "reporting_opinion",
        "approval_opinion",
        "filled_by",
        "filled_on",
    ]

    def __init__(self, *args, appointments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_model_fields(AppointmentRequest, self.FIELDS))
        self.fields["appointment"].queryset = appointments if appointments is not None else AppointmentRequest.objects.none()
        self.fields["appointment"].empty_label = "（不对应具体任职）"
        self.fields["appointment"].label_from_instance = lambda a: f"{a.village.name}{a.post_name}（{a.start_date:%Y.%m}）"
        for name in ("reason", "reporting_opinion", "approval_opinion"):
            self.fields[name].widget = forms.Textarea(attrs={"rows": 3})
        self._bootstrap()


# ---------------------------------------------------------------------------------------------
# Villages
# ---------------------------------------------------------------------------------------------


class TownshipForm(Form):
    name = forms.CharField(label="名称", max_length=50)
    code = forms.CharField(label="区划代码", max_length=12, help_text="9–12位统计用区划代码，如 430122100。")
    kind = forms.ChoiceField(label="类型", choices=choices.TownshipKind.choices)
    sort_order = forms.IntegerField(label="排序", min_value=0, max_value=9999, initial=0, help_text="数字小的排在前面。")


class VillageForm(Form):
    """County staff: create a village, or edit it including name, code and township."""

    township = NamedModelChoiceField(label="乡镇(街道)", queryset=None, empty_label="请选择")
    name = forms.CharField(label="名称", max_length=50)
    code = forms.CharField(label="村(社区)代码", max_length=12, help_text="12位统计用区划代码。")
    kind = forms.ChoiceField(label="类型", choices=choices.VillageKind.choices)
    population = forms.IntegerField(label="户籍人口", min_value=0, initial=0)
    households = forms.IntegerField(label="户数", min_value=0, initial=0)
    party_members = forms.IntegerField(label="党员数", min_value=0, initial=0)
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, townships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = townships
        self._bootstrap()


class VillageUpdateForm(Form):
    population = forms.IntegerField(label="户籍人口", min_value=0)
    households = forms.IntegerField(label="户数", min_value=0)
    party_members = forms.IntegerField(label="党员数", min_value=0)
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class VillageFlagAddForm(Form):
    kind = forms.ChoiceField(label="类型", choices=choices.VillageFlagKind.choices)
    start_date = forms.DateField(label="认定日期")
    basis = forms.CharField(label="认定依据", max_length=200, required=False)


class VillageFlagEndForm(Form):
    end_date = forms.DateField(label="摘帽/销号日期")


# ---------------------------------------------------------------------------------------------
# Appointments and filing
# ---------------------------------------------------------------------------------------------


class AppointmentCreateForm(Form):
    village = forms.ModelChoiceField(label="村(社区)", queryset=None, empty_label="请选择")
    post = forms.ChoiceField(label="职务")
    start_date = forms.DateField(label="任职时间")
    cohort = forms.IntegerField(
        label="换届届次(年份)", required=False, min_value=1990, max_value=2100, help_text="如 2021、2026；届中补选可留空。"
    )
    qualification_review = forms.ModelChoiceField(
        label="资格联审", queryset=None, required=False, empty_label="（自动关联此人在该村同职务的最近一次联审）"
    )
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, villages, post_choices, reviews, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        self.fields["village"].label_from_instance = lambda v: f"{v.township.name} {v.name}"
        self.fields["post"].choices = [("", "请选择"), *post_choices]
        self.fields["qualification_review"].queryset = reviews
        self.fields["qualification_review"].label_from_instance = lambda r: (
            f"{r.village.name} {r.post_name}（{r.get_outcome_display()}，{r.requested_at:%Y-%m-%d}提请）"
        )
        self._bootstrap()


class NoteForm(Form):
    note = forms.CharField(label="意见", required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class RejectForm(Form):
    note = forms.CharField(
        label="退回理由",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "退回须填写理由。"},
    )


class AppointmentEndForm(Form):
    end_date = forms.DateField(label="离任时间")
    end_reason = forms.ChoiceField(label="离任原因", choices=[("", "请选择"), *choices.EndReason.choices])
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AttachReviewForm(Form):
    review = forms.ModelChoiceField(label="资格联审", queryset=None, empty_label="请选择")

    def __init__(self, *args, reviews, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["review"].queryset = reviews
        self.fields["review"].label_from_instance = lambda r: (
            f"{r.post_name}（{r.get_outcome_display()}，{r.requested_at:%Y-%m-%d}提请）"
        )
        self._bootstrap()


# ---------------------------------------------------------------------------------------------
# Qualification joint review
# ---------------------------------------------------------------------------------------------


class ReviewRequestForm(Form):
    person = forms.ModelChoiceField(label="人选", queryset=None, empty_label="请选择")
    village = forms.ModelChoiceField(label="拟任村(社区)", queryset=None, empty_label="请选择")
    post = forms.ChoiceField(label="拟任职务")
    cohort = forms.IntegerField(label="换届届次(年份)", required=False, min_value=1990, max_value=2100)
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, people, villages, post_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda p: f"{p.name}（{p.masked_id_number}）"
        self.fields["village"].queryset = villages
        self.fields["village"].label_from_instance = lambda v: f"{v.township.name} {v.name}"
        self.fields["post"].choices = [("", "请选择"), *post_choices]
        self._bootstrap()


class VerdictForm(Form):
    result = forms.ChoiceField(label="审查结果", choices=choices.VettingResult.choices)
    negative_item_code = forms.ChoiceField(label="负面清单情形", required=False)
    warning_text = forms.CharField(label="关注提示", required=False, max_length=200)
    note = forms.CharField(label="审查意见", required=False, max_length=300)

    def __init__(self, *args, negative_list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["negative_item_code"].choices = negative_item_choices(negative_list)
        self._bootstrap()


def negative_item_choices(negative_list) -> tuple[tuple[str, str], ...]:
    """The 负面清单情形 choices of a year's negative list: the form's and the 联审 grid's cells'."""
    items = tuple(
        (item["code"], f"{item['code']} {item['text']}{'' if item.get('severity') == 'block' else '（关注提示，不否决）'}")
        for item in negative_list
    )
    return (("", "（无）"), *items)


class GridVerdictForm(VerdictForm):
    """One cell of the 联审 grid (candidates × departments). A cell left at “未录入” is not saved."""

    result = forms.ChoiceField(
        label="审查结果",
        required=False,
        choices=[("", "未录入"), (choices.VettingResult.PASS, "通过"), (choices.VettingResult.FAIL, "不通过")],
    )

    def clean(self):
        data = super().clean()
        if not data.get("result") and any(data.get(f) for f in ("negative_item_code", "warning_text", "note")):
            self.add_error("result", "已填写意见，请选择“通过”或“不通过”。")
        return data


# ---------------------------------------------------------------------------------------------
# Batch work (批量备案, 批量离任)
# ---------------------------------------------------------------------------------------------


class BatchSelectionForm(Form):
    """The rows chosen on the appointment list: ticked ids, or every row matching the list's
    filter (``all_matching`` with the list's query string)."""

    ids = forms.TypedMultipleChoiceField(coerce=int, required=False)
    all_matching = forms.BooleanField(required=False)
    query = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # ids are checked against the user's scope by the view, not against a fixed list
        self.fields["ids"].valid_value = lambda value: str(value).isdigit()


class BatchFileForm(Form):
    note = forms.CharField(label="备案意见", required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


# ---------------------------------------------------------------------------------------------
# First secretaries
# ---------------------------------------------------------------------------------------------


class FirstSecretaryCreateForm(Form):
    village = forms.ModelChoiceField(label="驻村", queryset=None, empty_label="请选择（先定村、再定人）")
    person = forms.ModelChoiceField(label="人员", queryset=None, empty_label="请选择")
    sending_unit = forms.CharField(label="派出单位", max_length=100)
    original_title = forms.CharField(label="原职务/职级", max_length=100, required=False)
    batch = forms.CharField(label="选派批次", max_length=50, required=False)
    term_start = forms.DateField(label="驻村开始")
    term_end = forms.DateField(label="驻村期满", required=False, help_text="留空按政策配置的默认任期计算。")

    def __init__(self, *args, people, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda p: f"{p.name}（{p.masked_id_number}）"
        self.fields["village"].queryset = villages
        self.fields["village"].label_from_instance = lambda v: f"{v.township.name} {v.name}"
        self._bootstrap()


class PresenceForm(Form):
    month = forms.DateField(label="月份", help_text="选择该月任意一天即可。")
    days_in_village = forms.IntegerField(label="在村天数", min_value=0, max_value=31)
    leave_days = forms.IntegerField(label="请假天数", min_value=0, max_value=31, initial=0)
    note = forms.CharField(label="说明", required=False, max_length=200)


class SpotCheckForm(Form):
    date = forms.DateField(label="抽查日期")
    result = forms.ChoiceField(label="抽查结果", choices=[("", "请选择"), *choices.SpotCheckResult.choices])
    excused = forms.BooleanField(label="请假已报备（不计入缺勤次数）", required=False)
    checker = forms.CharField(label="检查人", max_length=50)
    note = forms.CharField(label="备注", required=False, max_length=200)


class FirstSecretaryGradeForm(Form):
    year = forms.IntegerField(label="考核年度", min_value=2000, max_value=2100)
    proposed = forms.ChoiceField(label="拟定等次", choices=[("", "请选择"), *choices.FirstSecretaryGrade.choices])


class FirstSecretaryEndForm(Form):
    status = forms.ChoiceField(
        label="离村方式",
        choices=[
            ("", "请选择"),
            (choices.FirstSecretaryStatus.EXPIRED, "期满"),
            (choices.FirstSecretaryStatus.RECALLED, "召回"),
        ],
    )
    ended_on = forms.DateField(label="实际离村日期")
    note = forms.CharField(label="说明（召回须填写原因）", required=False, max_length=300)


# ---------------------------------------------------------------------------------------------
# Users (系统管理 → 用户管理)
# ---------------------------------------------------------------------------------------------


class UserUpdateForm(Form):
    full_name = forms.CharField(label="姓名", max_length=50, required=False)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    role = forms.ChoiceField(label="角色", choices=choices.Role.choices)
    township = NamedModelChoiceField(
        label="所属乡镇",
        queryset=None,
        required=False,
        empty_label="（不指定）",
        help_text="乡镇组织委员必填，只能查看和维护本乡镇数据。",
    )

    def __init__(self, *args, townships=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = townships

    def clean(self):
        data = super().clean()
        if data.get("role") == choices.Role.CLERK and not data.get("township"):
            self.add_error("township", "乡镇组织委员必须指定所属乡镇。")
        elif data.get("role") != choices.Role.CLERK:
            data["township"] = None
        return data


class TemporaryPasswordForm(Form):
    password1 = forms.CharField(
        label="临时密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="用户下次登录时须修改密码。至少8位，不能全为数字，不能与用户名相近或过于常见。",
    )
    password2 = forms.CharField(
        label="再次输入临时密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致。")
        return data


class UserCreateForm(TemporaryPasswordForm, UserUpdateForm):
    username = forms.CharField(label="用户名", max_length=150, help_text="登录用，建议用拼音或工号，如 clerk_jiazhen。")
    field_order = ["username", "full_name", "phone", "role", "township", "password1", "password2"]
