"""Official forms in a real browser (issue #18): a township clerk prints a village's 测评票 with the
number of copies chosen on the campaign page, and the 书记备案表 from the filing page."""

import pytest

from assessments.choices import Phase
from assessments.models import AnnualReview, ReviewCampaign

from ..factories import AppointmentFactory, PersonFactory
from ..pdf_text import pdf_pages
from .conftest import expect, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clerk_prints_ballots_for_a_village_and_the_filing_form(page, site, clerk_a, village_a, tmp_path):
    person = PersonFactory(name="赵国庆")
    appointment = AppointmentFactory(person=person, village=village_a)
    campaign = ReviewCampaign.objects.create(year=2025, title="2025年度双述双评", phase=Phase.BALLOT)
    AnnualReview.objects.create(
        campaign=campaign,
        year=2025,
        person=person,
        village=village_a,
        township=village_a.township,
        appointment=appointment,
        post_code="secretary",
        post_name="村党组织书记",
    )
    login(page, site, "clerk_a")
    page.goto(f"{site}/assessments/2025/")
    expect(page.get_by_role("heading", name="测评票及汇总表")).to_be_visible()
    page.get_by_role("link", name="1个村(社区)，1人").click()
    expect(page.get_by_role("heading", name="2025年度甲镇测评票及汇总表")).to_be_visible()
    page.get_by_label("甲一村份数").fill("3")
    with page.expect_download() as download:
        page.locator("tr", has_text="甲一村").get_by_role("button", name="测评票PDF").click()
    path = tmp_path / "ballots.pdf"
    download.value.save_as(path)
    assert download.value.suggested_filename.endswith(".pdf")
    pages = pdf_pages(path.read_bytes())
    assert len(pages) == 3 and all("赵国庆" in p and "称职基本称职不称职" in p for p in pages)

    page.goto(f"{site}/appointments/{appointment.pk}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="书记备案表PDF").click()
    path = tmp_path / "filing.pdf"
    download.value.save_as(path)
    text = "".join(pdf_pages(path.read_bytes()))
    assert "村党组织书记备案表" in text and "赵国庆" in text and "甲镇甲一村" in text
