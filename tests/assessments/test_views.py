"""Pages of the annual review: content, scope doors (404 for another township), query counts."""

from decimal import Decimal

import pytest
from django.urls import reverse

from assessments import services
from assessments.choices import Phase
from assessments.models import BallotTally, ReviewResult
from cadres.models import ExportLog
from tests.pages import person_page

from ..factories import VillageFactory
from .factories import YEAR, CampaignFactory, ReviewFactory, scored_review

pytestmark = pytest.mark.django_db


def test_dashboard_shows_phases_and_township_progress(client, county_user, township_a, village_a):
    scored_review(village=village_a)
    ReviewFactory(village=VillageFactory(township=township_a), daily_score=None)
    client.force_login(county_user)
    response = client.get(reverse("assessments:campaign_detail", args=[YEAR]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>2025年度双述双评 · 头雁</title>" in html
    row = next(p for p in response.context["progress"] if p["township"] == township_a)
    assert (row["reviews"], row["township_ballots"], row["members_ballots"], row["daily"], row["percent"]) == (2, 1, 1, 1, 50)


def test_township_progress_counts_each_review_once_whatever_it_has_and_only_in_scope(
    county_user, clerk_a, township_a, township_b
):
    from django.core.files.base import ContentFile

    from assessments import selectors
    from assessments.models import ReviewFile

    typed = scored_review(village=VillageFactory(township=township_a))  # typed report, both ballots
    typed.duty_report = "述职报告全文"
    typed.save()
    both = ReviewFactory(village=VillageFactory(township=township_a), duty_report="全文", daily_score=None)
    only_file = ReviewFactory(village=VillageFactory(township=township_a), duty_report="", daily_score=None)
    for review in (both, only_file, only_file):  # a second file of the same review counts once
        ReviewFile.objects.create(
            review=review, kind="duty", file=ContentFile(b"x", name="r.pdf"), original_name="r.pdf", uploaded_by=county_user
        )
    ReviewFactory(village=VillageFactory(township=township_a), duty_report="", daily_score=None)  # nothing yet
    scored_review(village=VillageFactory(township=township_b))

    def row(user, township):
        return next(p for p in selectors.township_progress(user=user, year=YEAR) if p["township"] == township)

    a = row(county_user, township_a)
    assert (a["reviews"], a["reports"], a["township_ballots"], a["members_ballots"], a["daily"]) == (4, 3, 1, 1, 1)
    assert row(county_user, township_b)["reviews"] == 1
    clerk_rows = selectors.township_progress(user=clerk_a, year=YEAR)
    assert [p["township"] for p in clerk_rows] == [township_a] and clerk_rows[0]["reports"] == 3


def test_township_progress_is_cached_per_scope_and_moves_with_the_data(
    county_user, clerk_a, township_a, township_b, django_assert_max_num_queries
):
    from django.core.files.base import ContentFile

    from assessments import selectors
    from assessments.models import ReviewFile

    review = ReviewFactory(village=VillageFactory(township=township_a), duty_report="", daily_score=None)
    scored_review(village=VillageFactory(township=township_b))

    def reports(user):
        return {p["township"].pk: p["reports"] for p in selectors.township_progress(user=user, year=YEAR)}

    assert reports(county_user) == {township_a.pk: 0, township_b.pk: 0}
    with django_assert_max_num_queries(1):  # the data version only
        assert reports(county_user) == {township_a.pk: 0, township_b.pk: 0}
    assert reports(clerk_a) == {township_a.pk: 0}  # a clerk never gets the county's counts
    # an uploaded 述职报告 counts at once, and so does a ballot entered afterwards
    ReviewFile.objects.create(
        review=review, kind="duty", file=ContentFile(b"x", name="r.pdf"), original_name="r.pdf", uploaded_by=county_user
    )
    assert reports(county_user) == {township_a.pk: 1, township_b.pk: 0}
    assert reports(clerk_a) == {township_a.pk: 1}
    BallotTally.objects.create(review=review, group="township", entitled=10, attended=9, counts={"excellent": 9})
    row = next(p for p in selectors.township_progress(user=county_user, year=YEAR) if p["township"] == township_a)
    assert row["township_ballots"] == 1


def test_review_detail_explains_the_result(client, county_user, village_a):
    review = scored_review(village=village_a, counts=(20, 10, 30))
    services.review_year_rollup(year=YEAR)
    client.force_login(county_user)
    html = client.get(reverse("assessments:review_detail", args=[review.pk])).content.decode()
    assert "不称职：称职" not in html
    assert "不称职：不称职票 50% ≥ 50%" in html
    assert "= 0.3×" in html


def test_ballot_form_rejects_bad_counts_with_a_field_message(client, clerk_a, village_a):
    review = ReviewFactory(village=village_a)
    client.force_login(clerk_a)
    url = reverse("assessments:ballot_edit", args=[review.pk, "members"])
    data = {"entitled": 40, "attended": 30, "opt_competent": 28, "opt_basic": 5, "opt_incompetent": 0, "invalid_ballots": 0}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "有效票与废票合计（33）不能多于实到人数（30）。" in response.content.decode()
    assert BallotTally.objects.count() == 0
    data["opt_basic"] = 2
    response = client.post(url, data)
    assert response.status_code == 302
    assert BallotTally.objects.get().counts == {"competent": 28, "basic": 2, "incompetent": 0}


def test_review_edit_saves_scores_and_items(client, clerk_a, village_a):
    review = ReviewFactory(village=village_a)
    client.force_login(clerk_a)
    response = client.post(
        reverse("assessments:review_edit", args=[review.pk]),
        {"duty_report": "述职内容", "daily_score": "91", "adjust_items": ["b_city_award"], "star_items": ["award"]},
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.duty_report, review.daily_score) == ("述职内容", Decimal("91.00"))
    assert sorted(review.items.values_list("kind", "code")) == [("adjust", "b_city_award"), ("star", "award")]


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("assessments:review_detail", "review"),
        ("assessments:review_edit", "review"),
        ("assessments:ballot_edit", "ballot"),
        ("assessments:result_override", "result"),
        ("assessments:person_results", "person"),
        ("assessments:village_results", "village"),
    ],
)
def test_clerk_gets_404_for_another_townships_objects(client, clerk_b, village_a, name, args):
    review = scored_review(village=village_a)
    services.review_year_rollup(year=YEAR)
    result = ReviewResult.objects.get(review=review)
    arg = {
        "review": [review.pk],
        "ballot": [review.pk, "members"],
        "result": [result.pk],
        "person": [review.person_id],
        "village": [village_a.pk],
    }[args]
    client.force_login(clerk_b)
    assert client.get(reverse(name, args=arg)).status_code == 404
    posted = client.post(reverse(name, args=arg), {"grade": "excellent", "reason": "x", "entitled": 5, "attended": 5})
    assert posted.status_code == (405 if args in ("person", "village") or name.endswith("detail") else 404)
    assert ReviewResult.objects.get(review=review).override_reason == ""
    assert not BallotTally.objects.filter(review=review, entitled=5).exists()


