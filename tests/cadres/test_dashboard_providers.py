"""The app providers of the home dashboard (reserves, training, assessments, subsidies): figures
equal direct counts and the lists behind them, scope, and query counts that do not grow."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from assessments.choices import ResultStatus
from assessments.models import ReviewResult
from core import dates as core_dates
from reserves.choices import Status
from reserves.models import ReserveCandidate
from subsidies.choices import RunKind, RunStatus
from subsidies.models import LedgerEntry, PayRun
from tests.assessments.factories import CampaignFactory, ReviewFactory, scored_review
from tests.factories import AppointmentFactory, UserFactory, VillageFactory
from tests.reserves.factories import ReserveCandidateFactory
from tests.subsidies.factories import LedgerEntryFactory, PayPeriodFactory
from tests.training.factories import EnrollmentFactory, TrainingSessionFactory
from training.choices import Level

TODAY = core_dates.today()
YEAR = TODAY.year


def _result(review, grade):
    return ReviewResult.objects.create(
        review=review,
        year=review.year,
        person=review.person,
        village=review.village,
        township=review.township,
        status=ResultStatus.GRADED,
        grade=grade,
    )


def _run(township, period_code, status, user):
    return PayRun.objects.create(
        kind=RunKind.BASE_MONTHLY,
        period=PayPeriodFactory(code=period_code),
        township=township,
        status=status,
        policy_year=YEAR,
        created_by=user,
    )


def _app_data(township, n, *, tag, user, run=True):
    """Per township: ``n`` villages, each with a secretary (trained in a county session this
    year), one pooled and one surveyed reserve, a review (entered except the first) with a
    result, a ledger entry for March; one pay run awaiting county approval."""
    campaign = CampaignFactory(year=YEAR)
    session = TrainingSessionFactory(level=Level.COUNTY, start_date=datetime.date(YEAR, 1, 5), end_date=datetime.date(YEAR, 1, 6))
    march = PayPeriodFactory(code=f"{YEAR}-03")
    for i in range(n):
        village = VillageFactory(township=township, name=f"{tag}村{i:02d}")
        appt = AppointmentFactory(village=village, person__name=f"{tag}书记{i:02d}")
        EnrollmentFactory(session=session, person=appt.person, township=township, hours_credited=Decimal("8.0"))
        ReserveCandidateFactory(village=village, pooled=True, person__name=f"{tag}后备{i:02d}")
        ReserveCandidateFactory(village=village, person__name=f"{tag}摸底{i:02d}")
        if i == 0:
            review = ReviewFactory(campaign=campaign, village=village, person=appt.person)  # ballots missing
        else:
            review = scored_review(campaign=campaign, village=village, person=appt.person)
        _result(review, "competent" if i % 2 else "excellent")
        LedgerEntryFactory(person=appt.person, village=village, period=march, amount=Decimal("100.00"))
    if run:
        _run(township, f"{YEAR - 1}-{(township.pk % 12) + 1:02d}", RunStatus.PREPARED, user)


@pytest.fixture
def two_townships(township_a, township_b, county_user):
    _app_data(township_a, 3, tag="甲", user=county_user)
    _app_data(township_b, 2, tag="乙", user=county_user)


def _list_count(client, link: str) -> int:
    response = client.get(link)
    assert response.status_code == 200, link
    return response.context["page_obj"].paginator.count


def _board(client, user, query=""):
    client.force_login(user)
    response = client.get(reverse("home") + query)
    assert response.status_code == 200
    return response, response.context["board"]


def test_county_figures_equal_direct_counts_and_lists(client, county_user, two_townships):
    _response, board = _board(client, county_user)
    figures = {f.key: f for f in board.figures}
    queues = {q.key: q for q in board.queues}

    pooled = ReserveCandidate.objects.filter(status=Status.POOLED, cohort=2026).count()
    assert figures["reserves_pooled"].value == pooled == 5
    assert _list_count(client, figures["reserves_pooled"].link) == pooled
    assert "目标 10 人" in figures["reserves_pooled"].note  # 5 villages × 2

    assert figures["training_coverage"].value == Decimal("100.0")
    assert "已参训 5 人 / 现任书记 5 人" in figures["training_coverage"].note
    assert figures["training_coverage"].link == reverse("training:coverage") + f"?year={YEAR}"

    assert figures["review_progress"].value == Decimal("60.0")  # 3 of 5 entered
    assert queues["reviews_not_entered"].count == 2

    assert figures["pay_runs_pending"].value == PayRun.objects.filter(status=RunStatus.PREPARED).count() == 2
    assert _list_count(client, figures["pay_runs_pending"].link) == 2

    charts = {c.id: c for c in board.charts}
    grades = charts["review-grades"]
    by_label = {row[0]: row[1] for row in grades.table.rows}
    assert by_label["合计"] == ReviewResult.objects.count() == 5
    for link, row in zip(grades.links[0], grades.table.rows, strict=False):
        assert _list_count(client, link) == row[1], link
    hours = charts["training-hours"]
    assert hours.table.rows[-1] == ["合计", Decimal("40.0")]
    pay = charts["pay-months"]
    assert pay.table.rows[2] == ["3月", Decimal("500.00")]
    assert _list_count(client, pay.links[0][2]) == LedgerEntry.objects.count() == 5
    coverage = charts["reserves-coverage"]
    assert coverage.table.rows[-1] == ["合计", 5, 0, 5, 5, 10]
    assert _list_count(client, coverage.table.cell_links[0][4]) == 3


def test_county_drill_down_narrows_every_provider(client, county_user, township_b, two_townships):
    _response, board = _board(client, county_user, f"?township={township_b.pk}")
    counts = board.counts
    assert counts["reserves_pooled"] == 2
    assert counts["review_progress"] == Decimal("50.0")
    assert counts["reviews_not_entered"] == 1
    assert counts["pay_runs_pending"] == 1
    figures = {f.key: f for f in board.figures}
    for key in ("reserves_pooled", "pay_runs_pending"):
        assert f"township={township_b.pk}" in figures[key].link
        assert _list_count(client, figures[key].link) == counts[key]
    assert board.chart("pay-months").table.rows[2] == ["3月", Decimal("200.00")]


def test_clerk_dashboard_shows_nothing_from_township_b(client, clerk_a, township_b, two_townships):
    response, board = _board(client, clerk_a, f"?township={township_b.pk}")
    html = response.content.decode()
    assert "乙" not in html
    counts = board.counts
    assert counts["reserves_pooled"] == 3
    assert counts["review_progress"] == dashboard_percent(2, 3)
    assert counts["reviews_not_entered"] == 1
    assert counts["training_coverage"] == Decimal("100.0")
    assert "periods_unlocked" not in counts  # county staff lock periods
    assert board.chart("training-hours").table.rows[-1] == ["合计", Decimal("24.0")]


def dashboard_percent(part, whole):
    from core.dashboard import percent

    return percent(part, whole)


# ---------------------------------------------------------------------------------------------
# Query counts: constant between 1 and 20 rows of each app's data
# ---------------------------------------------------------------------------------------------

# The register's cold counts (tests/cadres/test_dashboard.py, 27 county / 26 clerk, of which
# session, user, version token, policy and the live import count are shared) plus
#   reserves: policy (2), pooled COUNT, villages' coverage GROUP BY, township list, pooled per township,
#             party stages of open records (due 待办) = 7
#   training: policy (2), current secretaries COUNT, trained COUNT, township list,
#             hours per township = 6
#   assessments: campaign year, progress aggregate, results per grade (policy shared with the build) = 3
#   subsidies: runs awaiting approval (figure), preview, approved, unlocked periods (county staff
#              only), totals per month = 5 (clerk 4)
# Stored copies of the parts (core.models.DashboardPart): read (none yet), write = 2.
# Warm: unchanged (one version token covers every provider's tables).
COLD_COUNTY, WARM_COUNTY = 49, 6
COLD_CLERK, WARM_CLERK = 47, 5


def _cold_and_warm(client, django_assert_max_num_queries, cold_max, warm_max) -> tuple[int, int, object]:
    cache.clear()
    with django_assert_max_num_queries(cold_max) as cold:
        response = client.get(reverse("home"))
    assert response.context["board"].from_cache is False
    with django_assert_max_num_queries(warm_max) as warm:
        response = client.get(reverse("home"))
    assert response.context["board"].from_cache is True
    return len(cold.captured_queries), len(warm.captured_queries), response.context["board"]


def test_county_query_count_does_not_grow(client, county_user, township_a, township_b, django_assert_max_num_queries):
    _app_data(township_a, 1, tag="甲", user=county_user)
    _app_data(township_b, 1, tag="乙", user=county_user)
    client.force_login(county_user)
    small = _cold_and_warm(client, django_assert_max_num_queries, COLD_COUNTY, WARM_COUNTY)
    for i in range(19):
        _app_data(township_a, 1, tag=f"甲{i}", user=county_user, run=False)
    large = _cold_and_warm(client, django_assert_max_num_queries, COLD_COUNTY, WARM_COUNTY)
    assert small[:2] == large[:2] == (COLD_COUNTY, WARM_COUNTY)
    assert (small[2].counts["reserves_pooled"], large[2].counts["reserves_pooled"]) == (2, 21)


def test_clerk_query_count_does_not_grow(client, clerk_a, township_a, township_b, django_assert_max_num_queries):
    user = UserFactory()
    _app_data(township_a, 1, tag="甲", user=user)
    _app_data(township_b, 3, tag="乙", user=user)
    client.force_login(clerk_a)
    small = _cold_and_warm(client, django_assert_max_num_queries, COLD_CLERK, WARM_CLERK)
    for i in range(19):
        _app_data(township_a, 1, tag=f"甲{i}", user=user, run=False)
    large = _cold_and_warm(client, django_assert_max_num_queries, COLD_CLERK, WARM_CLERK)
    assert small[:2] == large[:2] == (COLD_CLERK, WARM_CLERK)
    assert (small[2].counts["reserves_pooled"], large[2].counts["reserves_pooled"]) == (1, 20)


def test_reserves_due_for_a_party_stage_step_are_a_queue_item_linking_to_exactly_them(
    client, county_user, clerk_b, village_a, village_b
):
    from reserves.models import PartyStageRecord

    from ..reserves.factories import ReserveCandidateFactory

    today = core_dates.today()
    due = ReserveCandidateFactory(village=village_a, pooled=True, person__name="甲到期")
    PartyStageRecord.objects.create(candidate=due, stage="activist", date=today - datetime.timedelta(days=400))
    early = ReserveCandidateFactory(village=village_a, pooled=True, person__name="甲未到")
    PartyStageRecord.objects.create(candidate=early, stage="activist", date=today - datetime.timedelta(days=100))
    other = ReserveCandidateFactory(village=village_b, pooled=True, person__name="乙到期")
    PartyStageRecord.objects.create(candidate=other, stage="applicant", date=today - datetime.timedelta(days=300))
    cache.clear()
    _response, board = _board(client, county_user)
    item = {q.key: q for q in board.queues}["reserves_party_due"]
    assert item.count == 2
    listed = client.get(item.link).content.decode()
    assert "甲到期" in listed and "乙到期" in listed and "甲未到" not in listed
    assert _list_count(client, item.link) == 2
    cache.clear()
    _response, board = _board(client, clerk_b)
    assert {q.key: q for q in board.queues}["reserves_party_due"].count == 1


# ---------------------------------------------------------------------------------------------
# Every chart segment links to a list (all providers, on the browser tests' county)
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_nonzero_segment_of_every_chart_opens_a_page(client):
    """On a small county with every app's demo data, each chart's ``links`` has the shape of its
    series and every non-zero bar, slice or stack segment opens a page that answers 200."""
    from core import services as core_services
    from tests.e2e.county import build_county, seed_apps

    county = build_county()
    core_services.policy_profile_create(by=county.county_user, year=YEAR)
    seed_apps(county)
    cache.clear()
    client.force_login(county.county_user)
    board = client.get(reverse("home")).context["board"]
    assert len(board.charts) >= 9  # 4 structure charts, townships, reserves, training, grades, pay
    opened = {}
    for chart in board.charts:
        series = chart.option["series"]
        assert len(chart.links) == len(series), chart.id
        for s, links in zip(series, chart.links, strict=True):
            values = [v["value"] if isinstance(v, dict) else v for v in s["data"]]
            assert len(links) == len(values), (chart.id, s["name"])
            for value, link in zip(values, links, strict=True):
                if not value:
                    continue
                assert link, (chart.id, s["name"], value)
                if link not in opened:
                    opened[link] = client.get(link).status_code
                assert opened[link] == 200, (chart.id, link)
    assert sum(1 for c in board.charts if any(any(v for v in s["data"]) for s in c.option["series"])) == len(board.charts)
