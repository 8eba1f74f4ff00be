"""Irreversible steps ask for confirmation in the browser: approving and marking a pay run paid,
县级备案 of an appointment, publishing assessment results (advancing the campaign's phase).

The page carries a dialog that states what will happen; a POST without the confirmation field
changes nothing and answers with a confirmation page saying the same (the path without
JavaScript), whose button sends the same fields with the confirmation. Permission comes first:
a user who may not act gets 403, not a confirmation page. (The browser test is in
tests/e2e/test_journeys.py: 备案 through the dialog.)"""

import datetime

import pytest
from django.urls import reverse

import subsidies.tasks  # noqa: F401  (registers the pay-run jobs)
from assessments.choices import Phase
from assessments.models import ReviewCampaign
from cadres import choices
from cadres import services as cadre_services
from cadres.models import Appointment
from subsidies import services as pay_services
from subsidies.choices import RunStatus
from subsidies.models import LedgerEntry, PayRun

from .assessments.factories import YEAR, CampaignFactory
from .factories import PersonFactory
from .subsidies.factories import cadre

pytestmark = pytest.mark.django_db


@pytest.fixture
def prepared_run(clerk_a, village_a, django_capture_on_commit_callbacks):
    cadre(village_a)
    with django_capture_on_commit_callbacks(execute=True):
        run = pay_services.payrun_create(by=clerk_a, kind="base_monthly", period_code="2025-03")
    run.refresh_from_db()
    return pay_services.payrun_prepare(run=run, by=clerk_a)


def test_approving_a_pay_run_needs_the_confirmation(
    client, prepared_run, county_user, clerk_a, django_capture_on_commit_callbacks
):
    client.force_login(county_user)
    page = client.get(reverse("subsidies:run_detail", args=[prepared_run.pk])).content.decode()
    assert 'id="confirm-approve"' in page and "将记入报酬补贴台账" in page and 'name="confirmed" value="yes"' in page
    url = reverse("subsidies:run_action", args=[prepared_run.pk, "approve"])
    response = client.post(url)
    html = response.content.decode()
    assert response.status_code == 200 and "确认审批并入账" in html
    assert "1人、合计2250.00元将记入报酬补贴台账" in html and "尚未执行任何操作" in html
    assert PayRun.objects.get(pk=prepared_run.pk).status == RunStatus.PREPARED and LedgerEntry.objects.count() == 0
    client.force_login(clerk_a)
    assert client.post(url).status_code == 403  # no confirmation page for who may not approve
    client.force_login(county_user)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"confirmed": "yes"}).status_code == 302
    assert PayRun.objects.get(pk=prepared_run.pk).status == RunStatus.APPROVED and LedgerEntry.objects.count() == 1


def test_marking_paid_needs_the_confirmation_and_the_page_resends_the_reference(
    client, prepared_run, county_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pay_services.payrun_approve(run=prepared_run, by=county_user)
    client.force_login(county_user)
    assert 'id="confirm-pay"' in client.get(reverse("subsidies:run_detail", args=[prepared_run.pk])).content.decode()
    url = reverse("subsidies:run_action", args=[prepared_run.pk, "pay"])
    response = client.post(url, {"bank_batch_ref": "NS-0325"})
    html = response.content.decode()
    assert "确认登记已发放" in html and "银行批次号：NS-0325" in html
    assert '<input type="hidden" name="bank_batch_ref" value="NS-0325">' in html
    assert PayRun.objects.get(pk=prepared_run.pk).status == RunStatus.APPROVED
    client.post(url, {"bank_batch_ref": "NS-0325", "confirmed": "yes"})
    run = PayRun.objects.get(pk=prepared_run.pk)
    assert run.status == RunStatus.PAID and run.bank_batch_ref == "NS-0325"


def test_a_wrong_confirmation_value_is_no_confirmation(client, prepared_run, county_user):
    client.force_login(county_user)
    client.post(reverse("subsidies:run_action", args=[prepared_run.pk, "approve"]), {"confirmed": "1"})
    assert PayRun.objects.get(pk=prepared_run.pk).status == RunStatus.PREPARED


def _approved_secretary(clerk, county, village):
    person = PersonFactory(name="陈志远", born=datetime.date(1982, 8, 9))
    review = cadre_services.qualification_review_request(by=clerk, person=person, village=village, post=choices.SECRETARY)
    for verdict in review.verdicts.all():
        cadre_services.department_verdict_record(verdict=verdict, by=county, result=choices.VettingResult.PASS)
    appointment = cadre_services.appointment_create(
        by=clerk,
        person=person,
        village=village,
        post=choices.SECRETARY,
        start_date=datetime.date(2021, 4, 1),
        cohort=2021,
        qualification_review=review,
    )
    return cadre_services.appointment_township_approve(appointment=appointment, by=clerk, note="同意")


def test_filing_an_appointment_needs_the_confirmation(client, clerk_a, county_user, village_a):
    appointment = _approved_secretary(clerk_a, county_user, village_a)
    client.force_login(county_user)
    page = client.get(reverse("cadres:appointment_detail", args=[appointment.pk])).content.decode()
    statement = "县级备案后，陈志远担任甲一村村党组织书记（任职时间2021-04-01）即正式生效"
    assert 'id="confirm-file"' in page and statement in page
    url = reverse("cadres:appointment_file", args=[appointment.pk])
    response = client.post(url, {"file-note": "县委组织部备案"})
    html = response.content.decode()
    assert response.status_code == 200 and statement in html and "备案后不能退回" in html
    assert '<input type="hidden" name="file-note" value="县委组织部备案">' in html
    assert Appointment.objects.get(pk=appointment.pk).status == choices.FilingStatus.TOWNSHIP_APPROVED
    client.force_login(clerk_a)
    assert client.post(url, {"file-note": ""}).status_code == 403
    client.force_login(county_user)
    assert client.post(url, {"file-note": "县委组织部备案", "confirmed": "yes"}).status_code == 302
    assert Appointment.objects.get(pk=appointment.pk).status == choices.FilingStatus.FILED


def test_publishing_results_needs_the_confirmation_that_says_they_will_be_locked(client, county_user, clerk_a):
    CampaignFactory(phase=Phase.GRADE)
    client.force_login(county_user)
    page = client.get(reverse("assessments:campaign_detail", args=[YEAR])).content.decode()
    assert "发布结果（进入公示）" in page and 'id="confirm-advance"' in page
    url = reverse("assessments:campaign_action", args=[YEAR, "advance"])
    html = client.post(url).content.decode()
    assert "确认发布结果（进入公示）" in html and f"进入公示后，{YEAR}年度全部考核等次将锁定" in html
    assert ReviewCampaign.objects.get(year=YEAR).phase == Phase.GRADE
    client.force_login(clerk_a)
    assert client.post(url).status_code == 403


def test_every_phase_step_is_confirmed(client, county_user):
    CampaignFactory(phase=Phase.REPORT)
    client.force_login(county_user)
    url = reverse("assessments:campaign_action", args=[YEAR, "advance"])
    assert "阶段不能退回" in client.post(url).content.decode()
    assert ReviewCampaign.objects.get(year=YEAR).phase == Phase.REPORT
    client.post(url, {"confirmed": "yes"})
    assert ReviewCampaign.objects.get(year=YEAR).phase == Phase.BALLOT
