"""Input shape and field validation for the reserve pages; the rules live in services.py."""

from __future__ import annotations

from django import forms

from cadres.models import Village
from cadres.normalize import CellError, id_number_cell
from core.forms import Form
from core.policy import post_choices
from core.scope import scoped

from .choices import ExitReason, PartyStage
from .policy_section import reserve_rules
from .selectors import OTHER_TOWNSHIP_FILE, survey_people


def _table_choices(table: str) -> list[tuple[str, str]]:
    return [("", "请选择"), *((row["code"], row["name"]) for row in reserve_rules().get(table, []))]


class SurveyForm(Form):
    """村级摸底: the person is found by ID number among the files the user may see."""

    id_number = forms.CharField(label="身份证号", max_length=18, help_text="须先在人员名册中建档。")
    village = forms.ModelChoiceField(label="村(社区)", queryset=Village.objects.none())
    cohort = forms.IntegerField(label="换届届次", min_value=2000, max_value=2100)
    source = forms.ChoiceField(label="来源类别")
    intended_post = forms.ChoiceField(label="拟培养职务")
    surveyed_on = forms.DateField(label="摸底日期")
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = (
            scoped(user, Village).select_related("township").order_by("township__sort_order", "code")
        )
        self.fields["village"].label_from_instance = lambda v: f"{v.township.name} {v.name}"
        self.fields["source"].choices = _table_choices("source_categories")
        self.fields["intended_post"].choices = [("", "请选择"), *post_choices()]
        self._bootstrap()

    def clean_id_number(self):
        try:
            number = id_number_cell(self.cleaned_data["id_number"])
        except CellError as exc:
            raise forms.ValidationError(str(exc)) from None
        visible, elsewhere = survey_people(user=self.user, id_numbers=[number])
        if number in elsewhere:
            raise forms.ValidationError(f"{OTHER_TOWNSHIP_FILE}。")
        if number not in visible:
            raise forms.ValidationError("未找到该身份证号的人员档案，请先在人员名册中建档。")
        self.cleaned_data["person"] = visible[number]
        return number


class StepForm(Form):
    on = forms.DateField(label="办理日期", required=False, help_text="留空为今天。")
    note = forms.CharField(label="意见", max_length=300, required=False)


class AppointForm(Form):
    start_date = forms.DateField(label="任职时间")
    post = forms.ChoiceField(label="任用职务")
    note = forms.CharField(label="备注", max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["post"].choices = post_choices()
        self._bootstrap()


class ExitForm(Form):
    reason = forms.ChoiceField(label="退出原因", choices=[("", "请选择"), *ExitReason.choices])
    on = forms.DateField(label="退出日期", required=False, help_text="留空为今天。")
    note = forms.CharField(label="说明", max_length=300, required=False)


class MentorshipForm(Form):
    mentor_type = forms.ChoiceField(label="导师类型")
    mentor_name = forms.CharField(label="导师姓名", max_length=30)
    mentor_title = forms.CharField(label="导师职务", max_length=100, required=False)
    start_date = forms.DateField(label="帮带开始")
    note = forms.CharField(label="帮带内容", max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentor_type"].choices = _table_choices("mentor_types")
        self._bootstrap()


class EndDateForm(Form):
    end_date = forms.DateField(label="结束日期")


class PracticePostForm(Form):
    post = forms.ChoiceField(label="锻炼岗位")
    start_date = forms.DateField(label="开始日期")
    end_date = forms.DateField(label="结束日期", required=False)
    assessment = forms.CharField(label="锻炼评价", max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["post"].choices = _table_choices("practice_posts")
        self._bootstrap()


class PracticeAssessForm(Form):
    end_date = forms.DateField(label="结束日期", required=False)
    assessment = forms.CharField(label="锻炼评价", max_length=300, required=False)


class AppraisalForm(Form):
    year = forms.IntegerField(label="测评年度", min_value=2000, max_value=2100)
    result = forms.ChoiceField(label="测评结果")
    date = forms.DateField(label="测评日期", required=False, help_text="留空为今天。")
    note = forms.CharField(label="测评意见", max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["result"].choices = _table_choices("appraisal_results")
        self._bootstrap()


class PartyStageForm(Form):
    stage = forms.ChoiceField(label="阶段", choices=[("", "请选择"), *PartyStage.choices])
    date = forms.DateField(label="日期")
    until = forms.DateField(label="延长至", required=False, help_text="仅“延长预备期”填写。")
    note = forms.CharField(label="备注", max_length=300, required=False)


class CohortForm(Form):
    cohort = forms.IntegerField(label="换届届次", min_value=2000, max_value=2100, required=False)
