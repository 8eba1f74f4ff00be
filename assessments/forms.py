"""Input shapes and field validation only; rules live in services."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator

from core.forms import Form

from . import choices
from .policy_section import section_for_year
from .rules import plain, scale_name, score_scale


class CampaignForm(Form):
    year = forms.IntegerField(label="考核年度", min_value=2000, max_value=2100)
    title = forms.CharField(label="名称", max_length=100, required=False, help_text="留空则为“XXXX年度村党组织书记双述双评”。")
    report_deadline = forms.DateField(label="述职截止", required=False)
    ballot_deadline = forms.DateField(label="测评截止", required=False)
    grade_deadline = forms.DateField(label="评定截止", required=False)
    publicity_start = forms.DateField(label="公示开始", required=False)
    publicity_end = forms.DateField(label="公示结束", required=False)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["year"]
        self._bootstrap()


class ReviewForm(Form):
    duty_report = forms.CharField(label="述职报告", required=False, widget=forms.Textarea(attrs={"rows": 6}))
    integrity_report = forms.CharField(label="述廉报告", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    township_score = forms.DecimalField(label="乡镇考核评分", required=False, min_value=0, max_value=1000, decimal_places=2)
    daily_score = forms.DecimalField(label="日常工作考核分", required=False, min_value=0, max_value=1000, decimal_places=2)
    village_score = forms.DecimalField(
        label="村级综合考核分",
        required=False,
        min_value=0,
        max_value=1000,
        decimal_places=2,
        help_text="用于村排名定类别；留空时按个人综合得分排名。",
    )
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        section = section_for_year(year)
        scale = score_scale(section)
        for name in ("township_score", "daily_score", "village_score"):
            field = self.fields[name]
            field.max_value = scale
            field.validators = [v for v in field.validators if not isinstance(v, MaxValueValidator)]
            message = f"{year}年度按{scale_name(scale)}计分，不能超过{plain(scale)}分。"
            field.validators.append(MaxValueValidator(scale, message=message))
            note = f"{scale_name(scale)}，满分{plain(scale)}分。"
            field.help_text = f"{note}{field.help_text}" if field.help_text else note
        self.fields["adjust_items"] = forms.MultipleChoiceField(
            label="加减分事项",
            required=False,
            widget=forms.CheckboxSelectMultiple,
            choices=[(i["code"], f"{i['name']}（{i['points']}分）") for i in section.get("adjust_items", [])],
        )
        self.fields["veto_items"] = forms.MultipleChoiceField(
            label="一票否决事项",
            required=False,
            widget=forms.CheckboxSelectMultiple,
            choices=[(i["code"], i["name"]) for i in section.get("veto_items", [])],
        )
        self.fields["star_items"] = forms.MultipleChoiceField(
            label="星级事项（成就、加星体系、降星措施）",
            required=False,
            widget=forms.CheckboxSelectMultiple,
            choices=[(r["value"], r["name"]) for r in section.get("star_rules", []) if r.get("basis") == "item"],
        )
        self._bootstrap()
        for name in ("adjust_items", "veto_items", "star_items"):
            self.fields[name].widget.attrs["class"] = "form-check-input"


class BallotForm(Form):
    entitled = forms.IntegerField(label="应到人数", min_value=1)
    attended = forms.IntegerField(label="实到人数", min_value=0)
    invalid_ballots = forms.IntegerField(label="废票", min_value=0, initial=0, required=False)
    meeting_date = forms.DateField(label="测评日期", required=False)

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.options = section_for_year(year).get("ballot_options", [])
        for o in self.options:
            self.fields[f"opt_{o['code']}"] = forms.IntegerField(label=f"{o['name']}票", min_value=0, initial=0)
        self._bootstrap()

    def counts(self) -> dict[str, int]:
        return {o["code"]: self.cleaned_data.get(f"opt_{o['code']}") or 0 for o in self.options}


class ReviewFileForm(Form):
    kind = forms.ChoiceField(label="材料类别", choices=choices.FileKind.choices)
    file = forms.FileField(label="文件", help_text="PDF、Word、WPS、图片或文本，不超过20 MB。")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._bootstrap()


def _grade_choices(year: int) -> list[tuple[str, str]]:
    return [("", "请选择")] + [
        (g["code"], g["name"]) for g in sorted(section_for_year(year).get("grades", []), key=lambda g: int(g["rank"]))
    ]


class OverrideForm(Form):
    grade = forms.ChoiceField(label="等次")
    reason = forms.CharField(label="理由", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = _grade_choices(year)
        self._bootstrap()


class AmendForm(Form):
    grade = forms.ChoiceField(label="等次", required=False)
    score = forms.DecimalField(label="综合得分", required=False, min_value=0, max_value=1000, decimal_places=2)
    village_category = forms.ChoiceField(label="村类别", required=False)
    stars = forms.IntegerField(label="星级", required=False, min_value=0, max_value=10)
    reason = forms.CharField(label="更正理由", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = _grade_choices(year)
        self.fields["village_category"].choices = [("", "不更正")] + [
            (c["code"], c["name"]) for c in section_for_year(year).get("categories", [])
        ]
        self._bootstrap()


class ProposalConfirmForm(Form):
    start_date = forms.DateField(label="开始日期", required=False, help_text="诫勉须填写。")
    end_date = forms.DateField(label="截止日期", required=False, help_text="诫勉留空按政策配置的诫勉期计算。")
    note = forms.CharField(label="处理意见", required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._bootstrap()


class ProposalDismissForm(Form):
    note = forms.CharField(label="不予采纳的理由", max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._bootstrap()


class ReballotForm(Form):
    votes_for = forms.IntegerField(label="满意票（优秀+合格）", min_value=0)
    votes_total = forms.IntegerField(label="有效票", min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._bootstrap()
