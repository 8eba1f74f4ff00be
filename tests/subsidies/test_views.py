"""Pages of the pay ledger: scope doors, query counts, masking, exports, reconciliation."""

import io
from decimal import Decimal as D

import openpyxl
import pytest
from django.urls import reverse

from cadres.models import ExportLog
from core.imports.workbooks import write_xlsx
from subsidies import services
from subsidies.choices import RunStatus
from subsidies.models import LedgerEntry, PayRun
from subsidies.services import progress as run_progress
from tests.pages import person_page

from ..factories import VillageFactory
from .factories import LedgerEntryFactory, PayAccountFactory, PayPeriodFactory, cadre

pytestmark = pytest.mark.django_db


def _sheet_rows(response):
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    return list(wb.active.iter_rows(values_only=True))


# --- scope doors ------------------------------------------------------------------------------


def test_clerk_gets_404_for_another_townships_run_entry_and_bank_sheet(client, posted_run, clerk_b, village_a):
    cadre(village_a)
    run = posted_run()
    entry = LedgerEntry.objects.get(pay_run=run)
    client.force_login(clerk_b)
    assert client.get(reverse("subsidies:run_detail", args=[run.pk])).status_code == 404
    assert client.get(reverse("subsidies:entry_detail", args=[entry.pk])).status_code == 404
    assert client.get(reverse("subsidies:run_bank_sheet", args=[run.pk])).status_code == 404
    assert client.post(reverse("subsidies:run_action", args=[run.pk, "prepare"])).status_code == 404
    assert client.post(reverse("subsidies:entry_reverse", args=[entry.pk]), {"reason": "x"}).status_code == 404
    url = reverse("subsidies:bank_sheet") + f"?township={village_a.township_id}&period=2025-03"
    assert client.get(url).status_code == 404
    assert client.get(reverse("subsidies:person_export", args=[entry.person_id])).status_code == 404
    listing = client.get(reverse("subsidies:entry_list"))
    assert listing.status_code == 200 and listing.context["page_obj"].count.value == 0
    assert client.get(reverse("subsidies:run_list")).context["page_obj"].paginator.count == 0
    assert LedgerEntry.objects.count() == 1


def test_reconcile_refuses_another_township(client, clerk_b, village_a):
    PayPeriodFactory()
    client.force_login(clerk_b)
    data = write_xlsx(["姓名", "身份证号", "金额"], [["张三", "43012219850312003X", 100]])
    upload = io.BytesIO(data)
    upload.name = "pay.xlsx"
    from subsidies.models import PayPeriod

    response = client.post(
        reverse("subsidies:reconcile"),
        {"township": village_a.township_id, "period": PayPeriod.objects.get().pk, "file": upload},
    )
    assert response.status_code == 200
    assert response.context["result"] is None
    assert "township" in response.context["form"].errors


# --- the journey in the browser ------------------------------------------------------------------


def test_run_journey_through_the_pages(client, clerk_a, county_user, village_a, django_capture_on_commit_callbacks):
    cadre(village_a)
    cadre(village_a, "deputy_secretary")
    client.force_login(clerk_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("subsidies:run_create"), {"kind": "base_monthly", "period": "2025-03"})
    run = PayRun.objects.get()
    assert response.url == reverse("subsidies:run_detail", args=[run.pk])
    page = client.get(response.url)
    assert page.status_code == 200
    assert "¥4,050" in page.content.decode()
    assert page.context["by_township"][0]["total"] == D("4050.00")
    client.post(reverse("subsidies:run_action", args=[run.pk, "prepare"]))
    run.refresh_from_db()
    assert run.status == RunStatus.PREPARED
    refused = client.post(reverse("subsidies:run_action", args=[run.pk, "approve"]), {"confirmed": "yes"})  # clerk
    assert refused.status_code == 403 and "只有县级可以审批发放批次" in refused.content.decode()
    run.refresh_from_db()
    assert run.status == RunStatus.PREPARED
    client.force_login(county_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("subsidies:run_action", args=[run.pk, "approve"]), {"confirmed": "yes"})
    run.refresh_from_db()
    assert run.status == RunStatus.APPROVED
    response = client.post(reverse("subsidies:run_action", args=[run.pk, "pay"]), {"bank_batch_ref": ""}, follow=True)
    assert "请填写银行批次号" in response.content.decode()
    client.post(reverse("subsidies:run_action", args=[run.pk, "pay"]), {"bank_batch_ref": "B-001", "confirmed": "yes"})
    run.refresh_from_db()
    assert run.status == RunStatus.PAID


