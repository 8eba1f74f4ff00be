"""django-filter FilterSets shared by the HTML lists, the API and exports."""

import datetime

import django_filters as df
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Exists, OuterRef, Q
from django_filters.widgets import BaseCSVWidget
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core import dates as core_dates
from core.filters import (  # noqa: F401  (the shared filters, re-exported for the register's FilterSets)
    ANY,
    MAX_ID,
    YEAR_MAX,
    YEAR_MIN,
    AnyBooleanFilter,
    AnyBooleanWidget,
    AnyChoiceFilter,
    BoundedIntegerFilter,
    IdFilter,
    TownshipScopedChoiceFilter,
    TownshipVillageFilterSet,
    YearFilter,
    bounded_integer_field,
    bounded_integer_messages,
    query_errors,
)

from . import choices
from .models import (
    Appointment,
    FirstSecretary,
    Person,
    QualificationReview,
    Township,
    User,
    Village,
    VillageFlag,
    appointment_current_q,
    appointment_pending_q,
    first_secretary_current_q,
)

# ``?education=none``: people with no education entered at all (the dashboard's "未填" bar).
EDUCATION_NONE = "none"
EDUCATION_FILTER_CHOICES = [*choices.Education.choices, (EDUCATION_NONE, "未填")]
MAX_AGE = 150
MAX_EXPIRY_DAYS = 3650


class TownshipFilter(df.FilterSet):
    q = df.CharFilter(method="filter_q", label="名称/区划代码")
    kind = AnyChoiceFilter(choices=choices.TownshipKind.choices, label="类型")

    class Meta:
        model = Township
        fields = ["q", "kind"]

    def filter_q(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(name__icontains=value) | Q(code__startswith=value))


class VillageFilter(df.FilterSet):
    q = df.CharFilter(method="filter_q", label="搜索")
    township = TownshipScopedChoiceFilter(label="乡镇(街道)")
    kind = AnyChoiceFilter(choices=choices.VillageKind.choices, label="类型")
    flag = AnyChoiceFilter(choices=choices.VillageFlagKind.choices, method="filter_flag", label="村类型标记")
    secretary_vacant = AnyBooleanFilter(method="filter_vacant", label="书记空缺")

    class Meta:
        model = Village
        fields = ["q", "township", "kind", "flag", "secretary_vacant"]

    def filter_q(self, qs, name, value):
        return qs.filter(Q(name__icontains=value) | Q(code__startswith=value))

    def filter_flag(self, qs, name, value):
        return qs.filter(Exists(VillageFlag.objects.current(core_dates.today()).filter(village=OuterRef("pk"), kind=value)))

    def filter_vacant(self, qs, name, value):
        has = Exists(Appointment.objects.current(core_dates.today()).secretaries().filter(village=OuterRef("pk")))
        return qs.filter(~has) if value else qs.filter(has)


class CharInFilter(df.BaseInFilter, df.CharFilter):
    """Comma-separated values: ``?post_in=secretary,chair``."""


class HiddenCSVWidget(BaseCSVWidget, forms.HiddenInput):
    """A comma-separated value carried by a link (kept in the filter form, not shown)."""

    surrogate = forms.HiddenInput


def birth_limit(age: int, on: datetime.date) -> datetime.date:
    """The latest birth date of someone who is ``age`` or older on ``on`` (29 Feb → 28 Feb)."""
    try:
        return on.replace(year=on.year - age)
    except ValueError:
        return on.replace(year=on.year - age, day=28)


def age_min_q(age: int, on: datetime.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}birth_date__lte": birth_limit(int(age), on)})


def age_max_q(age: int, on: datetime.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}birth_date__gt": birth_limit(int(age) + 1, on)})


def highest_education_q(value: str, prefix: str = "") -> Q:
    """Highest of full-time and in-service education is ``value`` (``none``: neither entered)."""
    ft, ins = f"{prefix}education_fulltime", f"{prefix}education_inservice"
    if value == EDUCATION_NONE:
        return Q(**{ft: ""}) & Q(**{ins: ""})
    return (Q(**{ft: value}) | Q(**{ins: value})) & ~(Q(**{f"{ft}__gt": value}) | Q(**{f"{ins}__gt": value}))