def test_clerk_lists_and_exports_only_own_township(client, clerk_a, village_a, village_b):
    mine = scored_review(village=village_a)
    scored_review(village=village_b)
    services.review_year_rollup(year=YEAR)
    client.force_login(clerk_a)
    rows = client.get(reverse("assessments:review_list", args=[YEAR])).context["rows"]
    assert [r.pk for r in rows] == [mine.pk]
    rows = client.get(reverse("assessments:result_list", args=[YEAR])).context["rows"]
    assert [r.review_id for r in rows] == [mine.pk]
    response = client.get(reverse("assessments:result_export", args=[YEAR]))
    assert response.status_code == 200
    log = ExportLog.objects.get()
    assert (log.user, log.rows) == (clerk_a, 1)
    # asking for the other township explicitly: 404, nothing exported
    response = client.get(reverse("assessments:result_list", args=[YEAR]) + f"?township={village_b.township_id}")
    assert response.status_code == 404


def test_result_export_is_a_workbook_with_explanations(client, county_user, village_a):
    scored_review(village=village_a)
    services.review_year_rollup(year=YEAR)
    client.force_login(county_user)
    response = client.get(reverse("assessments:result_export", args=[YEAR]))
    import io

    import openpyxl

    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert ws["A1"].value == "2025年度村党组织书记双述双评考核结果（全县）"
    headers = [c.value for c in ws[2]]
    assert headers[:6] == ["乡镇(街道)", "村(社区)", "姓名", "职务", "综合得分", "等次"]
    assert ws.cell(3, 3).value is not None and "= 0.3×" in ws.cell(3, 11).value


def _build(township, n):
    for _ in range(n):
        scored_review(village=VillageFactory(township=township))
    services.review_year_rollup(year=YEAR)


