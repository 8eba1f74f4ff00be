"""The pay runs read the real assessments and training selectors (built with their factories)."""

import datetime
from decimal import Decimal as D

import pytest

from subsidies import services
from subsidies.choices import EntryType
from subsidies.models import PayRunLine
from tests.pages import person_page

from .factories import cadre

pytestmark = pytest.mark.django_db


def test_performance_run_reads_final_review_results(run_job, clerk_a, village_a):
    from assessments.models import ReviewResult

    from ..assessments.factories import ReviewFactory

    sec = cadre(village_a)
    review = ReviewFactory(person=sec.person, village=village_a)
    common = {"year": 2025, "person": sec.person, "village": village_a, "township": village_a.township, "status": "graded"}
    ReviewResult.objects.create(
        review=review, grade="competent", grade_label="称职", score=D("86"), village_category="B", locked=True, **common
    )
    run = run_job(services.payrun_create, by=clerk_a, kind="performance_yearly", period_code="2025")
    line = PayRunLine.objects.get(run=run)
    assert (line.person_id, line.amount) == (sec.person_id, D("16200.00"))  # ¥18,000 × 90 %（称职）


def test_unlocked_review_results_are_not_paid(run_job, clerk_a, village_a):
    from assessments.models import ReviewResult

    from ..assessments.factories import ReviewFactory

    sec = cadre(village_a)
    review = ReviewFactory(person=sec.person, village=village_a)
    ReviewResult.objects.create(
        review=review,
        year=2025,
        person=sec.person,
        village=village_a,
        township=village_a.township,
        status="graded",
        grade="excellent",
        grade_label="优秀",
        locked=False,
    )
    run = run_job(services.payrun_create, by=clerk_a, kind="performance_yearly", period_code="2025")
    assert run.line_count == 0


def test_yearly_run_posts_education_subsidies_from_training(run_job, clerk_a, village_a):
    from ..training.factories import EducationUpgradeFactory

    sec = cadre(village_a)
    EducationUpgradeFactory(
        person=sec.person,
        township=village_a.township,
        tuition_subsidy=D("1500.00"),
        tuition_subsidy_date=datetime.date(2025, 3, 1),
        actual_graduation=datetime.date(2025, 7, 1),
        diploma_subsidy=D("2000.00"),
        diploma_subsidy_date=datetime.date(2025, 7, 15),
    )
    run = run_job(services.payrun_create, by=clerk_a, kind="subsidy_yearly", period_code="2025")
    lines = PayRunLine.objects.filter(run=run, entry_type=EntryType.EDUCATION).order_by("source_ref")
    assert [(line.source_ref.split(":")[-1], line.amount) for line in lines] == [
        ("diploma", D("2000.00")),
        ("tuition", D("1500.00")),
    ]


FULL, MASKED = "6221000011112222333", "6221***********2333"