class PersonFilter(TownshipVillageFilterSet):
    q = df.CharFilter(method="filter_q", label="姓名/身份证号")
    township = TownshipScopedChoiceFilter(method="filter_township", label="乡镇(街道)")
    # Set by links (village page, dashboard drill-through), not typed: hidden in the filter form.
    village = IdFilter(method="filter_village", label="村(社区)", widget=forms.HiddenInput)
    # A select in the HTML form (PersonListView fills its options from the year's policy), a plain code in the API.
    post = df.CharFilter(method="filter_post", label="现任职务", widget=forms.Select)
    # Dashboard drill-through (cadres.dashboard): current holders of any of these posts, e.g. the 两委.
    post_in = CharInFilter(method="filter_post_in", label="现任职务（任一）", widget=HiddenCSVWidget)
    sex = AnyChoiceFilter(choices=choices.Sex.choices, label="性别")
    political_status = AnyChoiceFilter(choices=choices.PoliticalStatus.choices, label="政治面貌")
    education = AnyChoiceFilter(choices=EDUCATION_FILTER_CHOICES, method="filter_education", label="最高学历")
    age_min = BoundedIntegerFilter(method="filter_age_min", max_value=MAX_AGE, label="年龄≥")
    age_max = BoundedIntegerFilter(method="filter_age_max", max_value=MAX_AGE, label="年龄≤")
    current = AnyBooleanFilter(method="filter_current", label="现任村干部")
    one_shoulder = AnyBooleanFilter(method="filter_one_shoulder", label="一肩挑")

    class Meta:
        model = Person
        fields = ["q", "township", "village", "post", "sex", "political_status", "education", "current"]

    def filter_q(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(name__icontains=value) | Q(id_number__startswith=value.upper()))

    def _current_in(self, **lookup):
        """A current post (``appointment_current_q``, today) matching ``lookup``; with the
        ``township`` filter set, the post must be in that township ("甲镇的书记")."""
        township = self.form.cleaned_data.get("township") if hasattr(self.form, "cleaned_data") else None
        if township is not None and "village__township" not in lookup:
            lookup["village__township"] = township
        return Exists(Appointment.objects.current(core_dates.today()).filter(person=OuterRef("pk"), **lookup))

    @extend_schema_field(OpenApiTypes.INT)
    def filter_township(self, qs, name, value):
        return qs.filter(self._current_in(village__township=value)) if value else qs

    def filter_village(self, qs, name, value):
        return qs.filter(self._current_in(village_id=value))

    def filter_post(self, qs, name, value):
        return qs.filter(self._current_in(post=value))

    def filter_post_in(self, qs, name, value):
        return qs.filter(self._current_in(post__in=value)) if value else qs

    def filter_current(self, qs, name, value):
        cond = self._current_in()
        return qs.filter(cond) if value else qs.filter(~cond)

    def filter_one_shoulder(self, qs, name, value):
        cond = self._current_in(post=choices.CHAIR) & self._current_in(post=choices.SECRETARY)
        return qs.filter(cond) if value else qs.exclude(cond)

    def filter_education(self, qs, name, value):
        return qs.filter(highest_education_q(value))

    def filter_age_min(self, qs, name, value):
        return qs.filter(age_min_q(value, core_dates.today()))

    def filter_age_max(self, qs, name, value):
        return qs.filter(age_max_q(value, core_dates.today()))


