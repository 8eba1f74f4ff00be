"""API under /api/v1/ledger/: scope, masking, writes through services, query counts, schema."""

from decimal import Decimal as D

import pytest
from rest_framework.test import APIClient

from subsidies.models import LedgerEntry, PayRun

from .factories import LedgerEntryFactory, PayAccountFactory, PayPeriodFactory, cadre

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_clerk_sees_only_own_township_entries_and_gets_404_for_others(api, clerk_a, clerk_b, village_a):
    entry = LedgerEntryFactory(village=village_a)
    api.force_authenticate(clerk_a)
    body = api.get("/api/v1/ledger/entries/").json()
    assert body["count"] == 1 and body["results"][0]["amount"] == "2250.00"
    assert set(body) == {"count", "count_exact", "next", "previous", "results"}
    api.force_authenticate(clerk_b)
    assert api.get("/api/v1/ledger/entries/").json()["count"] == 0
    assert api.get(f"/api/v1/ledger/entries/{entry.pk}/").status_code == 404
    assert api.post(f"/api/v1/ledger/entries/{entry.pk}/reverse/", {"reason": "x"}).status_code in (403, 404)
    assert LedgerEntry.objects.count() == 1


def test_reverse_through_the_api(api, county_user, village_a):
    entry = LedgerEntryFactory(village=village_a)
    api.force_authenticate(county_user)
    response = api.post(f"/api/v1/ledger/entries/{entry.pk}/reverse/", {"reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = api.post(f"/api/v1/ledger/entries/{entry.pk}/reverse/", {"reason": "重复"}, format="json")
    assert response.status_code == 201
    assert response.json()["amount"] == "-2250.00" and response.json()["reverses"] == entry.pk
    assert api.patch(f"/api/v1/ledger/entries/{entry.pk}/", {"amount": "1"}, format="json").status_code == 405
    assert api.delete(f"/api/v1/ledger/entries/{entry.pk}/").status_code == 405


def test_bank_numbers_masked_without_finance_permission(api, clerk_a, county_user, finance_user, village_a):
    account = PayAccountFactory(person=cadre(village_a).person, account_number="6221000011112222333")
    api.force_authenticate(clerk_a)
    assert api.get("/api/v1/ledger/accounts/").json()["results"][0]["account_number"] == "6221***********2333"
    api.force_authenticate(county_user)
    assert api.get(f"/api/v1/ledger/accounts/{account.pk}/").json()["account_number"] == "6221***********2333"
    api.force_authenticate(finance_user)
    assert api.get(f"/api/v1/ledger/accounts/{account.pk}/").json()["account_number"] == "6221000011112222333"


def test_run_create_and_progress_through_the_api(api, clerk_a, village_a, django_capture_on_commit_callbacks):
    cadre(village_a)
    api.force_authenticate(clerk_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/ledger/runs/", {"kind": "base_monthly", "period": "2025-03"}, format="json")
    assert response.status_code == 201
    run = api.get(f"/api/v1/ledger/runs/{response.json()['id']}/").json()
    assert run["status"] == "preview" and run["progress_percent"] == 100 and run["total_amount"] == "2250.00"
    assert run["progress_step"] == ""
    response = api.post("/api/v1/ledger/runs/", {"kind": "base_monthly", "period": "2025"}, format="json")
    assert response.status_code == 400 and "period" in response.json()
    assert api.post(f"/api/v1/ledger/runs/{run['id']}/approve/").status_code == 403
    assert PayRun.objects.count() == 1


@pytest.mark.parametrize("rows", [1, 50])
def test_entry_api_list_query_count_does_not_grow(api, county_user, village_a, django_assert_num_queries, rows):
    period = PayPeriodFactory()
    for _ in range(rows):
        LedgerEntryFactory(person=cadre(village_a, "committee_member").person, village=village_a, period=period)
    api.force_authenticate(county_user)
    # COUNT, the page of entries with person/township/period/creator joined
    with django_assert_num_queries(2):
        body = api.get("/api/v1/ledger/entries/").json()
    assert len(body["results"]) == rows
    assert sum(D(r["amount"]) for r in body["results"]) == D("2250.00") * rows


def test_openapi_schema_builds(api, county_user):
    api.force_authenticate(county_user)
    response = api.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/ledger/entries/{id}/reverse/" in response.content


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("?year=0", "year", "“年度”不能小于2000。"),
        ("?year=2.3e16", "year", "“年度”须为整数。"),
        ("?person=0", "person", "“人员ID”不能小于1。"),
        ("?pay_run=99999999999999999999", "pay_run", "“发放批次”不能大于9223372036854775807。"),
    ],
)
def test_invalid_entry_filters_answer_400_keyed_by_field(api, county_user, query, field, message):
    api.force_authenticate(county_user)
    response = api.get(f"/api/v1/ledger/entries/{query}")
    assert response.status_code == 400
    assert response.json() == {field: [message]}