def test_create_form_shows_field_errors_and_writes_nothing(client, clerk_a):
    client.force_login(clerk_a)
    response = client.post(reverse("subsidies:run_create"), {"kind": "base_monthly", "period": "2025"})
    assert response.status_code == 200
    assert "月度" in response.context["form"].errors["period"][0]
    assert PayRun.objects.count() == 0


def test_standards_preview_shows_what_each_post_earns(client, county_user):
    client.force_login(county_user)
    response = client.get(reverse("subsidies:standards") + "?year=2025")
    assert response.status_code == 200
    rows = {r["post"]["code"]: r for r in response.context["rows"]}
    tiers = [c["annual"] for c in rows["secretary"]["cells"]]
    assert tiers == [D("48000.00"), D("45000.00")]  # A and B tiers
    assert [c["annual"] for c in rows["deputy_secretary"]["cells"]] == [D("38400.00"), D("36000.00")]
    assert [c["annual"] for c in rows["party_member"]["cells"]] == [D("33600.00"), D("31500.00")]
    assert rows["secretary"]["cells"][1]["monthly"] == D("2250.00")
    assert rows["secretary"]["cells"][1]["performance_pool"] == D("18000.00")
    assert "吉首市" in response.content.decode() and "seed 0" not in response.content.decode()


def test_standards_preview_uses_per_post_ratios_and_flags_a_points_threshold_on_another_scale(client, county_user):
    from cadres.models import PolicyProfile
    from core.policy import default_profile_data

    data = default_profile_data()
    data["subsidies"]["post_ratios"] = [{"code": "chair", "name": "村民委员会主任", "percent": "90"}]
    data["subsidies"]["performance"].update(mode="points", full_score=900)
    PolicyProfile.objects.create(year=2025, title="毛田镇式", data=data)
    client.force_login(county_user)
    response = client.get(reverse("subsidies:standards") + "?year=2025")
    rows = {r["post"]["code"]: r for r in response.context["rows"]}
    assert [c["annual"] for c in rows["chair"]["cells"]] == [D("43200.00"), D("40500.00")]
    assert rows["chair"]["ratio_source"] == "按职务系数" and rows["vice_chair"]["ratio_source"] == "按副职比例"
    html = response.content.decode()
    assert "¥40,500 = ¥45,000 × 90%" in html
    assert "alert-danger" in html and "超出考核综合得分的满分 100 分" in html


def test_reversal_page(client, county_user, village_a):
    entry = LedgerEntryFactory(village=village_a)
    client.force_login(county_user)
    response = client.post(reverse("subsidies:entry_reverse", args=[entry.pk]), {"reason": ""})
    assert response.status_code == 200 and LedgerEntry.objects.count() == 1
    response = client.post(reverse("subsidies:entry_reverse", args=[entry.pk]), {"reason": "重复发放"})
    reversal = LedgerEntry.objects.get(reverses=entry)
    assert response.url == reverse("subsidies:entry_detail", args=[reversal.pk])


def test_award_page_posts_one_entry_per_person(client, county_user, township_a):
    people = [cadre(VillageFactory(township=township_a)).person for _ in range(3)]
    client.force_login(county_user)
    response = client.post(
        reverse("subsidies:award_create"),
        {"award_code": "excellent_secretary", "period": "2024", "people": [p.pk for p in people]},
    )
    assert response.status_code == 302
    assert LedgerEntry.objects.filter(entry_type="award").total() == D("15000.00")


