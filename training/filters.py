"""django-filter FilterSets shared by the HTML lists, the API and exports."""

import django_filters as df
from django import forms
from django.db.models import Q

from core.filters import MAX_ID, YEAR_MAX, YEAR_MIN, IdFilter, TownshipScopedChoiceFilter, YearFilter, bounded_integer_field

from .choices import Certificate, Kind, Level, UpgradeKind, UpgradeStatus
from .models import EducationUpgrade, Enrollment, TrainingSession


class SessionFilter(df.FilterSet):
    q = df.CharFilter(method="filter_q", label="名称/编号")
    year = YearFilter(field_name="start_date", lookup_expr="year", label="年度")
    level = df.ChoiceFilter(choices=Level.choices, label="层级")
    kind = df.ChoiceFilter(choices=Kind.choices, label="类型")
    township = TownshipScopedChoiceFilter(label="组织乡镇")

    class Meta:
        model = TrainingSession
        fields = ["q", "year", "level", "kind", "township"]

    def filter_q(self, qs, name, value):
        return qs.filter(Q(title__icontains=value) | Q(code__icontains=value) | Q(organiser__icontains=value))


class EnrollmentFilter(df.FilterSet):
    session = IdFilter(field_name="session_id", label="培训班")
    person = IdFilter(field_name="person_id", label="人员")
    year = YearFilter(field_name="session__start_date", lookup_expr="year", label="年度")
    township = TownshipScopedChoiceFilter(label="乡镇(街道)")
    certificate = df.ChoiceFilter(choices=Certificate.choices, label="结业证书")

    class Meta:
        model = Enrollment
        fields = ["session", "person", "year", "township", "certificate"]


class EducationUpgradeFilter(df.FilterSet):
    q = df.CharFilter(method="filter_q", label="姓名/院校")
    township = TownshipScopedChoiceFilter(label="乡镇(街道)")
    kind = df.ChoiceFilter(choices=UpgradeKind.choices, label="类别")
    status = df.ChoiceFilter(choices=UpgradeStatus.choices, label="状态")

    class Meta:
        model = EducationUpgrade
        fields = ["q", "township", "kind", "status"]

    def filter_q(self, qs, name, value):
        return qs.filter(Q(person__name__icontains=value) | Q(school__icontains=value) | Q(programme__icontains=value))


class CoverageQueryForm(forms.Form):
    """``?year=`` (required) and ``?township=`` of the coverage API: bounded whole numbers."""

    year = bounded_integer_field("年度", YEAR_MIN, YEAR_MAX, required=True)
    township = bounded_integer_field("乡镇(街道)", 1, MAX_ID)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].error_messages["required"] = "请提供年度，如 ?year=2025。"
