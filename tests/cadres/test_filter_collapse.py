"""The list pages' shared filter: folded behind a 筛选 button on a phone unless a filter is set,
with the number of filters set on the button (the browser check is tests/e2e/test_phone.py)."""

import re

import pytest

pytestmark = pytest.mark.django_db


def _panel(html: str) -> str:
    return re.search(r'<div class="collapse d-md-block[^"]*" id="listFilter">', html).group(0)


def _button(html: str) -> str:
    return re.search(r'<button class="btn btn-outline-primary btn-sm mb-2 d-md-none".*?</button>', html, re.S).group(0)


def test_filter_is_folded_on_a_phone_when_no_filter_is_set(client, county_user):
    client.force_login(county_user)
    html = client.get("/people/", {"sort": "name", "page": "1"}).content.decode()
    assert "show" not in _panel(html)  # sorting and paging are not filters
    button = _button(html)
    assert 'aria-expanded="false"' in button and "badge" not in button


def test_filter_opens_with_the_count_of_filters_set(client, county_user):
    client.force_login(county_user)
    html = client.get("/people/", {"q": "陈", "sex": "", "age_min": "40", "sort": "name"}).content.decode()
    assert "show" in _panel(html)
    button = _button(html)
    assert 'aria-expanded="true"' in button
    assert re.search(r'<span class="badge[^"]*" aria-label="已设2个条件">2</span>', button)