def test_period_lock_page(client, county_user, clerk_a):
    period = PayPeriodFactory()
    client.force_login(clerk_a)
    client.post(reverse("subsidies:period_lock", args=[period.pk, "lock"]))
    period.refresh_from_db()
    assert not period.is_locked
    client.force_login(county_user)
    client.post(reverse("subsidies:period_lock", args=[period.pk, "lock"]))
    period.refresh_from_db()
    assert period.is_locked


# --- query counts -----------------------------------------------------------------------------


def _entries(village, n, user):
    period = PayPeriodFactory()
    for _ in range(n):
        LedgerEntryFactory(person=cadre(village, "committee_member").person, village=village, period=period, created_by=user)


@pytest.mark.parametrize("rows", [1, 50])
def test_entry_list_query_count_does_not_grow(client, clerk_a, village_a, django_assert_num_queries, rows):
    _entries(village_a, rows, clerk_a)
    client.force_login(clerk_a)
    # session, user, user perms, group perms, COUNT, SUM (filtered total), the clerk's township
    # (scope badge), township filter options, the page of entries with every relation joined,
    # the page's reversals
    with django_assert_num_queries(10):
        response = client.get(reverse("subsidies:entry_list"))
    assert len(response.context["rows"]) == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_run_list_query_count_does_not_grow(client, county_user, township_a, django_assert_num_queries, rows):
    period = PayPeriodFactory()
    from subsidies.models import PayRun as Run

    for i in range(rows):
        Run.objects.create(
            kind="base_monthly",
            period=PayPeriodFactory(code=f"{2000 + i}-01"),
            township=township_a,
            policy_year=2025,
            created_by=county_user,
            status=RunStatus.PREVIEW,
        )
    assert period
    client.force_login(county_user)
    # session, user, user perms, group perms, COUNT, township filter options, the page of runs
    # with period/township/users joined
    with django_assert_num_queries(7):
        response = client.get(reverse("subsidies:run_list"))
    assert len(response.context["rows"]) == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_run_detail_query_count_does_not_grow(client, run_job, county_user, township_a, django_assert_num_queries, rows):
    for i in range(rows):
        cadre(VillageFactory(township=township_a, code=f"430122100{i + 300:03d}"))
    run = run_job(services.payrun_create, by=county_user, kind="base_monthly", period_code="2025-03")
    client.force_login(county_user)
    # session, user, permissions (2), run, count, page of lines, totals by township, totals by type
    with django_assert_num_queries(9):
        response = client.get(reverse("subsidies:run_detail", args=[run.pk]))
    assert len(response.context["rows"]) == rows


def test_posted_run_totals_are_cached_until_the_ledger_grows(
    client, run_job, county_user, county_approver, village_a, django_assert_num_queries
):
    """A posted run's totals are sums over its ledger entries (append-only): cached, keyed by the
    ledger's latest entry, so a new entry (here one added to the run) shows at once."""
    cadre(village_a)
    run = run_job(services.payrun_create, by=county_user, kind="base_monthly", period_code="2025-03")
    run = run_job(services.payrun_approve, run=services.payrun_prepare(run=run, by=county_user), by=county_approver)
    assert run.status == RunStatus.APPROVED
    client.force_login(county_user)
    url = reverse("subsidies:run_detail", args=[run.pk])
    first = client.get(url).context
    (row,) = first["by_township"]
    assert (row["township__name"], row["lines"]) == ("甲镇", 1)
    # cached: session, user, permissions (2), run, count, the page of entries (person, township,
    # village: all the page shows), the ledger's latest id, the run's ¥0 lines (with their reasons)
    with django_assert_num_queries(9):
        assert client.get(url).context["by_township"] == first["by_township"]
    entry = LedgerEntry.objects.get(pay_run=run)
    LedgerEntryFactory(
        person=entry.person,
        village=village_a,
        period=entry.period,
        pay_run=run,
        source_ref="补发",
        amount=D("10.00"),
        created_by=county_user,
    )
    (row,) = client.get(url).context["by_township"]
    assert row["lines"] == 2 and row["total"] == entry.amount + D("10.00")
    assert sum(t["lines"] for t in client.get(url).context["by_type"]) == 2


# --- masking and the person page ----------------------------------------------------------------


