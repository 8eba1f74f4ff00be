"""村(社区) drop-downs narrowed by the chosen 乡镇(街道): every page with both offers the villages of
the user's scope with their township (data-township, 名称（乡镇）), and a village outside the
chosen township is refused with a message naming both — on the list pages, in the API and on the
roster export — never a silently empty list. (The browser side: tests/e2e/test_village_filter.py.)"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cadres import choices
from cadres.models import ExportLog
from core.filters import village_mismatch
from tests.factories import AppointmentFactory, PersonFactory, VillageFactory

pytestmark = pytest.mark.django_db

MISMATCH = "村(社区)“华润社区”属于乙镇，不在“甲镇”内：请重新选择村(社区)，或把乡镇(街道)改为“全部”。"


@pytest.fixture
def twins(township_a, township_b):
    """华润社区 in both townships (as in the demo county), each with a current secretary."""
    a = VillageFactory(township=township_a, name="华润社区", code="430122100002")
    b = VillageFactory(township=township_b, name="华润社区", code="430122200002")
    AppointmentFactory(person=PersonFactory(name="甲书记"), village=a, post=choices.SECRETARY)
    AppointmentFactory(person=PersonFactory(name="乙书记"), village=b, post=choices.SECRETARY)
    return a, b


def _options(html: str, name: str = "village") -> list[tuple[str, str, str]]:
    """(value, data-township, label) of the options of the select called ``name``."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no <select name={name}>"
    out = []
    for attrs, label in re.findall(r"<option([^>]*)>([^<]*)</option>", select.group(1)):
        value = re.search(r'value="([^"]*)"', attrs).group(1)
        township = re.search(r'data-township="(\d+)"', attrs)
        out.append((value, township.group(1) if township else "", label))
    return out


@pytest.mark.parametrize("url_name", ["cadres:appointment_list", "reserves:candidate_list", "cadres:reports"])
def test_village_options_carry_their_township_and_read_name_with_township(client, county_user, twins, village_a, url_name):
    a, b = twins
    client.force_login(county_user)
    url = reverse(url_name) + ("?tab=all" if url_name == "cadres:appointment_list" else "")
    html = client.get(url).content.decode()
    options = _options(html)
    assert options[0] == ("", "", "全部")
    assert (str(a.pk), str(a.township_id), "华润社区（甲镇）") in options
    assert (str(b.pk), str(b.township_id), "华润社区（乙镇）") in options
    assert (str(village_a.pk), str(village_a.township_id), "甲一村（甲镇）") in options
    assert 'data-name="华润社区"' in html
    assert "data-village-select" in html and "/static/js/villages.js" in html


def test_a_clerk_is_offered_only_the_own_townships_villages(client, clerk_a, twins, village_a):
    client.force_login(clerk_a)
    options = _options(client.get(reverse("cadres:appointment_list") + "?tab=all").content.decode())
    assert [label for _v, _t, label in options] == ["全部", "甲一村（甲镇）", "华润社区（甲镇）"]


def test_appointment_list_refuses_a_village_outside_the_chosen_township(client, county_user, twins, township_a):
    a, b = twins
    client.force_login(county_user)
    url = reverse("cadres:appointment_list")
    html = client.get(url, {"tab": "all", "township": township_a.pk, "village": b.pk}).content.decode()
    assert MISMATCH in html
    # the same village with its own township (or with none) filters as asked
    ok = client.get(url, {"tab": "all", "township": b.township_id, "village": b.pk}).content.decode()
    assert MISMATCH not in ok and "乙书记" in ok and "甲书记" not in ok
    ok = client.get(url, {"tab": "all", "village": a.pk}).content.decode()
    assert "甲书记" in ok and "乙书记" not in ok


def test_reserve_list_refuses_a_village_outside_the_chosen_township(client, county_user, twins, township_a):
    _a, b = twins
    client.force_login(county_user)
    html = client.get(reverse("reserves:candidate_list"), {"township": township_a.pk, "village": b.pk}).content.decode()
    assert MISMATCH in html


def test_api_answers_400_naming_the_village_and_the_township(client, county_user, twins, township_a):
    _a, b = twins
    client.force_login(county_user)
    response = client.get("/api/v1/appointments/", {"township": township_a.pk, "village": b.pk})
    assert response.status_code == 400
    assert MISMATCH in response.content.decode()
    ok = client.get("/api/v1/appointments/", {"township": b.township_id, "village": b.pk})
    assert ok.status_code == 200


