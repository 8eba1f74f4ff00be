"""Separation of duties in a pay run: the approver is neither the account that created the run
nor the one that confirmed it (policy switch ``approval.separate_approver``, default on). Refused
with the same Chinese message at every door: service, page, API, admin action (the task door is
in test_tasks.py)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from rest_framework.test import APIClient

from cadres.models import PolicyProfile
from core.access import can
from core.policy import default_profile_data
from subsidies import services
from subsidies.choices import RunStatus
from subsidies.models import LedgerEntry

from .factories import cadre

pytestmark = pytest.mark.django_db

CREATED = "职责分离：本批次由您创建，不能由您本人审批，请由其他县级工作人员审批。"
CONFIRMED = "职责分离：本批次由您确认，不能由您本人审批，请由其他县级工作人员审批。"


@pytest.fixture
def county_run(run_job, county_user, village_a):
    """A county-wide run created and confirmed by county_user."""
    cadre(village_a)
    run = run_job(services.payrun_create, by=county_user, kind="base_monthly", period_code="2025-03")
    return services.payrun_prepare(run=run, by=county_user)


def test_the_creator_may_not_approve_and_another_county_user_may(county_run, county_user, county_approver, run_job):
    assert not can(county_user, "subsidies.approve_payrun", county_run)
    assert can(county_approver, "subsidies.approve_payrun", county_run)
    with pytest.raises(PermissionDenied) as exc:
        services.payrun_approve(run=county_run, by=county_user)
    assert str(exc.value) == CREATED
    county_run.refresh_from_db()
    assert county_run.status == RunStatus.PREPARED and county_run.approved_by is None
    run = run_job(services.payrun_approve, run=county_run, by=county_approver)
    assert run.status == RunStatus.APPROVED and run.approved_by == county_approver


def test_the_confirmer_of_a_township_run_may_not_approve_it(run_job, clerk_a, county_user, county_approver, village_a):
    cadre(village_a)
    run = run_job(services.payrun_create, by=clerk_a, kind="base_monthly", period_code="2025-03")
    run = services.payrun_prepare(run=run, by=county_user)  # the county confirmed for the township
    with pytest.raises(PermissionDenied) as exc:
        services.payrun_approve(run=run, by=county_user)
    assert str(exc.value) == CONFIRMED
    assert run_job(services.payrun_approve, run=run, by=county_approver).status == RunStatus.APPROVED


def test_the_yearly_switch_turned_off_lets_one_account_approve_its_own_run(county_run, county_user, run_job):
    data = default_profile_data()
    data["subsidies"]["approval"] = {"separate_approver": False}
    PolicyProfile.objects.create(year=2025, title="测试", data=data)
    assert can(county_user, "subsidies.approve_payrun", county_run)
    assert run_job(services.payrun_approve, run=county_run, by=county_user).status == RunStatus.APPROVED


def test_the_switch_is_on_by_default_and_editable_in_the_policy_section():
    from core.policy import section_defaults
    from subsidies.policy_section import separate_approver

    assert section_defaults("subsidies")["approval"] == {"separate_approver": True}
    assert separate_approver(2025) is True


def test_page_hides_the_approve_button_says_why_and_refuses_the_post(client, county_run, county_user):
    client.force_login(county_user)
    page = client.get(reverse("subsidies:run_detail", args=[county_run.pk]))
    html = page.content.decode()
    assert page.context["can_approve"] is False and page.context["can_return"] is True
    assert CREATED in html and "县级审批并入账" not in html
    response = client.post(reverse("subsidies:run_action", args=[county_run.pk, "approve"]), {"confirmed": "yes"})
    assert response.status_code == 403 and CREATED in response.content.decode()
    county_run.refresh_from_db()
    assert county_run.status == RunStatus.PREPARED


def test_api_refuses_with_the_same_message(county_run, county_user, county_approver):
    api = APIClient()
    api.force_authenticate(county_user)
    response = api.post(f"/api/v1/ledger/runs/{county_run.pk}/approve/")
    assert response.status_code == 403 and response.json()["detail"] == CREATED
    county_run.refresh_from_db()
    assert county_run.status == RunStatus.PREPARED
    api.force_authenticate(county_approver)
    assert api.post(f"/api/v1/ledger/runs/{county_run.pk}/approve/").json()["status"] == RunStatus.POSTING


def test_admin_action_confirms_first_and_refuses_the_creator(client, county_run, admin_user, county_approver):
    county_run.created_by = admin_user  # the administrator created it: may not approve it
    county_run.save(update_fields=["created_by"])
    client.force_login(admin_user)
    url = reverse("admin:subsidies_payrun_changelist")
    data = {"action": "approve_selected", "_selected_action": [county_run.pk]}
    confirm = client.post(url, data)
    assert confirm.status_code == 200 and "确认审批并入账" in confirm.content.decode()
    county_run.refresh_from_db()
    assert county_run.status == RunStatus.PREPARED
    response = client.post(url, {**data, "confirmed": "yes"}, follow=True)
    assert CREATED in response.content.decode()
    county_run.refresh_from_db()
    assert county_run.status == RunStatus.PREPARED and LedgerEntry.objects.count() == 0


def test_admin_action_approves_for_another_user(client, county_run, admin_user, django_capture_on_commit_callbacks):
    client.force_login(admin_user)
    url = reverse("admin:subsidies_payrun_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"action": "approve_selected", "_selected_action": [county_run.pk], "confirmed": "yes"}, follow=True
        )
    assert "已审批1个批次" in response.content.decode()
    county_run.refresh_from_db()
    assert county_run.status == RunStatus.APPROVED and county_run.approved_by == admin_user