def test_person_page_pay_section_masks_bank_numbers_without_finance_permission(
    client, county_user, finance_user, clerk_a, village_a
):
    person = cadre(village_a).person
    account = PayAccountFactory(person=person, account_number="6221000011112222333")
    LedgerEntryFactory(person=person, village=village_a, explanation="¥2,250 = ¥27,000 ÷ 12")
    client.force_login(clerk_a)
    html = person_page(client, person.pk)
    assert "报酬与补贴" in html and "¥2,250 = ¥27,000 ÷ 12" in html
    assert account.account_number not in html
    assert "6221***********2333" in html
    client.force_login(county_user)
    html = person_page(client, person.pk)
    assert account.account_number not in html and "6221***********2333" in html
    client.force_login(finance_user)
    assert account.account_number in person_page(client, person.pk)


def test_person_page_hides_pay_section_without_ledger_permission(client, village_a):
    from ..factories import UserFactory

    nobody = UserFactory(username="plain_county", role="county")
    nobody.groups.clear()
    from django.contrib.auth.models import Permission

    nobody.user_permissions.add(Permission.objects.get(codename="view_person"))
    person = cadre(village_a).person
    LedgerEntryFactory(person=person, village=village_a, explanation="不应显示的说明")
    client.force_login(nobody)
    html = person_page(client, person.pk)
    assert "不应显示的说明" not in html and "报酬与补贴" not in html
    # nor by the section's own address
    assert client.get(reverse("cadres:person_section", args=[person.pk, "subsidies"])).status_code == 404


def test_bank_sheet_total_equals_the_run_total_and_is_masked_for_clerks(
    client, posted_run, clerk_a, county_user, finance_user, village_a
):
    for post in ("secretary", "deputy_secretary", "committee_member"):
        PayAccountFactory(person=cadre(village_a, post).person)
    run = posted_run()
    url = reverse("subsidies:run_bank_sheet", args=[run.pk])
    client.force_login(clerk_a)
    rows = _sheet_rows(client.get(url))
    data, total = rows[2:-1], rows[-1]
    assert len(data) == 3
    assert sum(D(str(r[6])) for r in data) == run.total_amount == D("5625.00")
    assert D(str(total[6])).quantize(D("0.01")) == LedgerEntry.objects.filter(pay_run=run).total()
    assert all("*" in r[5] for r in data)
    assert ExportLog.objects.filter(user=clerk_a, what__startswith="代发表").count() == 1
    client.force_login(county_user)
    assert all("*" in r[5] for r in _sheet_rows(client.get(url))[2:-1])
    client.force_login(finance_user)
    rows = _sheet_rows(client.get(url))
    assert all(r[5].isdigit() for r in rows[2:-1])


def test_person_history_and_county_summary_exports(client, posted_run, county_user, village_a, village_b):
    person = cadre(village_a).person
    cadre(village_b, "deputy_secretary")
    posted_run()
    services.award_post(by=county_user, people=[person], period_code="2025", award_code="excellent_secretary")
    client.force_login(county_user)
    rows = _sheet_rows(client.get(reverse("subsidies:person_export", args=[person.pk])))
    assert D(str(rows[-1][2])) == D("7250.00")
    response = client.get(reverse("subsidies:summary") + "?year=2025")
    assert response.context["grand_total"] == D("7250.00")
    rows = _sheet_rows(client.get(reverse("subsidies:summary") + "?year=2025&export=1"))
    assert D(str(rows[-1][-1])) == D("7250.00")


# --- reconciliation -------------------------------------------------------------------------------


