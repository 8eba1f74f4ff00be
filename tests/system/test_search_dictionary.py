"""全局搜索 (scope, masking, ID tails, bounded queries) and 数据字典 (every user; policy year)."""

import pytest
from django.urls import reverse

from cadres import choices
from core.search import PROVIDERS, SearchHit, SearchProvider, register_search_provider, search_all

from ..factories import AppointmentFactory, PersonFactory, VillageFactory


@pytest.fixture
def people(village_a, village_b):
    a = AppointmentFactory(village=village_a, person=PersonFactory(name="陈志远")).person
    b = AppointmentFactory(village=village_b, person=PersonFactory(name="陈志明")).person
    return a, b


def _hits(response, key):
    return [h for g in response.context["groups"] if g.key == key for h in g.hits]


def test_search_finds_people_by_name_within_the_clerks_township(client, clerk_a, people):
    a, _ = people
    client.force_login(clerk_a)
    response = client.get(reverse("system:search"), {"q": "陈志"})
    assert response.status_code == 200
    assert [h.title for h in _hits(response, "person")] == ["陈志远"]
    html = response.content.decode()
    assert "陈志明" not in html
    assert a.id_number in html  # clerks keep their township's files: full ID number


def test_county_staff_find_both_and_auditors_see_masked_id_numbers(client, county_user, auditor, people):
    a, _ = people
    client.force_login(county_user)
    response = client.get(reverse("system:search"), {"q": "陈志"})
    assert {h.title for h in _hits(response, "person")} == {"陈志远", "陈志明"}
    client.force_login(auditor)
    response = client.get(reverse("system:search"), {"q": "陈志"})
    html = response.content.decode()
    assert a.id_number not in html
    assert f"{a.id_number[:6]}********{a.id_number[-4:]}" in html


@pytest.mark.parametrize("length", [4, 5, 6, 18])
def test_search_by_the_whole_id_number_or_its_last_digits(client, county_user, people, length):
    a, _ = people
    client.force_login(county_user)
    response = client.get(reverse("system:search"), {"q": a.id_number[-length:].lower()})
    assert a.name in [h.title for h in _hits(response, "person")]
    if length == 18:
        assert [h.title for h in _hits(response, "person")] == [a.name]


def test_a_clerk_cannot_find_another_townships_person_by_id_number(client, clerk_a, people):
    _, b = people
    client.force_login(clerk_a)
    response = client.get(reverse("system:search"), {"q": b.id_number})
    assert _hits(response, "person") == []
    assert "没有找到" in response.content.decode()


def test_search_finds_villages_in_scope_grouped_after_people(client, clerk_a, county_user, village_a, village_b, people):
    client.force_login(clerk_a)
    response = client.get(reverse("system:search"), {"q": "一村"})
    assert [h.title for h in _hits(response, "village")] == ["甲一村"]
    client.force_login(county_user)
    response = client.get(reverse("system:search"), {"q": "一村", "partial": "1"})
    assert [g.label for g in response.context["groups"]] == ["村(社区)"]
    assert [h.title for h in _hits(response, "village")] == ["甲一村", "乙一村"]
    html = response.content.decode()
    assert "<html" not in html and 'role="listbox"' in html  # the partial for the search box


@pytest.mark.parametrize("rows", [1, 20])
def test_search_has_a_constant_query_count(client, county_user, township_a, django_assert_num_queries, rows):
    for i in range(rows):
        village = VillageFactory(township=township_a, name=f"陈家{i}村")
        AppointmentFactory(village=village, person=PersonFactory(name=f"陈{i}"))
    client.force_login(county_user)
    # session, user, people (limit 8), their current posts (+village), 2× permissions (full or
    # masked ID numbers), villages (+township) = 7
    with django_assert_num_queries(7):
        response = client.get(reverse("system:search"), {"q": "陈", "partial": "1"})
    assert len(_hits(response, "person")) == min(rows, 8)
    assert len(_hits(response, "village")) == min(rows, 8)


def test_empty_query_returns_nothing_and_the_page_explains(client, clerk_a):
    client.force_login(clerk_a)
    response = client.get(reverse("system:search"))
    assert response.context["groups"] == []
    assert "按 <kbd>/</kbd> 键" in response.content.decode()


def test_providers_are_registered_from_the_apps_and_can_be_added(clerk_a):
    assert {"person", "village"} <= set(PROVIDERS)
    register_search_provider(
        SearchProvider(key="test_extra", label="测试", order=99, search=lambda **kw: [SearchHit(title="X", url="/")])
    )
    try:
        assert [g.label for g in search_all(user=clerk_a, query="无此人")] == ["测试"]
    finally:
        PROVIDERS.pop("test_extra")


def test_navigation_has_the_search_box(client, clerk_a):
    client.force_login(clerk_a)
    html = client.get(reverse("home")).content.decode()
    assert 'id="global-search"' in html and "js/search.js" in html


# ---------------------------------------------------------------------------------------------
# 数据字典
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["county_user", "clerk_a", "auditor"])
def test_every_user_reads_the_data_dictionary(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("system:dictionary"))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "政治面貌",
        "中共预备党员",
        "民族",
        "汉族",
        "学历",
        "研究生",
        "村类型标记",
        "软弱涣散村",
        "职务名称与类别",
        "资格联审部门",
    ):
        assert text in html, text
    assert "来源：系统默认政策配置" in html
    assert "secretary" not in html  # internal identifiers are not shown


def test_dictionary_reads_the_policy_profile_of_the_chosen_year(client, county_user):
    from core.services import policy_profile_create, policy_section_update

    profile = policy_profile_create(by=county_user, year=2025)
    posts = profile.section("register")["posts"]
    posts[0] = {**posts[0], "name": "村党总支书记"}
    policy_section_update(profile=profile, by=county_user, key="register", values={"posts": posts})
    client.force_login(county_user)
    html = client.get(reverse("system:dictionary"), {"year": 2025}).content.decode()
    assert "村党总支书记" in html and "来源：2025年度政策配置" in html
    ethnic = next(t for g in client.get(reverse("system:dictionary")).context["groups"].values() for t in g if t.label == "民族")
    assert ethnic.rows[0] == ["1", "01", "汉族"] and len(ethnic.rows) == 56


def test_dictionary_ignores_a_bad_year(client, clerk_a):
    client.force_login(clerk_a)
    assert client.get(reverse("system:dictionary"), {"year": "abc"}).status_code == 200
    assert client.get(reverse("system:dictionary"), {"year": "99999"}).context["year"] == 2100


def test_political_status_choices_are_listed_in_order(client, clerk_a):
    client.force_login(clerk_a)
    groups = client.get(reverse("system:dictionary")).context["groups"]
    table = next(t for g in groups.values() for t in g if t.label == "政治面貌")
    assert [r[1] for r in table.rows] == [label for _, label in choices.PoliticalStatus.choices]