@pytest.mark.parametrize("persona", ["auditor", "county_user", "clerk_a"])
def test_auditors_see_bank_card_numbers_masked(request, persona, finance_user, posted_run, client, village_a):
    """Page, API and bank-sheet export: masked for every role but finance (county staff included)."""
    import io

    import openpyxl
    from django.urls import reverse

    from subsidies.roles import FINANCE_GROUP

    from .factories import PayAccountFactory

    person = cadre(village_a).person
    account = PayAccountFactory(person=person, account_number=FULL)
    run = posted_run()
    user = request.getfixturevalue(persona)
    assert not user.has_perm("subsidies.view_bank_account")
    assert not user.groups.filter(name=FINANCE_GROUP).exists()

    def seen(u):
        client.force_login(u)
        page = person_page(client, person.pk)
        api = client.get(f"/api/v1/ledger/accounts/{account.pk}/").json()["account_number"]
        sheet = client.get(reverse("subsidies:run_bank_sheet", args=[run.pk]))
        rows = list(openpyxl.load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
        return (FULL in page, MASKED in page, api, rows[2][5])

    assert seen(user) == (False, True, MASKED, MASKED)
    assert seen(finance_user) == (True, False, FULL, FULL)


def test_only_the_finance_group_holds_the_bank_account_permission(db, finance_user):
    from django.contrib.auth.models import Group

    from core.roles import ROLE_GROUPS, roles_sync
    from subsidies.roles import FINANCE_GROUP, finance_sync

    for _ in range(2):  # a rerun of both syncs (migrate again) changes nothing
        roles_sync()
        finance_sync()
        holders = set(
            Group.objects.filter(
                permissions__codename="view_bank_account", permissions__content_type__app_label="subsidies"
            ).values_list("name", flat=True)
        )
        assert holders == {FINANCE_GROUP}
    assert set(ROLE_GROUPS.values()) <= set(Group.objects.values_list("name", flat=True))
    assert Group.objects.get(name=ROLE_GROUPS["county"]).permissions.filter(codename="approve_payrun").exists()


def _points_profile(full_score):
    from cadres.models import PolicyProfile
    from core.policy import default_profile_data

    data = default_profile_data()
    rules = data["subsidies"]
    rules["performance"] = {**rules["performance"], "mode": "points", "full_score": full_score, "per_point": "5.00"}
    # secretary ¥9,500 + ¥3,000 = ¥12,500 a year; base 60 % → performance pool ¥5,000
    rules["tiers"] = [{"code": "B", "name": "二类村", "secretary_amount": "9500.00"}]
    return PolicyProfile.objects.create(year=2025, title="积分制", data=data)


def _locked_result(person, village, score):
    from assessments.models import ReviewResult

    from ..assessments.factories import ReviewFactory

    review = ReviewFactory(person=person, village=village)
    return ReviewResult.objects.create(
        review=review,
        year=2025,
        person=person,
        village=village,
        township=village.township,
        status="graded",
        grade="competent",
        grade_label="称职",
        score=D(score),
        village_category="B",
        locked=True,
    )


def test_points_mode_4860_from_review_to_posted_entry(posted_run, village_a):
    from subsidies.models import LedgerEntry

    _points_profile("90")
    sec = cadre(village_a)
    _locked_result(sec.person, village_a, "62")  # 28 points below 90 on the review's own scale
    run = posted_run(kind="performance_yearly", period="2025")
    entry = LedgerEntry.objects.get(pay_run=run)
    assert (entry.person_id, entry.amount, entry.entry_type) == (sec.person_id, D("4860.00"), EntryType.PERFORMANCE)
    assert "¥4,860 = ¥5,000 − 28 分 × ¥5" in entry.explanation
    assert entry.inputs["score"] == "62.00" and entry.inputs["full_score"] == "90"
    assert run.total_amount == D("4860.00")


def test_points_threshold_on_another_scale_fails_the_run_and_writes_nothing(run_job, clerk_a, village_a):
    from subsidies.models import LedgerEntry

    _points_profile(900)  # a profile saved before the editor checked the scale
    sec = cadre(village_a)
    _locked_result(sec.person, village_a, "62")
    run = run_job(services.payrun_create, by=clerk_a, kind="performance_yearly", period_code="2025")
    assert run.status == "failed"
    assert "全额分数线" in run.message and "900" in run.message
    assert PayRunLine.objects.filter(run=run).count() == 0 and LedgerEntry.objects.count() == 0


def test_policy_editor_takes_thresholds_up_to_the_1000_point_scale():
    from django.core.exceptions import ValidationError

    from core.policy import SECTIONS
    from core.policy_forms import column_field

    group = next(p for p in SECTIONS["subsidies"].parts if p.key == "performance")
    field = column_field(next(c for c in group.fields if c.key == "full_score"))
    assert field.clean("90") == D("90")
    assert field.clean("900") == D("900")
    with pytest.raises(ValidationError):
        field.clean("1000.5")


def test_points_mode_on_the_1000_point_scale_maotian(posted_run, village_a):
    """毛田镇: 千分制, ≥ 900 full performance pay, ¥5 deducted per point below."""
    from subsidies.models import LedgerEntry

    profile = _points_profile("900")
    profile.data["assessments"]["scoring"] = {"scale": "1000"}
    profile.save()
    sec = cadre(village_a)
    _locked_result(sec.person, village_a, "862")  # 38 points below 900
    run = posted_run(kind="performance_yearly", period="2025")
    entry = LedgerEntry.objects.get(pay_run=run)
    assert entry.amount == D("4810.00")
    assert "¥4,810 = ¥5,000 − 38 分 × ¥5" in entry.explanation
    assert entry.inputs["full_score"] == "900"
