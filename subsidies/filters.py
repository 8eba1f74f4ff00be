"""FilterSets shared by the HTML lists, the API and exports of the pay ledger."""

import django_filters as df
from django.db.models import Q

from core import dates as core_dates
from core.filters import AnyBooleanFilter, AnyChoiceFilter, IdFilter, TownshipScopedChoiceFilter, YearFilter

from .choices import EntrySource, EntryType, PeriodKind, RunKind, RunStatus
from .models import LedgerEntry, PayPeriod, PayRun


class LedgerEntryFilter(df.FilterSet):
    q = df.CharFilter(method="filter_q", label="姓名/身份证号")
    township = TownshipScopedChoiceFilter(label="乡镇(街道)")
    period = df.CharFilter(field_name="period__code", label="期间（如 2025-03、2025）")
    year = YearFilter(field_name="period__year", label="年度")
    entry_type = df.ChoiceFilter(choices=EntryType.choices, label="类型")
    source = df.ChoiceFilter(choices=EntrySource.choices, label="来源")
    pay_run = IdFilter(field_name="pay_run_id", label="发放批次")
    person = IdFilter(field_name="person_id", label="人员ID")

    class Meta:
        model = LedgerEntry
        fields = ["q", "township", "period", "year", "entry_type", "source", "pay_run", "person"]

    def filter_q(self, qs, name, value):
        return qs.filter(Q(person__name__icontains=value) | Q(person__id_number=value.upper()))


class PayRunFilter(df.FilterSet):
    township = TownshipScopedChoiceFilter(label="乡镇(街道)")
    period = df.CharFilter(field_name="period__code", label="期间")
    kind = df.ChoiceFilter(choices=RunKind.choices, label="批次类型")
    status = df.ChoiceFilter(choices=RunStatus.choices, label="状态")

    class Meta:
        model = PayRun
        fields = ["township", "period", "kind", "status"]


def ended_periods_q(today) -> Q:
    """Months before the current month and years before the current year (the dashboard's
    "已过期间未锁定" counts these among the unlocked ones)."""
    return (
        Q(kind=PeriodKind.MONTH, year__lt=today.year)
        | Q(kind=PeriodKind.MONTH, year=today.year, month__lt=today.month)
        | Q(kind=PeriodKind.YEAR, year__lt=today.year)
    )


class PayPeriodFilter(df.FilterSet):
    year = YearFilter(field_name="year", label="年度")
    kind = AnyChoiceFilter(choices=PeriodKind.choices, label="类型")
    locked = AnyBooleanFilter(method="filter_locked", label="已锁定")
    ended = AnyBooleanFilter(method="filter_ended", label="期间已结束")

    class Meta:
        model = PayPeriod
        fields = ["year", "kind", "locked", "ended"]

    def filter_locked(self, qs, name, value):
        return qs.filter(locked_at__isnull=not value)

    def filter_ended(self, qs, name, value):
        q = ended_periods_q(core_dates.today())
        return qs.filter(q) if value else qs.exclude(q)
