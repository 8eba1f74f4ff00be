"""Query parameters of the annual-review API (/api/v1/reviews/): validated FilterSets.

Every parameter is checked before it reaches a query: a year within [2000, 2100], a township id
a positive whole number, a status or kind one of its codes; anything else is a field-keyed 400
with a Chinese message, never a 500.
"""

import django_filters as df

from core.filters import IdFilter, YearFilter

from .choices import ProposalKind, ProposalStatus, ResultStatus, ReviewEntryStatus
from .models import AnnualReview, ConsequenceProposal, ReviewResult


class ReviewFilter(df.FilterSet):
    """``year`` and ``township`` filter here; ``status`` and ``q`` are validated here and applied
    by selectors.review_list (the entry status needs its ballot annotations)."""

    year = YearFilter(field_name="year", label="年度")
    township = IdFilter(field_name="township_id", label="乡镇(街道)")
    status = df.ChoiceFilter(choices=ReviewEntryStatus.choices, method="applied_by_selector", label="录入状态")
    q = df.CharFilter(method="applied_by_selector", label="姓名/村名")

    class Meta:
        model = AnnualReview
        fields = ["year", "township", "status", "q"]

    def applied_by_selector(self, qs, name, value):
        return qs


class ResultFilter(df.FilterSet):
    year = YearFilter(field_name="year", label="年度")
    township = IdFilter(field_name="township_id", label="乡镇(街道)")
    grade = df.CharFilter(field_name="grade", label="等次")
    status = df.ChoiceFilter(choices=ResultStatus.choices, label="状态")
    village_category = df.CharFilter(field_name="village_category", label="村类别")

    class Meta:
        model = ReviewResult
        fields = ["year", "township", "grade", "status", "village_category"]


class ProposalFilter(df.FilterSet):
    year = YearFilter(field_name="year", label="年度")
    status = df.ChoiceFilter(choices=ProposalStatus.choices, label="状态")
    kind = df.ChoiceFilter(choices=ProposalKind.choices, label="处理")

    class Meta:
        model = ConsequenceProposal
        fields = ["year", "status", "kind"]