class AppointmentFilter(TownshipVillageFilterSet):
    q = df.CharFilter(method="filter_q", label="姓名/村名")
    township = TownshipScopedChoiceFilter(field_name="village__township", label="乡镇(街道)")
    village = IdFilter(field_name="village_id", label="村(社区)")
    person = IdFilter(field_name="person_id", label="人员")
    post = df.CharFilter(field_name="post", label="职务")
    status = AnyChoiceFilter(choices=choices.FilingStatus.choices, label="备案状态")
    current = AnyBooleanFilter(method="filter_current", label="在任")
    pending = AnyBooleanFilter(method="filter_pending", label="待任（任职时间未到）")
    post_in = CharInFilter(field_name="post", lookup_expr="in", label="职务（任一）")
    cohort = BoundedIntegerFilter(field_name="cohort", min_value=1990, max_value=2100, label="换届届次")
    # Holders on a date (e.g. the previous 换届 cohort's snapshot): filed, started on or before it
    # and not ended before it. Ages below are then counted on that date.
    as_of = df.DateFilter(
        method="filter_as_of",
        label="在任日期",
        validators=[
            MinValueValidator(datetime.date(1950, 1, 1), "“在任日期”不能早于1950年。"),
            MaxValueValidator(datetime.date(2100, 12, 31), "“在任日期”不能晚于2100年。"),
        ],
        error_messages={"invalid": "“在任日期”应为日期，如 2021-06-30。"},
    )
    age_min = BoundedIntegerFilter(method="filter_age_min", max_value=MAX_AGE, label="年龄≥")
    age_max = BoundedIntegerFilter(method="filter_age_max", max_value=MAX_AGE, label="年龄≤")
    education = AnyChoiceFilter(choices=EDUCATION_FILTER_CHOICES, method="filter_education", label="最高学历")

    class Meta:
        model = Appointment
        fields = ["q", "township", "village", "person", "post", "status", "current", "pending", "cohort"]

    def filter_q(self, qs, name, value):
        return qs.filter(Q(person__name__icontains=value) | Q(village__name__icontains=value))

    def _age_date(self) -> datetime.date:
        as_of = self.form.cleaned_data.get("as_of")
        return as_of or core_dates.today()

    def filter_as_of(self, qs, name, value):
        return qs.filter(appointment_current_q(value))

    def filter_age_min(self, qs, name, value):
        return qs.filter(age_min_q(value, self._age_date(), "person__"))

    def filter_age_max(self, qs, name, value):
        return qs.filter(age_max_q(value, self._age_date(), "person__"))

    def filter_education(self, qs, name, value):
        return qs.filter(highest_education_q(value, "person__"))

    def filter_current(self, qs, name, value):
        cur = appointment_current_q(core_dates.today())
        return qs.filter(cur) if value else qs.exclude(cur)

    def filter_pending(self, qs, name, value):
        cond = appointment_pending_q(core_dates.today())
        return qs.filter(cond) if value else qs.exclude(cond)


class QualificationReviewFilter(df.FilterSet):
    q = df.CharFilter(method="filter_q", label="姓名/村名")
    township = TownshipScopedChoiceFilter(field_name="village__township", label="乡镇(街道)")
    outcome = AnyChoiceFilter(choices=choices.VettingResult.choices, label="联审结论")

    class Meta:
        model = QualificationReview
        fields = ["q", "township", "outcome"]

    def filter_q(self, qs, name, value):
        return qs.filter(Q(person__name__icontains=value) | Q(village__name__icontains=value))


class FirstSecretaryFilter(df.FilterSet):
    q = df.CharFilter(method="filter_q", label="姓名/派出单位/村名")
    township = TownshipScopedChoiceFilter(field_name="village__township", label="乡镇(街道)")
    status = AnyChoiceFilter(choices=choices.FirstSecretaryStatus.choices, label="状态")
    current = AnyBooleanFilter(method="filter_current", label="今日在岗")
    pending = AnyBooleanFilter(method="filter_pending", label="待到岗（驻村时间未到）")
    expiring_within = BoundedIntegerFilter(method="filter_expiring", max_value=MAX_EXPIRY_DAYS, label="N天内期满")

    class Meta:
        model = FirstSecretary
        fields = ["q", "township", "status", "current", "pending", "expiring_within"]

    def filter_q(self, qs, name, value):
        return qs.filter(Q(person__name__icontains=value) | Q(sending_unit__icontains=value) | Q(village__name__icontains=value))

    def filter_current(self, qs, name, value):
        cond = first_secretary_current_q(core_dates.today())
        return qs.filter(cond) if value else qs.exclude(cond)

    def filter_pending(self, qs, name, value):
        today = core_dates.today()
        cond = Q(status=choices.FirstSecretaryStatus.ACTIVE, term_start__gt=today)
        return qs.filter(cond) if value else qs.exclude(cond)

    def filter_expiring(self, qs, name, value):
        today = core_dates.today()
        return qs.filter(
            status=choices.FirstSecretaryStatus.ACTIVE,
            term_end__gte=today,
            term_end__lte=today + datetime.timedelta(days=int(value)),
        )


class UserFilter(df.FilterSet):
    """系统管理 → 用户管理."""

    q = df.CharFilter(method="filter_q", label="用户名/姓名/电话")
    role = AnyChoiceFilter(choices=choices.Role.choices, label="角色")
    township = TownshipScopedChoiceFilter(label="所属乡镇")
    is_active = AnyBooleanFilter(label="启用")

    class Meta:
        model = User
        fields = ["q", "role", "township", "is_active"]

    def filter_q(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(username__icontains=value) | Q(full_name__icontains=value) | Q(phone__startswith=value))


class PersonPartFilter(df.FilterSet):
    """家庭成员 / 简历 lines of one person (the API lists)."""

    person = IdFilter(field_name="person_id", label="人员")
