"""FilterSets shared by the HTML list, the API and the exports."""

import django_filters as df
from django.db.models import Q

from cadres.filters import TownshipScopedChoiceFilter

from .choices import Status
from .models import ReserveCandidate


class ReserveCandidateFilter(df.FilterSet):
    q = df.CharFilter(method="filter_q", label="姓名/身份证号")
    township = TownshipScopedChoiceFilter(field_name="village__township", label="乡镇(街道)")
    village = df.NumberFilter(field_name="village_id", label="村(社区)")
    cohort = df.NumberFilter(field_name="cohort", label="换届届次")
    status = df.ChoiceFilter(choices=Status.choices, label="状态")
    source = df.CharFilter(field_name="source", label="来源类别")
    adjustment = df.BooleanFilter(field_name="adjustment_proposed_on", lookup_expr="isnull", exclude=True, label="建议调整")

    class Meta:
        model = ReserveCandidate
        fields = ["q", "township", "village", "cohort", "status", "source", "adjustment"]

    def filter_q(self, qs, name, value):
        return qs.filter(Q(person__name__icontains=value) | Q(person__id_number__startswith=value.upper()))
