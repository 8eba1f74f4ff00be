"""The ledger list scales with the page, not the ledger: keyset pages (HTML and API), counts that
are exact up to a limit and labelled estimates above it, and a constant number of queries."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core import paging
from core.paging import ListCount, keyset_page, list_count
from subsidies.models import LedgerEntry

from .factories import LedgerEntryFactory, PayPeriodFactory, cadre

pytestmark = pytest.mark.django_db


def _ledger(village, user, n, *, amount=None):
    period = PayPeriodFactory()
    person = cadre(village, "committee_member").person
    return [
        LedgerEntryFactory(
            person=person, village=village, period=period, created_by=user, amount=amount or Decimal(100 + i % 7)
        ).pk
        for i in range(n)
    ]


def test_count_is_exact_up_to_the_limit_and_labelled_as_an_estimate_above_it():
    assert ListCount(1234, exact=True).display == "1,234 条"
    assert ListCount(632_000, exact=False).display == "约 63.2 万条"
    assert ListCount(120_000, exact=False).display == "约 12 万条"
    assert ListCount(10_001, exact=False).display == "约 1 万条"
    assert ListCount(0, exact=False).display == "1 万条以上"


def test_list_count_is_exact_below_the_limit_and_a_floor_above_it(village_a, county_user):
    _ledger(village_a, county_user, 5)
    qs = LedgerEntry.objects.all()
    assert list_count(qs, limit=10) == ListCount(5, exact=True)
    above = list_count(qs, limit=3)
    assert above.exact is False and above.value >= 4  # SQLite: "more than 3"; PostgreSQL: the planner's estimate


@pytest.mark.parametrize("ordering", [("-id",), ("id",), ("-amount", "-id"), ("amount", "id")])
def test_keyset_pages_walk_the_whole_list_once_forwards_and_backwards(village_a, county_user, ordering):
    _ledger(village_a, county_user, 23)
    qs = LedgerEntry.objects.all()
    expected = list(qs.order_by(*ordering).values_list("pk", flat=True))
    seen, pages, after = [], [], ""
    while True:
        page = keyset_page(qs, ordering, after=after, size=5)
        pages.append(page)
        seen += [e.pk for e in page.rows]
        if not page.has_next:
            break
        after = page.next_cursor
    assert seen == expected and len(pages) == 5
    assert not pages[0].has_previous and pages[1].has_previous
    # back from the last page: the same rows as on the way forward
    back = keyset_page(qs, ordering, before=pages[-1].previous_cursor, size=5)
    assert [e.pk for e in back.rows] == [e.pk for e in pages[-2].rows]
    assert back.has_next and back.has_previous


def test_a_forged_cursor_gives_the_first_page(village_a, county_user):
    ids = _ledger(village_a, county_user, 3)
    qs = LedgerEntry.objects.all()
    for token in ("not-base64!", "W10", "eyJhIjoxfQ", "WyJ4Il0"):  # garbage, [], {"a":1}, ["x"] (wrong type for id is filtered)
        page = keyset_page(qs, ("-id",), after=token, size=2)
        assert len(page.rows) <= 2
    assert [e.pk for e in keyset_page(qs, ("-id",), after="not-base64!", size=5).rows] == sorted(ids, reverse=True)


def test_ledger_page_walks_by_cursor_and_keeps_the_filters(client, county_user, village_a):
    ids = _ledger(village_a, county_user, 60)
    client.force_login(county_user)
    first = client.get(reverse("subsidies:entry_list"))
    page = first.context["page_obj"]
    assert [e.pk for e in page.rows] == sorted(ids, reverse=True)[:50]
    assert page.count == ListCount(60, exact=True) and first.context["total"] == sum(
        LedgerEntry.objects.values_list("amount", flat=True), Decimal(0)
    )
    assert "共 60 条" in first.content.decode()
    second = client.get(reverse("subsidies:entry_list") + f"?after={page.next_cursor}")
    assert [e.pk for e in second.context["page_obj"].rows] == sorted(ids, reverse=True)[50:]
    assert not second.context["page_obj"].has_next
    by_amount = client.get(reverse("subsidies:entry_list") + "?sort=amount")
    amounts = [e.amount for e in by_amount.context["rows"]]
    assert amounts == sorted(amounts, reverse=True)


def test_ledger_page_over_the_limit_shows_an_estimate_and_no_total(client, county_user, village_a, monkeypatch):
    _ledger(village_a, county_user, 12)
    monkeypatch.setattr(paging, "EXACT_COUNT_LIMIT", 10)
    monkeypatch.setattr(paging.list_count, "__kwdefaults__", {"limit": 10})
    client.force_login(county_user)
    response = client.get(reverse("subsidies:entry_list"))
    assert response.context["page_obj"].count.exact is False and response.context["total"] is None
    text = response.content.decode()
    assert "条数为估算" in text and "合计金额请见" in text


@pytest.mark.parametrize("rows", [1, 60])
def test_ledger_page_query_count_does_not_depend_on_the_ledger(client, county_user, village_a, django_assert_num_queries, rows):
    _ledger(village_a, county_user, rows)
    client.force_login(county_user)
    # session, user, user perms, group perms, bounded COUNT, SUM (count exact), township filter
    # options, the page of entries (51 rows) with every relation joined, the page's reversals
    with django_assert_num_queries(9):
        response = client.get(reverse("subsidies:entry_list"))
    assert len(response.context["rows"]) == min(rows, 50)


def test_ledger_api_pages_by_cursor_with_an_exact_count(client, county_user, clerk_b, village_a):
    from rest_framework.test import APIClient

    ids = _ledger(village_a, county_user, 7)
    api = APIClient()
    api.force_authenticate(county_user)
    body = api.get("/api/v1/ledger/entries/?page_size=5").json()
    assert body["count"] == 7 and body["count_exact"] is True and body["previous"] is None
    assert [r["id"] for r in body["results"]] == sorted(ids, reverse=True)[:5]
    rest = api.get(body["next"]).json()
    assert [r["id"] for r in rest["results"]] == sorted(ids, reverse=True)[5:] and rest["next"] is None
    assert [r["id"] for r in api.get(rest["previous"]).json()["results"]] == sorted(ids, reverse=True)[:5]
    ordered = api.get("/api/v1/ledger/entries/?ordering=amount").json()["results"]
    assert [r["amount"] for r in ordered] == sorted((r["amount"] for r in ordered), key=Decimal)
    api.force_authenticate(clerk_b)
    other = api.get("/api/v1/ledger/entries/").json()
    assert other["count"] == 0 and other["results"] == []
