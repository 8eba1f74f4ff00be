"""The yearly policy pages read as the department writes: code lists by name, 是/否, units; codes
picked from lists (never typed); a table's own row codes not shown on the read page."""

import re

import pytest
from django.urls import reverse

from core import dates as core_dates
from core import services as core_services
from core.policy import SECTIONS
from core.policy_forms import SectionEditor
from tests.policy_post import editor_post

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    page = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _post_of(editor: SectionEditor) -> dict:
    return editor_post(editor)


@pytest.fixture
def profile(county_user):
    return core_services.policy_profile_create(by=county_user, year=core_dates.today().year)


def test_the_policy_page_names_codes_and_reads_yes_no(client, county_user, profile):
    client.force_login(county_user)
    text = _text(client.get(reverse("core:policy_detail", args=[profile.year])))
    for raw in ("secretary,chair", "3_senior", " block ", " warn ", "True", "False", "DOMAIN", "seed 0", ".json", "§"):
        assert raw not in text, raw
    assert "村党组织书记、村民委员会主任" in text  # 生活补贴享受职务
    assert "高中" in text  # 后备力量最低学历
    assert " 是 " in text and " 否 " in text


def test_codes_are_ticked_from_lists_and_saved_as_before(client, county_user, profile):
    client.force_login(county_user)
    url = reverse("core:policy_section_edit", args=[profile.year, "subsidies"])
    page = client.get(url).content.decode()
    assert 'type="checkbox" name="living-eligible_posts" value="secretary"' in page
    editor = SectionEditor(SECTIONS["subsidies"], profile.section("subsidies"), profile_data=profile.data)
    data = _post_of(editor)
    data["living-eligible_posts"] = ["secretary", "chair", "deputy_secretary"]
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    profile.refresh_from_db()
    assert profile.section("subsidies")["living"]["eligible_posts"] == "secretary,chair,deputy_secretary"
    data["living-eligible_posts"] = ["nobody"]
    response = client.post(url, data)
    assert response.status_code == 200
    assert "请修改标红的项目后再保存。" in response.content.decode()
    profile.refresh_from_db()
    assert profile.section("subsidies")["living"]["eligible_posts"] == "secretary,chair,deputy_secretary"
