"""Every ¥0 pay line says why (issue #13): computed by the rules, stored on the line, shown on the
run page (before and after posting), on the person page, in the run's .xlsx and in the API; the
ledger itself takes only the lines with an amount."""

import datetime
import io
from decimal import Decimal as D

import openpyxl
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from subsidies.choices import EntryType
from subsidies.models import LedgerEntry, PayRunLine
from tests.pages import person_page

from ..factories import VillageFactory
from .factories import PayAccountFactory, cadre

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(village_a):
    """A secretary paid the pension subsidy, an uninsured secretary, an insured committee member
    (the post carries no pension subsidy) and a departed secretary not yet of age."""
    paid = cadre(village_a, "secretary").person
    PayAccountFactory(person=paid)
    uninsured = cadre(VillageFactory(township=village_a.township, code="430122100077"), "secretary").person
    PayAccountFactory(person=uninsured, pension_insured=False, pension_at_standard=False)
    member = cadre(village_a, "committee_member").person
    PayAccountFactory(person=member)
    young = cadre(
        village_a,
        "secretary",
        start=datetime.date(2005, 1, 1),
        end=datetime.date(2015, 1, 1),
        end_reason="election",
        born=datetime.date(1970, 3, 1),
        male=True,
    ).person
    return {"paid": paid, "uninsured": uninsured, "member": member, "young": young}


def _reasons(run):
    return {(line.person_id, line.entry_type): (line.amount, line.zero_reason) for line in PayRunLine.objects.filter(run=run)}


def test_the_yearly_run_lists_each_zero_with_its_reason_and_posts_only_the_amounts(posted_run, people):
    run = posted_run(kind="subsidy_yearly", period="2025")
    p = people
    assert _reasons(run) == {
        (p["paid"].pk, EntryType.PENSION): (D("2000.00"), ""),
        (p["uninsured"].pk, EntryType.PENSION): (D("0.00"), "未参保"),
        (p["member"].pk, EntryType.PENSION): (D("0.00"), "该职务不享受"),
        (p["young"].pk, EntryType.LIVING): (D("0.00"), "未到龄"),
    }
    assert (
        PayRunLine.objects.get(run=run, person=p["member"]).explanation == "养老保险补贴 ¥0（村民委员会委员不享受养老保险补贴）"
    )
    assert list(LedgerEntry.objects.filter(pay_run=run).values_list("person_id", "amount")) == [(p["paid"].pk, D("2000.00"))]
    assert (run.line_count, run.total_amount) == (1, D("2000.00"))


def test_the_run_page_shows_the_reason_of_a_zero_line_before_and_after_posting(
    client, run_job, posted_run, clerk_a, county_user, people
):
    from subsidies import services

    preview = run_job(services.payrun_create, by=clerk_a, kind="subsidy_yearly", period_code="2025")
    client.force_login(clerk_a)
    html = client.get(reverse("subsidies:run_detail", args=[preview.pk])).content.decode()
    assert '<span class="badge text-bg-secondary zero-reason">未参保</span> 养老保险补贴 ¥0（未参加基本养老保险）' in html
    assert '<span class="badge text-bg-secondary zero-reason">未到龄</span>' in html
    services.payrun_cancel(run=preview, by=clerk_a)

    run = posted_run(kind="subsidy_yearly", period="2025")
    response = client.get(reverse("subsidies:run_detail", args=[run.pk]))
    zero = {(line.person.name, line.zero_reason) for line in response.context["zero_lines"]}
    assert zero == {
        (people["uninsured"].name, "未参保"),
        (people["member"].name, "该职务不享受"),
        (people["young"].name, "未到龄"),
    }
    assert "未发放人员（¥0，未入账）" in response.content.decode()


def test_the_person_page_lists_the_persons_zero_lines(client, run_job, clerk_a, people):
    from subsidies import services

    run_job(services.payrun_create, by=clerk_a, kind="subsidy_yearly", period_code="2025")
    client.force_login(clerk_a)
    html = person_page(client, people["young"].pk)
    assert "未发放项目（¥0）" in html
    assert '<span class="badge text-bg-secondary zero-reason">未到龄</span>' in html
    assert "未到年龄：55 岁（男性须满 60 岁）" in html
    other = person_page(client, people["paid"].pk)
    assert "未发放项目（¥0）" not in other


def test_the_run_export_has_the_reason_column(client, run_job, clerk_a, clerk_b, people):
    from subsidies import services

    run = run_job(services.payrun_create, by=clerk_a, kind="subsidy_yearly", period_code="2025")
    client.force_login(clerk_a)
    response = client.get(reverse("subsidies:run_lines_export", args=[run.pk]))
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1] == ("序号", "姓名", "身份证号", "乡镇(街道)", "村(社区)", "类型", "金额（元）", "未发放原因", "计算说明")
    by_name = {r[1]: r for r in rows[2:-1]}
    assert by_name[people["uninsured"].name][6:8] == (0, "未参保")
    assert by_name[people["paid"].name][6:8] == (2000, None)
    assert rows[-1][:2] == ("合计", "1人") and rows[-1][6] == 2000
    client.force_login(clerk_b)
    assert client.get(reverse("subsidies:run_lines_export", args=[run.pk])).status_code == 404


def test_the_api_gives_each_line_its_reason(run_job, clerk_a, clerk_b, people, django_assert_max_num_queries):
    from subsidies import services

    run = run_job(services.payrun_create, by=clerk_a, kind="subsidy_yearly", period_code="2025")
    api = APIClient()
    api.force_authenticate(clerk_a)
    with django_assert_max_num_queries(8):
        body = api.get(f"/api/v1/ledger/runs/{run.pk}/lines/").json()
    got = {(r["person"], r["amount"], r["zero_reason"]) for r in body["results"]}
    assert got == {
        (people["paid"].pk, "2000.00", ""),
        (people["uninsured"].pk, "0.00", "未参保"),
        (people["member"].pk, "0.00", "该职务不享受"),
        (people["young"].pk, "0.00", "未到龄"),
    }
    api.force_authenticate(clerk_b)
    assert api.get(f"/api/v1/ledger/runs/{run.pk}/lines/").status_code == 404
