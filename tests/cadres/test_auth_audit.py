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
    """The whole post-migrate sync (roles, then the apps' own groups such as 财务) changes nothing
    when run again."""
    from django.core.management.sql import emit_post_migrate_signal

    def snapshot():
        return {g.name: set(g.permissions.values_list("content_type__app_label", "codename")) for g in Group.objects.all()}

    before = snapshot()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert snapshot() == before
    assert ("axes", "view_accesslog") in before["系统管理员"]


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


def test_logout_is_logged_with_the_logout_time(client, county_user):
    response = client.post(reverse("login"), {"username": "county_t", "password": "pw-touyan-123"})
    assert response.status_code == 302
    log = AccessLog.objects.get(username="county_t")
    assert log.logout_time is None
    client.post(reverse("logout"))
    log.refresh_from_db()
    assert log.logout_time is not None
    assert log.logout_time >= log.attempt_time


def test_admin_role_user_who_is_not_a_superuser_opens_the_login_logs(client, clerk_a):
    from cadres.models import User

    _login(client, "clerk_a", "wrong")  # one failure to show
    staff = User.objects.create_user("sysadmin", password="pw-touyan-123")
    services.user_set_role(user=staff, role=choices.Role.ADMIN)
    assert not staff.is_superuser and staff.is_staff
    assert _login(client, "sysadmin", "pw-touyan-123").status_code == 302
    page = client.get("/admin/axes/accesslog/")
    assert page.status_code == 200
    assert "sysadmin" in page.content.decode()
    page = client.get("/admin/axes/accessfailurelog/")
    assert page.status_code == 200
    assert "clerk_a" in page.content.decode()
    assert client.get("/admin/axes/accessattempt/").status_code == 200


def test_login_log_permissions_per_role(db):
    def codes(group):
        return set(
            Group.objects.get(name=group).permissions.filter(content_type__app_label="axes").values_list("codename", flat=True)
        )

    assert codes("系统管理员") == {"view_accesslog", "view_accessfailurelog", "view_accessattempt", "delete_accessattempt"}
    assert codes("审计只读") == {"view_accesslog", "view_accessfailurelog", "view_accessattempt"}
    assert codes("县委组织部") == set()
    assert codes("乡镇组织委员") == set()


def test_history_is_shown_only_with_the_view_history_permission(client, county_user, village_a):
    from cadres.models import User

    from ..factories import AppointmentFactory

    appt = AppointmentFactory(village=village_a)
    services.person_update(person=appt.person, by=county_user, native_place="长沙")
    plain = User.objects.create_user("plain", password="pw-touyan-123", role=choices.Role.COUNTY)
    from django.contrib.auth.models import Permission

    plain.user_permissions.add(*Permission.objects.filter(codename__in=["view_person", "view_village"]))
    client.force_login(plain)
    history_url = reverse("cadres:person_history", args=[appt.person.pk])
    page = client.get(reverse("cadres:person_detail", args=[appt.person.pk]))
    assert "变更记录" not in page.content.decode() and history_url not in page.content.decode()
    assert client.get(history_url).status_code == 403
    assert client.get(history_url, HTTP_HX_REQUEST="true").status_code == 403
    assert client.get(reverse("cadres:village_detail", args=[village_a.pk])).context["history"] == []
    client.force_login(county_user)
    page = client.get(reverse("cadres:person_detail", args=[appt.person.pk]))
    assert "变更记录" in page.content.decode() and f'hx-get="{history_url}"' in page.content.decode()
    section = client.get(history_url, HTTP_HX_REQUEST="true")  # what the page loads into the section
    assert [e["action"] for e in section.context["entries"]] == ["修改", "新增", "新增"]
    assert "<html" not in section.content.decode() and "长沙" in section.content.decode()
    full = client.get(history_url)  # opened on its own: a page with the person's name
    assert "<html" in full.content.decode() and f"{appt.person.name} · 变更记录" in full.content.decode()


def test_roles_sync_alone_keeps_restricted_permissions_from_county_staff(db):
    """County staff and admins get every domain permission except those an app keeps for its own
    group: the full bank card numbers are for 财务 only, even after roles_sync runs by itself."""
    from core.roles import ROLE_GROUPS, roles_sync

    roles_sync()
    for role in (choices.Role.COUNTY, choices.Role.ADMIN):
        codenames = set(Group.objects.get(name=ROLE_GROUPS[role]).permissions.values_list("codename", flat=True))
        assert "view_bank_account" not in codenames
        assert {"view_ledgerentry", "add_person", "view_personal_data"} <= codenames
