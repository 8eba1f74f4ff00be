"""Roles, login audit and lockout (django-axes)."""

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth.models import Group
from django.urls import reverse

from cadres import choices, services


def test_four_role_groups_are_seeded_with_permissions(db):
    names = set(Group.objects.values_list("name", flat=True))
    assert {"县委组织部", "乡镇组织委员", "审计只读", "系统管理员"} <= names
    clerk = Group.objects.get(name="乡镇组织委员")
    codes = set(clerk.permissions.values_list("codename", flat=True))
    assert "approve_appointment" in codes
    assert "file_appointment" not in codes
    assert "record_vetting" not in codes
    auditor = set(Group.objects.get(name="审计只读").permissions.values_list("codename", flat=True))
    assert all(c.startswith("view_") for c in auditor)


def test_roles_sync_is_idempotent(db):
    before = {g.name: g.permissions.count() for g in Group.objects.all()}
    services.roles_sync()
    assert {g.name: g.permissions.count() for g in Group.objects.all()} == before


def test_user_set_role_moves_groups_and_requires_township_for_clerks(county_user, township_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.user_set_role(user=county_user, role=choices.Role.CLERK, township=None)
    services.user_set_role(user=county_user, role=choices.Role.CLERK, township=township_a)
    county_user.refresh_from_db()
    assert list(county_user.groups.values_list("name", flat=True)) == ["乡镇组织委员"]
    assert county_user.township == township_a


def _login(client, username, password):
    return client.post(reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"})


def test_login_and_logout_are_logged_and_failures_lock_the_account(client, settings, admin_user):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        _login(client, "admin_t", "wrong")
    assert AccessAttempt.objects.get(username="admin_t").failures_since_start == 3
    response = _login(client, "admin_t", "pw-touyan-123")
    assert response.status_code == 429  # locked even with the right password
    assert not AccessLog.objects.filter(username="admin_t").exists()


def test_successful_login_is_logged_and_visible_to_admins(client, admin_user):
    response = _login(client, "admin_t", "pw-touyan-123")
    assert response.status_code == 302
    assert AccessLog.objects.filter(username="admin_t").count() == 1
    page = client.get("/admin/axes/accesslog/")
    assert page.status_code == 200
    assert "admin_t" in page.content.decode()
    page = client.get("/admin/axes/accessfailurelog/")
    assert page.status_code == 200