def test_roster_export_refuses_the_mismatch_and_writes_nothing(client, county_user, twins, township_a):
    _a, b = twins
    client.force_login(county_user)
    response = client.get(reverse("cadres:roster_export"), {"township": township_a.pk, "village": b.pk}, follow=True)
    assert response.redirect_chain == [(reverse("cadres:reports"), 302)]
    assert "未导出花名册：" + MISMATCH in response.content.decode()
    assert ExportLog.objects.count() == 0
    ok = client.get(reverse("cadres:roster_export"), {"township": b.township_id, "village": b.pk})
    assert ok.status_code == 200 and ExportLog.objects.count() == 1


def test_a_clerk_learns_nothing_about_another_townships_village(clerk_a, twins, township_a):
    """Out of scope is a missing row: no message that would name the other township's village."""
    _a, b = twins
    assert village_mismatch(clerk_a, township_a.pk, b.pk) == ""


@pytest.mark.parametrize(
    ("township", "village", "expected"),
    [("", "", ""), ("x", "1", ""), ("1", "y", ""), ("0", "0", ""), ("99999999999999999999999", "1", "")],
)
def test_mismatch_check_ignores_blank_and_malformed_values(county_user, township, village, expected):
    assert village_mismatch(county_user, township, village) == expected


def test_the_filter_form_costs_one_query_for_the_villages(client, county_user, twins):
    client.force_login(county_user)
    url = reverse("reserves:candidate_list")
    client.get(url)  # warm the session and the policy caches
    VillageFactory.create_batch(20)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    village_queries = [q["sql"] for q in ctx.captured_queries if 'FROM "cadres_village"' in q["sql"]]
    assert len(village_queries) == 1


# A scope with more villages than a drop-down should carry (a prefecture's thousands): the page
# sends the chosen township's villages only, and the others come from core:village_options.


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr("core.filters.VILLAGE_OPTIONS_LIMIT", 2)


def test_a_large_scope_sends_no_villages_until_a_township_is_chosen(client, county_user, twins, village_a, small_limit):
    client.force_login(county_user)
    html = client.get(reverse("reserves:candidate_list")).content.decode()
    assert _options(html) == [("", "", "请先选择乡镇(街道)")]
    assert f'data-options-url="{reverse("core:village_options")}"' in html


def test_a_large_scope_sends_the_chosen_townships_villages_and_the_chosen_village(
    client, county_user, twins, village_a, township_a, small_limit
):
    a, b = twins
    client.force_login(county_user)
    html = client.get(reverse("cadres:appointment_list"), {"tab": "all", "township": township_a.pk}).content.decode()
    assert {o[0] for o in _options(html)} == {"", str(a.pk), str(village_a.pk)}
    # a village chosen by a link without its township stays shown (and selected)
    html = client.get(reverse("reserves:candidate_list"), {"village": b.pk}).content.decode()
    assert (str(b.pk), str(b.township_id), "华润社区（乙镇）") in _options(html)
    assert re.search(rf'<option value="{b.pk}"[^>]*selected', html)
    # the 统计报表 roster form (never bound: the township is chosen on the page) asks for them too
    html = client.get(reverse("cadres:reports")).content.decode()
    assert _options(html) == [("", "", "请先选择乡镇(街道)")]
    assert 'data-options-url="' in html


def test_village_options_answer_one_townships_villages_within_the_scope(
    client, county_user, clerk_a, twins, village_a, township_a
):
    a, b = twins
    url = reverse("core:village_options")
    assert client.get(url, {"township": township_a.pk}).status_code == 302  # login first
    client.force_login(county_user)
    rows = client.get(url, {"township": township_a.pk}).json()
    assert sorted(r["id"] for r in rows) == sorted([a.pk, village_a.pk])
    assert {r["label"] for r in rows} == {"华润社区（甲镇）", "甲一村（甲镇）"}
    assert client.get(url, {"township": b.township_id}).json() == [{"id": b.pk, "name": "华润社区", "label": "华润社区（乙镇）"}]
    for junk in ("", "abc", "-1", "99999999999999999999999"):
        assert client.get(url, {"township": junk}).json() == []
    client.force_login(clerk_a)
    assert client.get(url, {"township": b.township_id}).json() == []  # another township: nothing
    assert len(client.get(url, {"township": township_a.pk}).json()) == 2