@pytest.mark.parametrize("rows", [1, 50])
@pytest.mark.parametrize(
    ("url_name", "expected"),
    [
        # session, user, campaign, COUNT, 2× permissions, townships, page of reviews (+result, annotations)
        ("assessments:review_list", 8),
        # session, user, campaign, COUNT, 2× policy (grades, categories), 2× permissions, townships, page of results
        ("assessments:result_list", 10),
        # session, user, campaign, 2× policy (quota rules), the progress's data version, townships,
        # progress (reviews, file-only reports, ballots; not cached yet), runs, 2× policy
        # (schedule), open proposals, villages with reviews (测评票 links), 2× permissions
        ("assessments:campaign_detail", 17),
    ],
)
def test_list_pages_have_constant_query_counts(
    client, county_user, township_a, django_assert_num_queries, url_name, expected, rows
):
    _build(township_a, rows)
    client.force_login(county_user)
    with django_assert_num_queries(expected):
        response = client.get(reverse(url_name, args=[YEAR]))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [1, 50])
def test_matrix_query_count_is_constant(client, county_user, township_a, django_assert_num_queries, rows):
    _build(township_a, rows)
    client.force_login(county_user)
    # session, user, distinct years, results (values), people, 2× permissions, townships
    with django_assert_num_queries(8):
        response = client.get(reverse("assessments:matrix", args=["person"]))
    assert len(response.context["rows"]) == rows


def test_person_page_shows_the_review_section(client, county_user, village_a):
    review = scored_review(village=village_a)
    services.review_year_rollup(year=YEAR)
    client.force_login(county_user)
    html = person_page(client, review.person_id)
    assert "年度考核（双述双评）" in html
    assert "历年考核详情" in html
    assert ReviewResult.objects.get(review=review).grade_label in html


def test_rollup_page_runs_and_reports_progress(client, county_user, village_a, django_capture_on_commit_callbacks):
    scored_review(village=village_a)
    client.force_login(county_user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("assessments:campaign_action", args=[YEAR, "rollup"]))
    assert len(callbacks) == 1  # the Celery task starts after commit
    assert response.status_code == 302
    partial = client.get(response["Location"] + "?partial=1")
    html = partial.content.decode()
    assert "100%" in html and "已完成" in html
    assert ReviewResult.objects.count() == 1


def test_clerk_cannot_run_rollup_or_advance(client, clerk_a, village_a):
    campaign = CampaignFactory(phase=Phase.GRADE)
    scored_review(village=village_a, campaign=campaign)
    client.force_login(clerk_a)
    assert client.post(reverse("assessments:campaign_action", args=[YEAR, "rollup"])).status_code == 403
    assert client.post(reverse("assessments:campaign_action", args=[YEAR, "advance"])).status_code == 403
    campaign.refresh_from_db()
    assert campaign.phase == Phase.GRADE
    assert ReviewResult.objects.count() == 0


def test_report_file_upload_is_private_and_scoped(client, clerk_a, clerk_b, village_a, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessments.models import ReviewFile

    settings.PRIVATE_MEDIA_ROOT = tmp_path
    review = ReviewFactory(village=village_a)
    client.force_login(clerk_a)
    bad = SimpleUploadedFile("述职.exe", b"MZ")
    client.post(reverse("assessments:review_file_upload", args=[review.pk]), {"kind": "duty", "file": bad})
    assert ReviewFile.objects.count() == 0
    good = SimpleUploadedFile("述职报告.pdf", b"%PDF-1.4 report")
    client.post(reverse("assessments:review_file_upload", args=[review.pk]), {"kind": "duty", "file": good})
    item = ReviewFile.objects.get()
    assert (item.original_name, item.uploaded_by) == ("述职报告.pdf", clerk_a)
    url = reverse("assessments:review_file_download", args=[item.pk])
    assert b"".join(client.get(url).streaming_content) == b"%PDF-1.4 report"
    client.force_login(clerk_b)
    assert client.get(url).status_code == 404


def test_person_page_history_after_a_recomputed_result(client, county_user, village_a):
    """A result changed by a second rollup has a "~" history row without the excluded computed_at:
    the person page shows the change (no 500) and names the record without simple-history's " as of"."""
    review = scored_review(village=village_a)
    services.review_year_rollup(year=YEAR)
    review.daily_score = Decimal("60")
    review.save()
    services.review_year_rollup(year=YEAR)
    assert ReviewResult.history.filter(review_id=review.pk, history_type="~").exists()
    client.force_login(county_user)
    html = person_page(client, review.person_id)
    assert "综合得分" in html and " as of " not in html
