"""The pay runs read the real assessments and training selectors (built with their factories)."""

import datetime
from decimal import Decimal as D

import pytest

from subsidies import services
from subsidies.choices import EntryType
from subsidies.models import PayRunLine

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
        page = client.get(reverse("cadres:person_detail", args=[person.pk])).content.decode()
        api = client.get(f"/api/v1/ledger/accounts/{account.pk}/").json()["account_number"]
        sheet = client.get(reverse("subsidies:run_bank_sheet", args=[run.pk]))
        rows = list(openpyxl.load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
        return (FULL in page, MASKED in page, api, rows[2][5])

    assert seen(user) == (False, True, MASKED, MASKED)
    assert seen(finance_user) == (True, False, FULL, FULL)


def test_only_the_finance_group_holds_the_bank_account_permission(db, finance_user):
    from django.contrib.auth.models import Group

    from cadres.services import ROLE_GROUPS, roles_sync
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
