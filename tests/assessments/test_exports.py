"""Exports of the campaign, review and proposal lists (scoped, filtered) and the review status filter."""

import io

import openpyxl
import pytest
from django.urls import reverse

from assessments import services
from assessments.choices import ProposalKind, RaterGroup
from assessments.models import ConsequenceProposal
from cadres.models import ExportLog

from .factories import YEAR, CampaignFactory, ReviewFactory, scored_review, tally

pytestmark = pytest.mark.django_db


def _rows(response):
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and r[0] in ("乡镇(街道)", "考核年度", "年度"))
    return list(rows[header]), [r for r in rows[header + 1 :] if any(c not in (None, "") for c in r)]


@pytest.fixture
def reviews(village_a, village_b):
    """甲镇: one fully entered (graded after the rollup), one without the members' ballot; 乙镇: one."""
    graded = scored_review(village=village_a, person__name="甲完成")
    missing = ReviewFactory(campaign=graded.campaign, village=village_a, person__name="甲缺票")
    tally(missing, RaterGroup.TOWNSHIP)
    other = scored_review(village=village_b, campaign=graded.campaign, person__name="乙完成")
    services.review_year_rollup(year=YEAR)
    return graded, missing, other


@pytest.mark.parametrize(
    ("status", "names"),
    [
        ("", ["甲完成", "甲缺票", "乙完成"]),
        ("missing", ["甲缺票"]),
        ("entered", ["甲完成", "乙完成"]),
        ("graded", ["甲完成", "乙完成"]),
        ("bogus", ["甲完成", "甲缺票", "乙完成"]),  # unknown values are ignored
    ],
)
def test_review_list_filters_by_entry_status(client, county_user, reviews, status, names):
    client.force_login(county_user)
    rows = client.get(reverse("assessments:review_list", args=[YEAR]) + f"?status={status}").context["rows"]
    assert sorted(r.person.name for r in rows) == sorted(names)


def test_daily_score_missing_counts_as_not_entered(client, county_user, village_a):
    review = scored_review(village=village_a, daily=None, person__name="缺日常分")
    client.force_login(county_user)
    rows = client.get(reverse("assessments:review_list", args=[YEAR]) + "?status=missing").context["rows"]
    assert [r.pk for r in rows] == [review.pk]


def test_clerk_review_export_is_scoped_and_filtered(client, clerk_a, reviews):
    client.force_login(clerk_a)
    url = reverse("assessments:review_export", args=[YEAR])
    header, rows = _rows(client.get(url))
    assert sorted(r[header.index("姓名")] for r in rows) == ["甲完成", "甲缺票"]  # never 乙镇
    header, rows = _rows(client.get(url + "?status=missing"))
    assert [(r[header.index("姓名")], r[header.index("民主测评")]) for r in rows] == [("甲缺票", "未录")]
    assert ExportLog.objects.filter(user=clerk_a).count() == 2
    page = client.get(reverse("assessments:review_list", args=[YEAR]) + "?status=missing").content.decode()
    assert "导出Excel" in page and f"{url}?status=missing" in page


def test_dashboard_reviews_not_entered_opens_exactly_those_reviews(client, county_user, reviews):
    import datetime

    from core.dashboard import build_dashboard

    board = build_dashboard(county_user, today=datetime.date(YEAR, 12, 1))
    item = {q.key: q for q in board.queues}["reviews_not_entered"]
    assert item.count == 1 and "status=missing" in item.link
    client.force_login(county_user)
    rows = client.get(item.link).context["rows"]
    assert [r.person.name for r in rows] == ["甲缺票"]


def test_campaign_export(client, clerk_a, reviews):
    CampaignFactory(year=YEAR - 1)
    client.force_login(clerk_a)
    header, rows = _rows(client.get(reverse("assessments:campaign_export")))
    assert [(r[0], r[header.index("考核对象（人）")]) for r in rows] == [(YEAR, 2), (YEAR - 1, 0)]
    assert "导出Excel" in client.get(reverse("assessments:campaign_list")).content.decode()


def test_clerk_proposal_export_is_scoped_and_filtered(client, clerk_a, county_user, reviews):
    graded, _, other = reviews
    ConsequenceProposal.objects.all().delete()
    for review, kind in ((graded, ProposalKind.ADMONITION), (other, ProposalKind.ADMONITION), (graded, ProposalKind.REMOVAL)):
        ConsequenceProposal.objects.create(review=review, person=review.person, year=YEAR, kind=kind, reason="测试依据")
    client.force_login(clerk_a)
    url = reverse("assessments:proposal_export")
    header, rows = _rows(client.get(url))
    assert sorted(r[header.index("处理")] for r in rows) == sorted([ProposalKind.ADMONITION.label, ProposalKind.REMOVAL.label])
    assert {r[header.index("乡镇(街道)")] for r in rows} == {"甲镇"}
    _, rows = _rows(client.get(url + f"?kind={ProposalKind.REMOVAL}"))
    assert len(rows) == 1
    client.force_login(county_user)
    _, rows = _rows(client.get(url + f"?kind={ProposalKind.ADMONITION}"))
    assert len(rows) == 2


@pytest.mark.parametrize("rows", [1, 20])
def test_campaign_and_proposal_lists_have_constant_query_counts(client, county_user, village_a, django_assert_num_queries, rows):
    campaign = CampaignFactory()
    for i in range(rows):
        CampaignFactory(year=2000 + i)
        review = ReviewFactory(campaign=campaign, village=village_a)
        ConsequenceProposal.objects.create(
            review=review, person=review.person, year=YEAR, kind=ProposalKind.ADMONITION, reason="测试"
        )
    client.force_login(county_user)
    # session, user, campaigns with the scoped review count, 2× permissions (the 开启 button)
    with django_assert_num_queries(5):
        response = client.get(reverse("assessments:campaign_list"))
    assert len(response.context["rows"]) == rows + 1
    # session, user, COUNT, page of proposals (person, review, village, township, decider joined), 2× permissions
    with django_assert_num_queries(6):
        response = client.get(reverse("assessments:proposal_list"))
    assert len(response.context["rows"]) == rows
