"""One FilterSet per list (assessments.filters): the HTML page, its .xlsx export and the API give
the same rows for the same query, the pages' own parameter names included (``?category=``)."""

import io

import openpyxl
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from assessments import services
from assessments.choices import ProposalKind, RaterGroup
from assessments.models import ConsequenceProposal, ReviewResult

from ..factories import VillageFactory
from .factories import YEAR, ReviewFactory, scored_review, tally

pytestmark = pytest.mark.django_db
API = "/api/v1/reviews"


@pytest.fixture
def county(village_a, village_b):
    """Three scored reviews in 甲镇 (one admonished), two in 乙镇, one not entered in each."""
    first = scored_review(village=village_a, counts=(58, 2, 0), daily=95, person__name="甲高分")
    campaign = first.campaign
    scored_review(village=VillageFactory(township=village_a.township), campaign=campaign, person__name="甲称职")
    scored_review(
        village=VillageFactory(township=village_a.township), campaign=campaign, counts=(20, 20, 20), person__name="甲低票"
    )
    scored_review(village=village_b, campaign=campaign, counts=(56, 4, 0), daily=92, person__name="乙高分")
    scored_review(village=VillageFactory(township=village_b.township), campaign=campaign, person__name="乙称职")
    for village, name in ((village_a, "甲缺票"), (village_b, "乙缺票")):
        missing = ReviewFactory(campaign=campaign, village=village, person__name=name)
        tally(missing, RaterGroup.TOWNSHIP)
    services.review_year_rollup(year=YEAR)
    return village_a.township, village_b.township


def _export_names(response) -> set[str]:
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and r[0] in ("乡镇(街道)", "年度"))
    column = rows[header].index("姓名")
    return {r[column] for r in rows[header + 1 :] if r and r[column]}


def _same_rows(client, user, page: str, export: str, api: str, query: str, api_query: str) -> set[str]:
    """The names on the page, in the export and in the API answer for one query: all equal."""
    response = client.get(f"{page}?{query}")
    assert response.status_code == 200 and not response.context["filter_form"].errors
    on_page = {r.person.name for r in response.context["rows"]}
    in_export = _export_names(client.get(f"{export}?{query}"))
    api_client = APIClient()
    api_client.force_authenticate(user)
    body = api_client.get(f"{api}?{api_query}").json()
    assert body["next"] is None
    in_api = {r["person_name"] for r in body["results"]}
    assert on_page == in_export == in_api
    return on_page


@pytest.mark.parametrize("user", ["county_user", "clerk_a"])
def test_review_page_export_and_api_filter_alike(client, county, user, request):
    user = request.getfixturevalue(user)
    township_a, township_b = county
    client.force_login(user)
    page = reverse("assessments:review_list", args=[YEAR])
    export = reverse("assessments:review_export", args=[YEAR])

    def rows(query):
        return _same_rows(client, user, page, export, f"{API}/reviews/", query, f"year={YEAR}&{query}")

    everyone = rows("")
    assert rows("status=missing") == everyone & {"甲缺票", "乙缺票"}
    assert rows("status=entered") == everyone - {"甲缺票", "乙缺票"}
    assert rows(f"township={township_a.pk}&status=entered") == {"甲高分", "甲称职", "甲低票"}
    assert rows("q=高分") == everyone & {"甲高分", "乙高分"}
    assert rows("q=高分&status=missing") == set()
    if user.is_clerk:
        assert everyone == {"甲高分", "甲称职", "甲低票", "甲缺票"}
        assert rows(f"township={township_b.pk}") == set()


def test_result_page_export_and_api_filter_alike(client, county, county_user):
    _, township_b = county
    client.force_login(county_user)
    page = reverse("assessments:result_list", args=[YEAR])
    export = reverse("assessments:result_export", args=[YEAR])

    def rows(query, api_query=None):
        return _same_rows(client, county_user, page, export, f"{API}/results/", query, f"year={YEAR}&{api_query or query}")

    everyone = rows("")
    assert len(everyone) == 7
    results = list(ReviewResult.objects.filter(year=YEAR))
    grades = {r.grade for r in results if r.grade}
    categories = {r.village_category for r in results if r.village_category}
    assert len(grades) > 1 and len(categories) > 1  # every filter below leaves some rows out
    for grade in grades:
        assert rows(f"grade={grade}") == {r.person.name for r in results if r.grade == grade} != everyone
    for code in categories:
        wanted = {r.person.name for r in results if r.village_category == code}
        # The page calls it ?category=, the API ?village_category=; both names work on both.
        assert rows(f"category={code}", f"village_category={code}") == wanted != everyone
        assert rows(f"village_category={code}", f"category={code}") == wanted
    assert rows(f"township={township_b.pk}&status=graded") == {"乙高分", "乙称职"}


def test_proposal_page_export_and_api_filter_alike(client, county, county_user):
    client.force_login(county_user)
    ConsequenceProposal.objects.all().delete()
    for name, kind, status in (
        ("甲低票", ProposalKind.ADMONITION, "proposed"),
        ("甲称职", ProposalKind.ADMONITION, "dismissed"),
        ("乙称职", ProposalKind.REMOVAL, "proposed"),
    ):
        review = ReviewResult.objects.get(person__name=name).review
        ConsequenceProposal.objects.create(
            review=review, person=review.person, year=YEAR, kind=kind, reason="测试依据", status=status
        )
    page, export = reverse("assessments:proposal_list"), reverse("assessments:proposal_export")

    def rows(query):
        return _same_rows(client, county_user, page, export, f"{API}/proposals/", query, query)

    assert rows("") == {"甲低票", "甲称职", "乙称职"}
    assert rows(f"kind={ProposalKind.REMOVAL}") == {"乙称职"}
    assert rows(f"year={YEAR}&status=proposed&kind={ProposalKind.ADMONITION}") == {"甲低票"}
    assert rows("status=dismissed") == {"甲称职"}
    assert rows(f"year={YEAR - 1}") == set()


def test_invalid_parameter_is_a_400_in_the_api_and_ignored_with_a_warning_on_the_page(client, county, county_user):
    client.force_login(county_user)
    response = client.get(reverse("assessments:review_list", args=[YEAR]) + "?status=bogus&q=高分")
    assert {r.person.name for r in response.context["rows"]} == {"甲高分", "乙高分"}  # q still applies
    assert "以下筛选条件有误，已忽略" in response.content.decode()
    api_client = APIClient()
    api_client.force_authenticate(county_user)
    assert api_client.get(f"{API}/reviews/?status=bogus").status_code == 400
