"""django-filter FilterSets shared by the HTML lists, the API and exports."""

import datetime

import django_filters as df
from django.db.models import Exists, OuterRef, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from . import choices
from .models import Appointment, FirstSecretary, Person, QualificationReview, Township, Village, VillageFlag


class TownshipScopedChoiceFilter(df.ModelChoiceFilter):
    """A township filter whose options are limited to the user's scope."""

    def get_queryset(self, request):
        from .scope import scoped

        return scoped(getattr(request, "user", None), Township)


class VillageFilter(df.FilterSet):
    q = df.CharFilter(method="filter_q", label="搜索")
    township = TownshipScopedChoiceFilter(label="乡镇(街道)")
    kind = df.ChoiceFilter(choices=choices.VillageKind.choices, label="类型")
    flag = df.ChoiceFilter(choices=choices.VillageFlagKind.choices, method="filter_flag", label="村类型标记")
    secretary_vacant = df.BooleanFilter(method="filter_vacant", label="书记空缺")

    class Meta:
        model = Village
        fields = ["q", "township", "kind", "flag", "secretary_vacant"]

    def filter_q(self, qs, name, value):
        return qs.filter(Q(name__icontains=value) | Q(code__startswith=value))

    def filter_flag(self, qs, name, value):
        return qs.filter(Exists(VillageFlag.objects.current(datetime.date.today()).filter(village=OuterRef("pk"), kind=value)))

    def filter_vacant(self, qs, name, value):
        has = Exists(Appointment.objects.current().secretaries().filter(village=OuterRef("pk")))
        return qs.filter(~has) if value else qs.filter(has)


class CharInFilter(df.BaseInFilter, df.CharFilter):
    """Comma-separated values: ``?post_in=secretary,chair``."""


class PersonFilter(df.FilterSet):
    q = df.CharFilter(method="filter_q", label="姓名/身份证号")
    township = TownshipScopedChoiceFilter(method="filter_township", label="乡镇(街道)")
    village = df.NumberFilter(method="filter_village", label="村(社区)")
    post = df.CharFilter(method="filter_post", label="现任职务")
    # Dashboard drill-through (cadres.dashboard): current holders of any of these posts, e.g. the 两委.
    post_in = CharInFilter(method="filter_post_in", label="现任职务（任一）")
    sex = df.ChoiceFilter(choices=choices.Sex.choices, label="性别")
    political_status = df.ChoiceFilter(choices=choices.PoliticalStatus.choices, label="政治面貌")
    education = df.ChoiceFilter(choices=choices.Education.choices, method="filter_education", label="最高学历")
    age_min = df.NumberFilter(method="filter_age_min", label="年龄≥")
    age_max = df.NumberFilter(method="filter_age_max", label="年龄≤")
    current = df.BooleanFilter(method="filter_current", label="现任村干部")
    one_shoulder = df.BooleanFilter(method="filter_one_shoulder", label="一肩挑")

    class Meta:
        model = Person
        fields = ["q", "township", "village", "post", "sex", "political_status", "education", "current"]

    def filter_q(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(name__icontains=value) | Q(id_number__startswith=value.upper()))

    def _current_in(self, **lookup):
        return Exists(Appointment.objects.current().filter(person=OuterRef("pk"), **lookup))

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
        cond = Exists(Appointment.objects.current().filter(person=OuterRef("pk"), post=choices.CHAIR)) & self._current_in(
            post=choices.SECRETARY
        )
        return qs.filter(cond) if value else qs.exclude(cond)

    def filter_education(self, qs, name, value):
        return qs.filter(Q(education_fulltime=value) | Q(education_inservice=value)).exclude(
            Q(education_fulltime__gt=value) | Q(education_inservice__gt=value)
        )

    @staticmethod
    def _birth_limit(age: int) -> datetime.date:
        today = datetime.date.today()
        try:
            return today.replace(year=today.year - age)
        except ValueError:  # 29 Feb
            return today.replace(year=today.year - age, day=28)

    def filter_age_min(self, qs, name, value):
        return qs.filter(birth_date__lte=self._birth_limit(int(value)))

    def filter_age_max(self, qs, name, value):
        limit = self._birth_limit(int(value) + 1)
        return qs.filter(birth_date__gt=limit)


class AppointmentFilter(df.FilterSet):
    q = df.CharFilter(method="filter_q", label="姓名/村名")
    township = TownshipScopedChoiceFilter(field_name="village__township", label="乡镇(街道)")
    village = df.NumberFilter(field_name="village_id", label="村(社区)")
    person = df.NumberFilter(field_name="person_id", label="人员")
    post = df.CharFilter(field_name="post", label="职务")
    status = df.ChoiceFilter(choices=choices.FilingStatus.choices, label="备案状态")
    current = df.BooleanFilter(method="filter_current", label="在任")
    cohort = df.NumberFilter(field_name="cohort", label="换届届次")

    class Meta:
        model = Appointment
        fields = ["q", "township", "village", "person", "post", "status", "current", "cohort"]

    def filter_q(self, qs, name, value):
        return qs.filter(Q(person__name__icontains=value) | Q(village__name__icontains=value))

    def filter_current(self, qs, name, value):
        cur = Q(status=choices.FilingStatus.FILED, end_date__isnull=True)
        return qs.filter(cur) if value else qs.exclude(cur)


class QualificationReviewFilter(df.FilterSet):
    q = df.CharFilter(method="filter_q", label="姓名/村名")
    township = TownshipScopedChoiceFilter(field_name="village__township", label="乡镇(街道)")
    outcome = df.ChoiceFilter(choices=choices.VettingResult.choices, label="联审结论")

    class Meta:
        model = QualificationReview
        fields = ["q", "township", "outcome"]

    def filter_q(self, qs, name, value):
        return qs.filter(Q(person__name__icontains=value) | Q(village__name__icontains=value))


class FirstSecretaryFilter(df.FilterSet):
    q = df.CharFilter(method="filter_q", label="姓名/派出单位/村名")
    township = TownshipScopedChoiceFilter(field_name="village__township", label="乡镇(街道)")
    status = df.ChoiceFilter(choices=choices.FirstSecretaryStatus.choices, label="状态")
    expiring_within = df.NumberFilter(method="filter_expiring", label="N天内期满")

    class Meta:
        model = FirstSecretary
        fields = ["q", "township", "status", "expiring_within"]

    def filter_q(self, qs, name, value):
        return qs.filter(Q(person__name__icontains=value) | Q(sending_unit__icontains=value) | Q(village__name__icontains=value))

    def filter_expiring(self, qs, name, value):
        today = datetime.date.today()
        return qs.filter(
            status=choices.FirstSecretaryStatus.ACTIVE,
            term_end__gte=today,
            term_end__lte=today + datetime.timedelta(days=int(value)),
        )