def test_reconciliation_lists_differences_by_person(client, posted_run, clerk_a, village_a):
    same = cadre(village_a).person
    differs = cadre(village_a, "deputy_secretary").person
    missing = cadre(village_a, "committee_member").person
    run = posted_run()
    extra = cadre(VillageFactory(township=village_a.township), "group_leader").person
    data = write_xlsx(
        ["序号", "姓名", "身份证号码", "实发金额"],
        [
            [1, same.name, same.id_number, "2250.00"],
            [2, differs.name, differs.id_number, "1700"],
            [3, extra.name, extra.id_number, "1575"],
            [4, "错号", "430122198503120031", "100"],
        ],
        text_columns=[2],
    )
    upload = io.BytesIO(data)
    upload.name = "发放表.xlsx"
    client.force_login(clerk_a)
    response = client.post(
        reverse("subsidies:reconcile"),
        {"township": village_a.township_id, "period": run.period_id, "entry_type": "", "file": upload},
    )
    result = response.context["result"]
    assert result.matched == 1
    kinds = {d.id_number: (d.kind, d.delta) for d in result.differences}
    assert kinds == {
        differs.id_number: ("金额不一致", D("-100.00")),
        missing.id_number: ("账中有、表中无", D("-1575.00")),
        extra.id_number: ("表中有、账中无", D("1575.00")),
    }
    assert len(result.errors) == 1 and "第5行" in result.errors[0]
    assert result.ledger_total == run.total_amount


# --- pay-run progress ----------------------------------------------------------------------------


def test_run_progress_partial_polls_while_running_and_stops_when_done(client, clerk_a, clerk_b, village_a):
    cadre(village_a)
    run = services.payrun_create(by=clerk_a, kind="base_monthly", period_code="2025-03")  # queued (task not run)
    PayRun.objects.filter(pk=run.pk).update(
        status=RunStatus.COMPUTING, progress_step="计算基本报酬（人）", progress_done=300, progress_total=1000
    )
    url = reverse("subsidies:run_progress", args=[run.pk])
    client.force_login(clerk_a)
    detail = client.get(reverse("subsidies:run_detail", args=[run.pk])).content.decode()
    assert f'hx-get="{url}"' in detail and 'hx-trigger="every 2s"' in detail and 'http-equiv="refresh"' not in detail
    response = client.get(url, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'hx-trigger="every 2s"' in html and "30%" in html and "计算基本报酬（人）" in html and "300 / 1000" in html
    assert "HX-Refresh" not in response
    services.payrun_compute(run=run, by=clerk_a)
    response = client.get(url, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "hx-trigger" not in html and "100%" in html and "待乡镇确认" in html
    assert response["HX-Refresh"] == "true"
    client.force_login(clerk_b)
    assert client.get(url).status_code == 404


def test_compute_reports_progress_while_computing_not_only_while_writing(clerk_a, village_a, monkeypatch):
    for _ in range(5):
        cadre(VillageFactory(township=village_a.township))
    monkeypatch.setattr(run_progress, "PROGRESS_EVERY", 2)
    seen = []
    real = run_progress._report_progress

    def spy(run_id, *, step, done, total):
        seen.append((step, done, total, PayRun.objects.get(pk=run_id).status))
        real(run_id, step=step, done=done, total=total)

    monkeypatch.setattr(run_progress, "_report_progress", spy)
    run = services.payrun_create(by=clerk_a, kind="base_monthly", period_code="2025-03")
    run = services.payrun_compute(run=run, by=clerk_a)
    computing = [(s, d, t) for s, d, t, status in seen if status == RunStatus.COMPUTING]
    assert computing == [
        ("计算基本报酬（人）", 0, 5),
        ("计算基本报酬（人）", 2, 5),
        ("计算基本报酬（人）", 4, 5),
        ("计算基本报酬（人）", 5, 5),
        ("写入预览明细", 0, 5),
    ]
    assert (run.status, run.progress_done, run.progress_total, run.progress_step) == (RunStatus.PREVIEW, 5, 5, "")


def test_run_detail_says_so_when_the_user_has_nothing_to_do(client, auditor, clerk_a, village_a):
    cadre(village_a)
    run = services.payrun_create(by=clerk_a, kind="base_monthly", period_code="2025-03")
    services.payrun_compute(run=run, by=clerk_a)
    client.force_login(auditor)
    assert "当前没有您可执行的操作。" in client.get(reverse("subsidies:run_detail", args=[run.pk])).content.decode()
    client.force_login(clerk_a)
    assert "当前没有您可执行的操作。" not in client.get(reverse("subsidies:run_detail", args=[run.pk])).content.decode()
