"""Query parameters of the annual review: validated FilterSets shared by the API
(/api/v1/reviews/), the HTML list pages and their .xlsx exports (through the selectors).

Every parameter is checked before it reaches a query: a year within [2000, 2100], a township id
a positive whole number, a status or kind one of its codes; anything else is a field-keyed error
with a Chinese message (400 in the API, a message above the list on a page), never a 500.
Where a page named a parameter differently from the API, both names are accepted
(``?category=`` on the results page is the API's ``?village_category=``).
"""

import django_filters as df
from django.db.models import Exists, OuterRef, Q

from core.filters import IdFilter, YearFilter

from .choices import ProposalKind, ProposalStatus, RaterGroup, ResultStatus, ReviewEntryStatus
from .models import AnnualReview, BallotTally, ConsequenceProposal, ReviewResult


def _has_tally(group: str) -> Exists:
    return Exists(BallotTally.objects.filter(review=OuterRef("pk"), group=group))


class ReviewFilter(df.FilterSet):
    year = YearFilter(field_name="year", label="年度")
    township = IdFilter(field_name="township_id", label="乡镇(街道)")
    status = df.ChoiceFilter(choices=ReviewEntryStatus.choices, method="filter_status", label="录入状态")
    q = df.CharFilter(method="filter_q", label="姓名/村名")

    class Meta:
        model = AnnualReview
        fields = ["year", "township", "status", "q"]

    def filter_status(self, qs, name, value):
        # "Entered" as on the dashboard and the campaign's progress table: both ballot tallies and
        # the daily score are in.
        entered = (_has_tally(RaterGroup.TOWNSHIP), _has_tally(RaterGroup.MEMBERS))
        if value == ReviewEntryStatus.MISSING:
            return qs.exclude(*entered, daily_score__isnull=False)
        if value == ReviewEntryStatus.ENTERED:
            return qs.filter(*entered, daily_score__isnull=False)
        if value == ReviewEntryStatus.GRADED:
            return qs.filter(result__status=ResultStatus.GRADED)
        return qs

    def filter_q(self, qs, name, value):
        return qs.filter(Q(person__name__contains=value) | Q(village__name__contains=value))


class ResultFilter(df.FilterSet):
    year = YearFilter(field_name="year", label="年度")
    township = IdFilter(field_name="township_id", label="乡镇(街道)")
    grade = df.CharFilter(field_name="grade", label="等次")
    status = df.ChoiceFilter(choices=ResultStatus.choices, label="状态")
    village_category = df.CharFilter(field_name="village_category", label="村类别")
    # The results page's name for village_category.
    category = df.CharFilter(field_name="village_category", label="村类别（同village_category）")

    class Meta:
        model = ReviewResult
        fields = ["year", "township", "grade", "status", "village_category", "category"]


class ProposalFilter(df.FilterSet):
    year = YearFilter(field_name="year", label="年度")
    status = df.ChoiceFilter(choices=ProposalStatus.choices, label="状态")
    kind = df.ChoiceFilter(choices=ProposalKind.choices, label="处理")

    class Meta:
        model = ConsequenceProposal
        fields = ["year", "status", "kind"]
