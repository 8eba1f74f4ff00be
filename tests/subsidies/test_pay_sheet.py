"""报酬代发表 of a pay run (issue #18): layout math, PDF and .xlsx read back, masking, scope, log."""

from __future__ import annotations

import io
from decimal import Decimal as D
from types import SimpleNamespace

import openpyxl
import pytest
from django.urls import reverse

from cadres.models import ExportLog
from core.money import yuan_in_capitals
from subsidies.choices import EntryType
from subsidies.models import LedgerEntry, mask_account
from subsidies.official_forms import pay_sheet_layout
from tests.pdf_text import A4_LANDSCAPE, page_sizes, pdf_fonts, pdf_pages, pdf_text

from .factories import LedgerEntryFactory, PayAccountFactory, cadre

pytestmark = pytest.mark.django_db

FIRST_CARD = f"62210000{0:011d}"  # the secretary's card (19 digits)
EAST, WEST = SimpleNamespace(pk=1, name="东镇"), SimpleNamespace(pk=2, name="西镇")


def _row(township, name, **amounts):
    amounts = {k: D(v) for k, v in amounts.items()}
    return {"township": township, "name": name, "amounts": amounts, "total": sum(amounts.values(), D("0.00"))}


def test_layout_pages_and_totals_per_page_township_and_grand_total():
    rows = [
        _row(EAST, "甲", base="2250.00", award="500.00"),
        _row(EAST, "乙", base="1800.50"),
        _row(EAST, "丙", base="1800.25"),
        _row(WEST, "丁", base="2000.00", pension="300.10"),
    ]
    layout = pay_sheet_layout(rows, rows_per_page=2)
    # Columns: only the entry types present, in EntryType's order.
    assert layout["columns"] == [("base", "基本报酬"), ("pension", "养老保险补贴"), ("award", "奖励")]
    east, west = layout["townships"]
    assert [[r["name"] for r in p["rows"]] for p in east["pages"]] == [["甲", "乙"], ["丙"]]
    assert [[r["name"] for r in p["rows"]] for p in west["pages"]] == [["丁"]]  # a township starts a new page
    assert [r["serial"] for p in east["pages"] for r in p["rows"]] == [1, 2, 3]
    assert east["pages"][0]["rows"][1]["cells"] == [D("1800.50"), None, None]
    assert [p["totals"].total for p in east["pages"]] == [D("4550.50"), D("1800.25")]
    assert east["pages"][0]["totals"].cells == [D("4050.50"), D("0.00"), D("500.00")]
    assert (east["totals"].people, east["totals"].total) == (3, D("6350.75"))
    assert (west["totals"].people, west["totals"].total) == (1, D("2300.10"))
    grand = layout["grand"]
    assert (grand.people, grand.total, grand.cells) == (4, D("8650.85"), [D("7850.75"), D("300.10"), D("500.00")])
    assert grand.capitals == "捌仟陆佰伍拾元捌角伍分"
    assert east["totals"].capitals == "陆仟叁佰伍拾元柒角伍分"


def test_layout_of_no_rows_is_empty_with_a_zero_total():
    layout = pay_sheet_layout([])
    assert (layout["columns"], layout["townships"], layout["people"]) == ([], [], 0)
    assert layout["grand"].capitals == "零元整"


@pytest.fixture
def paid_run(posted_run, village_a):
    """A posted monthly run of 甲镇 with 17 payees (two pages), card numbers on file, and one award
    entry posted in the run (a second item column)."""
    people = [cadre(village_a, post="secretary", name="王书记").person]
    people += [cadre(village_a, post="committee_member", name=f"委员{i:02d}").person for i in range(16)]
    for i, person in enumerate(people):
        PayAccountFactory(person=person, account_number=f"62210000{i:011d}", bank_name="县农商银行")
    run = posted_run()
    first = LedgerEntry.objects.filter(pay_run=run, person=people[0]).first()
    LedgerEntryFactory(
        person=people[0], village=village_a, period=run.period, pay_run=run, entry_type=EntryType.AWARD, amount=D("500.00")
    )
    assert first is not None
    return run


def _get(client, user, name, run):
    client.force_login(user)
    return client.get(reverse(name, args=[run.pk]))


def test_pdf_has_every_payee_page_totals_capitals_signatures_on_landscape_a4(client, clerk_a, paid_run):
    entries = LedgerEntry.objects.filter(pay_run=paid_run)
    grand = sum((e.amount for e in entries), D("0.00"))
    response = _get(client, clerk_a, "subsidies:run_pay_sheet_pdf", paid_run)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages = pdf_pages(response.content)
    assert len(pages) == 2
    assert set(page_sizes(response.content)) == {A4_LANDSCAPE}
    for i, page in enumerate(pages, start=1):
        assert "村干部报酬代发表" in page
        assert "序号村(社区)姓名职务开户银行银行卡号基本报酬奖励合计" in page  # the header on every page
        assert "本页小计" in page
        assert "制表：" in page and "审核：" in page and "负责人：" in page
        assert f"第{i}页，共2页" in page
    text = "".join(pages)
    assert "王书记" in text and "委员15" in text and "村党组织书记" in text
    assert mask_account(FIRST_CARD) in text  # a clerk sees masked card numbers
    assert FIRST_CARD not in text
    assert "甲镇合计17人" in text
    assert "总计17人" in text
    assert f"{grand:,.2f}" in text
    assert f"总计金额（大写）：人民币{yuan_in_capitals(grand)}" in text
    assert "500.00" in text
    log = ExportLog.objects.get()
    assert (log.user, log.rows, log.filters) == (clerk_a, 17, {"run": paid_run.pk})
    assert log.what.startswith("报酬代发表PDF：")


