"""双述双评测评票 and 汇总表 (issue #18): per village and per township PDF, read back with pypdf."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments.choices import RaterGroup
from assessments.official_forms import MAX_COPIES, parse_copies
from cadres.models import ExportLog
from tests.factories import PersonFactory, VillageFactory
from tests.pdf_text import A4_LANDSCAPE, A4_PORTRAIT, page_sizes, pdf_fonts, pdf_pages, pdf_text

from .factories import YEAR, CampaignFactory, ReviewFactory, tally

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(village_a, township_a):
    """甲一村: 王建国 with both ballots entered; 甲二村 (same township): 刘春梅, nothing entered yet."""
    campaign = CampaignFactory()
    entered = ReviewFactory(campaign=campaign, village=village_a, person=PersonFactory(name="王建国"))
    tally(entered, RaterGroup.TOWNSHIP, (20, 3, 1), entitled=26, attended=25)
    tally(entered, RaterGroup.MEMBERS, (50, 8, 2), entitled=66, attended=61)
    entered.tallies.filter(group=RaterGroup.MEMBERS).update(invalid_ballots=1)
    other = VillageFactory(township=township_a, name="甲二村", code="430122100002")
    blank = ReviewFactory(campaign=campaign, village=other, person=PersonFactory(name="刘春梅"))
    return {"entered": entered, "blank": blank, "other_village": other}


def _get(client, user, name, pk, query=""):
    client.force_login(user)
    return client.get(reverse(name, args=[YEAR, pk]) + query)


def test_village_ballots_one_per_page_with_the_policy_options_and_instructions(client, clerk_a, village_a, meeting):
    response = _get(client, clerk_a, "assessments:village_ballots_pdf", village_a.pk, "?copies=3")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages = pdf_pages(response.content)
    assert len(pages) == 3
    assert set(page_sizes(response.content)) == {A4_PORTRAIT}
    for page in pages:
        assert "2025年度村党组织书记“双述双评”测评票" in page
        assert "甲镇甲一村" in page
        assert "测评对象职务称职基本称职不称职" in page  # the default policy's options, in order
        assert "王建国村党组织书记" in page
        assert "每位测评对象只能选择一个等次" in page and "填写后当场投入票箱" in page
        assert "刘春梅" not in page  # another village's meeting
    log = ExportLog.objects.get()
    assert (log.user, log.rows, log.filters) == (clerk_a, 1, {"year": YEAR, "village": village_a.pk, "copies": 3})
    assert log.what == "双述双评测评票PDF：2025年度甲镇甲一村，每村3份"


def test_ballots_follow_the_years_policy_options(client, county_user, village_a, meeting, monkeypatch):
    from assessments import official_forms

    options = [{"code": "excellent", "name": "优秀"}, {"code": "competent", "name": "称职"}]
    monkeypatch.setattr(official_forms, "section_for_year", lambda year: {"ballot_options": options})
    text = pdf_text(_get(client, county_user, "assessments:village_ballots_pdf", village_a.pk).content)
    assert "测评对象职务优秀称职" in text and "不称职" not in text


def test_township_ballots_are_one_pdf_of_every_village(client, county_user, township_a, meeting):
    response = _get(client, county_user, "assessments:township_ballots_pdf", township_a.pk, "?copies=2")
    pages = pdf_pages(response.content)
    assert len(pages) == 4
    assert ["王建国" in p for p in pages] == [True, True, False, False]
    assert ["刘春梅" in p for p in pages] == [False, False, True, True]
    assert all(f["embedded"] and f["subset"] for f in pdf_fonts(response.content))


@pytest.mark.parametrize("raw", ["0", "abc", str(MAX_COPIES + 1), "-2"])
def test_a_bad_number_of_copies_is_refused_in_chinese_and_nothing_is_logged(client, clerk_a, village_a, meeting, raw):
    response = _get(client, clerk_a, "assessments:village_ballots_pdf", village_a.pk, f"?copies={raw}")
    assert response.status_code == 302 and response["Location"] == reverse("assessments:campaign_detail", args=[YEAR])
    page = client.get(response["Location"]).content.decode()
    assert f"「份数」应为1至{MAX_COPIES}之间的整数，您填写的是「{raw}」。" in page
    assert ExportLog.objects.count() == 0


def test_copies_are_bounded_per_download():
    assert parse_copies(None) == 1 and parse_copies("50", villages=10) == 50
    with pytest.raises(ValidationError, match="共11个村\\(社区\\)，每村50份，合计550页"):
        parse_copies("50", villages=11)


def test_tally_sheet_fills_entered_counts_and_leaves_the_rest_blank(client, county_user, township_a, meeting):
    response = _get(client, county_user, "assessments:township_tally_pdf", township_a.pk)
    pages = pdf_pages(response.content)
    assert len(pages) == 2 and set(page_sizes(response.content)) == {A4_LANDSCAPE}
    first, second = pages
    for page in pages:
        assert "2025年度村党组织书记“双述双评”测评票汇总表" in page
        assert "测评对象职务测评类别应到人数实到人数称职基本称职不称职有效票废票收回票数" in page
        assert "计票人：" in page and "监票人：" in page
    # 王建国: 村述镇评 26/25, 20·3·1 → 24 valid, 0 invalid, 24 returned; 村述民评 66/61, 50·8·2 → 60, 1, 61;
    # 合计 92/86, 70·11·3 → 84, 1, 85.
    assert "村述镇评2625203124024" in first
    assert "村述民评6661508260161" in first
    assert "合计928670113841" + "85" in first
    assert "甲一村" in first and "刘春梅" not in first
    assert "刘春梅村党组织书记村述镇评村述民评合计" in second  # nothing entered: blank cells to fill by hand
    assert "第1页，共2页" in first
    log = ExportLog.objects.get()
    assert (log.what, log.rows, log.filters) == (
        "双述双评测评票汇总表PDF：2025年度甲镇",
        2,
        {"year": YEAR, "township": township_a.pk},
    )


def test_a_village_without_a_review_gets_a_sheet_saying_so(client, county_user, township_a, meeting):
    empty = VillageFactory(township=township_a, name="甲三村", code="430122100003")
    text = pdf_text(_get(client, county_user, "assessments:village_tally_pdf", empty.pk).content)
    assert "甲镇甲三村2025年度没有考核对象。" in text


@pytest.mark.parametrize(
    ("name", "place"),
    [
        ("assessments:village_ballots_pdf", "village_a"),
        ("assessments:village_tally_pdf", "village_a"),
        ("assessments:township_ballots_pdf", "township_a"),
        ("assessments:township_tally_pdf", "township_a"),
    ],
)
def test_another_townships_clerk_gets_404(client, clerk_b, meeting, name, place, request):
    assert _get(client, clerk_b, name, request.getfixturevalue(place).pk).status_code == 404
    assert ExportLog.objects.count() == 0


def test_campaign_page_links_each_township_and_its_page_each_village(client, clerk_a, clerk_b, township_a, village_a, meeting):
    client.force_login(clerk_a)
    html = client.get(reverse("assessments:campaign_detail", args=[YEAR])).content.decode()
    for name in ("assessments:township_ballots_pdf", "assessments:township_tally_pdf", "assessments:township_meetings"):
        assert reverse(name, args=[YEAR, township_a.pk]) in html
    assert "2个村(社区)，2人" in html
    assert reverse("assessments:village_ballots_pdf", args=[YEAR, village_a.pk]) not in html  # one click away
    html = client.get(reverse("assessments:township_meetings", args=[YEAR, township_a.pk])).content.decode()
    for name, pk in (
        ("assessments:village_ballots_pdf", village_a.pk),
        ("assessments:village_tally_pdf", village_a.pk),
        ("assessments:village_tally_pdf", meeting["other_village"].pk),
        ("assessments:township_ballots_pdf", township_a.pk),
    ):
        assert reverse(name, args=[YEAR, pk]) in html
    assert "甲一村" in html and "甲二村" in html and "1人" in html
    client.force_login(clerk_b)
    html = client.get(reverse("assessments:campaign_detail", args=[YEAR])).content.decode()
    assert "测评票及汇总表" not in html and "甲镇" not in html  # 乙镇 has nobody to review
    response = client.get(reverse("assessments:township_meetings", args=[YEAR, township_a.pk]))
    assert response.status_code == 404  # another township's villages


def test_township_forms_page_costs_the_same_queries_for_more_villages(
    client, county_user, township_a, meeting, django_assert_max_num_queries
):
    for i in range(5):
        village = VillageFactory(township=township_a, name=f"甲{i}新村", code=f"43012210009{i}")
        ReviewFactory(campaign=meeting["entered"].campaign, village=village, person=PersonFactory())
    client.force_login(county_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("assessments:township_meetings", args=[YEAR, township_a.pk]))
    assert response.status_code == 200 and response.content.decode().count("测评票PDF") == 8


def test_a_prefectures_townships_page_by_page_with_the_whole_campaigns_totals(
    client, county_user, township_a, township_b, village_b, meeting, monkeypatch
):
    """Hundreds of townships are not one 500 KB page: the progress table and the forms table
    show one page of townships; the 合计 row still counts every township."""
    monkeypatch.setattr("assessments.views.CAMPAIGN_TOWNSHIPS_PER_PAGE", 1)
    ReviewFactory(campaign=meeting["entered"].campaign, village=village_b, person=PersonFactory(name="赵乙"))
    client.force_login(county_user)
    url = reverse("assessments:campaign_detail", args=[YEAR])
    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    a_forms = reverse("assessments:township_meetings", args=[YEAR, township_a.pk])
    b_forms = reverse("assessments:township_meetings", args=[YEAR, township_b.pk])
    assert a_forms in first and b_forms not in first
    assert b_forms in second and a_forms not in second
    assert "第 1/2 页" in first and "第 2/2 页" in second
    for html in (first, second):
        totals = html.split("<tfoot>")[1].split("</tfoot>")[0]
        assert "全部乡镇合计" in totals and "<td>3</td>" in totals  # 2 reviews in 甲镇 + 1 in 乙镇
