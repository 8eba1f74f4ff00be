"""Every list page of the pay ledger exports its current filtered list (.xlsx) within scope."""

import io
from decimal import Decimal as D

import openpyxl
import pytest
from django.urls import reverse

from cadres.models import ExportLog
from subsidies import services

from .factories import LedgerEntryFactory, PayAccountFactory, PayPeriodFactory, cadre

pytestmark = pytest.mark.django_db


def _rows(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and r[0] in ("账目号", "批次号", "期间"))
    return rows[header], [r for r in rows[header + 1 :] if any(c not in (None, "") for c in r)]


def test_entry_export_is_scoped_filtered_and_masks_card_numbers_unless_finance(
    client, clerk_a, county_user, finance_user, village_a, village_b
):
    mine = cadre(village_a).person
    PayAccountFactory(person=mine, account_number="6221000011112222333")
    LedgerEntryFactory(person=mine, village=village_a, amount=D("2250.00"))
    LedgerEntryFactory(person=mine, village=village_a, amount=D("5000.00"), entry_type="award")
    LedgerEntryFactory(person=cadre(village_b).person, village=village_b, amount=D("999.00"))
    url = reverse("subsidies:entry_export")
    client.force_login(clerk_a)
    header, rows = _rows(client.get(url))
    col = {h: i for i, h in enumerate(header)}
    assert sorted(r[col["金额（元）"]] for r in rows) == [2250, 5000]  # not 乙镇's ¥999
    assert {r[col["乡镇(街道)"]] for r in rows} == {"甲镇"}
    assert {r[col["银行卡号"]] for r in rows} == {"6221***********2333"}
    header, rows = _rows(client.get(url + "?entry_type=award"))
    assert [r[col["金额（元）"]] for r in rows] == [5000]
    assert ExportLog.objects.filter(user=clerk_a, what="报酬补贴台账").count() == 2
    client.force_login(county_user)
    _, rows = _rows(client.get(url))
    assert len(rows) == 3 and "6221000011112222333" not in {r[col["银行卡号"]] for r in rows}
    client.force_login(finance_user)
    _, rows = _rows(client.get(url + f"?township={village_a.township_id}"))
    assert {r[col["银行卡号"]] for r in rows} == {"6221000011112222333"}


def test_run_export_lists_only_the_clerks_township(client, posted_run, clerk_a, clerk_b, county_user, village_a, village_b):
    cadre(village_a)
    cadre(village_b)
    run_a = posted_run()
    run_b = posted_run(by=clerk_b)
    client.force_login(clerk_a)
    header, rows = _rows(client.get(reverse("subsidies:run_export")))
    assert [r[0] for r in rows] == [run_a.pk]
    assert rows[0][header.index("合计金额（元）")] == float(run_a.total_amount)
    client.force_login(county_user)
    _, rows = _rows(client.get(reverse("subsidies:run_export") + f"?township={village_b.township_id}"))
    assert [r[0] for r in rows] == [run_b.pk]
    page = client.get(reverse("subsidies:run_list")).content.decode()
    assert reverse("subsidies:run_export") in page and "导出Excel" in page


def test_period_list_filters_by_locked_and_exports_the_filtered_list(client, county_user, clerk_a):
    for code in ("2020-01", "2020-02", "2020"):
        PayPeriodFactory(code=code)
    services.period_lock(period=PayPeriodFactory(code="2020-02"), by=county_user)
    client.force_login(clerk_a)
    response = client.get(reverse("subsidies:period_list") + "?locked=false&ended=true")
    assert sorted(p.code for p in response.context["rows"]) == ["2020", "2020-01"]
    assert sorted(p.code for p in client.get(reverse("subsidies:period_list") + "?locked=true").context["rows"]) == ["2020-02"]
    html = response.content.decode()
    assert "导出Excel" in html and reverse("subsidies:period_export") in html
    _, rows = _rows(client.get(reverse("subsidies:period_export") + "?locked=false"))
    assert sorted(r[0] for r in rows) == ["2020", "2020-01"]


@pytest.mark.parametrize("rows", [1, 30])
def test_period_list_query_count_does_not_grow(client, county_user, django_assert_num_queries, rows):
    for i in range(rows):
        services.period_lock(period=PayPeriodFactory(code=f"{2000 + i}-01"), by=county_user)
    client.force_login(county_user)
    # session, user, user perms, group perms, COUNT, the page of periods with 锁定人 joined
    with django_assert_num_queries(6):
        response = client.get(reverse("subsidies:period_list") + "?locked=true")
    assert len(response.context["rows"]) == rows


def test_dashboard_unlocked_periods_link_opens_exactly_those_periods(client, county_user):
    from core.dashboard import build_dashboard

    for code in ("2020-01", "2020-02", "2020", "2100-01"):  # 2100-01 has not ended: not counted
        PayPeriodFactory(code=code)
    services.period_lock(period=PayPeriodFactory(code="2020-02"), by=county_user)
    item = {q.key: q for q in build_dashboard(county_user).queues}["periods_unlocked"]
    assert item.count == 2
    assert "locked=false" in item.link and "ended=true" in item.link
    client.force_login(county_user)
    rows = client.get(item.link).context["rows"]
    assert sorted(p.code for p in rows) == ["2020", "2020-01"]