def test_pdf_embeds_its_fonts_as_subsets(client, county_user, paid_run):
    fonts = pdf_fonts(_get(client, county_user, "subsidies:run_pay_sheet_pdf", paid_run).content)
    assert fonts and all(f["embedded"] and f["subset"] for f in fonts), fonts


def test_only_finance_sees_full_card_numbers(client, finance_user, county_user, paid_run):
    full = FIRST_CARD
    assert full in pdf_text(_get(client, finance_user, "subsidies:run_pay_sheet_pdf", paid_run).content)
    assert full not in pdf_text(_get(client, county_user, "subsidies:run_pay_sheet_pdf", paid_run).content)


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return [list(r) for r in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)]


def test_xlsx_reads_back_rows_totals_capitals_and_masks_for_non_finance(client, finance_user, clerk_a, paid_run):
    entries = list(LedgerEntry.objects.filter(pay_run=paid_run))
    grand = sum((e.amount for e in entries), D("0.00"))
    rows = _sheet(_get(client, finance_user, "subsidies:run_pay_sheet_xlsx", paid_run))
    header = rows[2]
    assert header == [
        "序号",
        "乡镇(街道)",
        "村(社区)",
        "姓名",
        "职务",
        "开户银行",
        "户名",
        "银行卡号",
        "基本报酬",
        "奖励",
        "合计（元）",
    ]
    body = [r for r in rows[3:] if isinstance(r[0], int)]
    assert len(body) == 17
    by_name = {r[3]: r for r in body}
    secretary = by_name["王书记"]
    base = sum((e.amount for e in entries if e.person.name == "王书记" and e.entry_type == "base"), D("0.00"))
    assert secretary[7] == FIRST_CARD  # finance: the full number, as text
    assert (D(str(secretary[8])), secretary[9], D(str(secretary[10]))) == (base, 500, base + D("500.00"))
    assert secretary[4] == "村党组织书记" and secretary[2] == "甲一村" and secretary[1] == "甲镇"
    township_total = next(r for r in rows if r[0] == "甲镇合计")
    assert D(str(township_total[-1])).quantize(D("0.01")) == grand
    total = next(r for r in rows if r[0] == "总计")
    assert D(str(total[-1])).quantize(D("0.01")) == grand and total[3] == "17人"
    capitals = next(r for r in rows if r[0] == "总计金额（大写）")
    assert capitals[1] == f"人民币{yuan_in_capitals(grand)}"
    assert any("制表：" in str(r[0]) for r in rows if r[0])
    masked = _sheet(_get(client, clerk_a, "subsidies:run_pay_sheet_xlsx", paid_run))
    cards = {r[7] for r in masked[3:] if isinstance(r[0], int)}
    assert mask_account(FIRST_CARD) in cards and not any(c and "*" not in c for c in cards)
    assert ExportLog.objects.filter(filters={"run": paid_run.pk}).count() == 2


@pytest.mark.parametrize("name", ["subsidies:run_pay_sheet_pdf", "subsidies:run_pay_sheet_xlsx"])
def test_another_townships_clerk_gets_404_and_nothing_is_logged(client, clerk_b, paid_run, name):
    assert _get(client, clerk_b, name, paid_run).status_code == 404
    assert ExportLog.objects.count() == 0


def test_run_page_links_the_pay_sheet_once_posted(client, clerk_a, paid_run):
    html = _get(client, clerk_a, "subsidies:run_detail", paid_run).content.decode()
    assert reverse("subsidies:run_pay_sheet_pdf", args=[paid_run.pk]) in html
    assert reverse("subsidies:run_pay_sheet_xlsx", args=[paid_run.pk]) in html


def test_an_unposted_run_has_no_pay_sheet(client, run_job, clerk_a, village_a):
    from subsidies import services

    cadre(village_a)
    run = run_job(services.payrun_create, by=clerk_a, kind="base_monthly", period_code="2025-04", township=None)
    client.force_login(clerk_a)
    html = client.get(reverse("subsidies:run_detail", args=[run.pk])).content.decode()
    assert reverse("subsidies:run_pay_sheet_pdf", args=[run.pk]) not in html
    response = client.get(reverse("subsidies:run_pay_sheet_pdf", args=[run.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("subsidies:run_detail", args=[run.pk])
    assert ExportLog.objects.count() == 0


def test_pay_sheet_rows_take_a_bounded_number_of_queries(django_assert_max_num_queries, finance_user, paid_run):
    from subsidies import selectors

    with django_assert_max_num_queries(7):
        # sums by payee and item; payees with their accounts; posts; villages; townships; and the
        # finance permission (the user's own and the groups' permissions) — not one more per payee
        rows = selectors.run_pay_sheet_rows(user=finance_user, run=paid_run)
    assert len(rows) == 17
