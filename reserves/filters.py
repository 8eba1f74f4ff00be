"""FilterSets shared by the HTML list, the API and the exports."""

import django_filters as df
from django import forms
from django.db.models import Q

from core import dates as core_dates
from core.filters import (
    MAX_ID,
    YEAR_MAX,
    YEAR_MIN,
    IdFilter,
    TownshipScopedChoiceFilter,
    TownshipVillageFilterSet,
    YearFilter,
    bounded_integer_field,
)

from .choices import Status
from .models import ReserveCandidate


class ReserveCandidateFilter(TownshipVillageFilterSet):
    q = df.CharFilter(method="filter_q", label="姓名/身份证号")
    township = TownshipScopedChoiceFilter(field_name="village__township", label="乡镇(街道)")
    village = IdFilter(field_name="village_id", label="村(社区)")
    cohort = YearFilter(field_name="cohort", label="换届届次")
    status = df.ChoiceFilter(choices=Status.choices, label="状态")
    source = df.CharFilter(field_name="source", label="来源类别")
    adjustment = df.BooleanFilter(field_name="adjustment_proposed_on", lookup_expr="isnull", exclude=True, label="建议调整")
    party_due = df.BooleanFilter(method="filter_party_due", label="入党阶段到期")

    class Meta:
        model = ReserveCandidate
        fields = ["q", "township", "village", "cohort", "status", "source", "adjustment", "party_due"]

    def filter_party_due(self, qs, name, value):
        """Open records whose next Party stage may be recorded today (the intervals of
        reserves.rules, computed from the recorded stages in one query)."""
        ids = party_due_ids(qs)
        return qs.filter(pk__in=ids) if value else qs.exclude(pk__in=ids)

    def filter_q(self, qs, name, value):
        return qs.filter(Q(person__name__icontains=value) | Q(person__id_number__startswith=value.upper()))


class CoverageQueryForm(forms.Form):
    """``?cohort=`` (default: the policy's current cohort) and ``?township=`` of the coverage and
    structure API: bounded whole numbers, anything else a field-keyed 400."""

    cohort = bounded_integer_field("换届届次", YEAR_MIN, YEAR_MAX)
    township = bounded_integer_field("乡镇(街道)", 1, MAX_ID)


def party_due_ids(qs, today=None) -> list[int]:
    from collections import defaultdict

    from . import rules
    from .choices import OPEN_STATUSES
    from .models import PartyStageRecord

    today = today or core_dates.today()
    history = defaultdict(list)
    rows = PartyStageRecord.objects.filter(candidate__in=qs.filter(status__in=OPEN_STATUSES).values("pk"))
    for cid, stage, date, until in rows.order_by("candidate_id", "date", "id").values_list(
        "candidate_id", "stage", "date", "until"
    ):
        history[cid].append((stage, date, until))
    due = []
    for cid, stages in history.items():
        step = rules.next_party_step(stages)
        if step is not None and step[1] <= today:
            due.append(cid)
    return due
