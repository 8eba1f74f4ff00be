"""系统管理 → 用户管理: who may open it, creating a clerk, roles, password reset, disable/enable,
history of every write, and the list's query count."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.authtoken.models import Token

from cadres import choices
from cadres.models import User
from cadres.services import accounts

from ..factories import UserFactory

PASSWORD = "pw-touyan-123"
TEMP = "Linshi#2026mima"


@pytest.fixture
def sysadmin(db):
    """The 系统管理员 role without being a superuser."""
    return UserFactory(username="sysadmin", role=choices.Role.ADMIN, is_staff=True)


@pytest.mark.parametrize("persona", ["county_user", "clerk_a", "auditor"])
@pytest.mark.parametrize(
    "url",
    [
        lambda u: reverse("cadres:user_list"),
        lambda u: reverse("cadres:user_create"),
        lambda u: reverse("cadres:user_update", args=[u.pk]),
        lambda u: reverse("cadres:user_password_reset", args=[u.pk]),
    ],
)
def test_only_system_administrators_open_user_management(client, request, persona, url, clerk_b):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.get(url(clerk_b))
    html = response.content.decode()
    if persona == "clerk_a" and str(clerk_b.pk) in url(clerk_b).split("/"):
        # Another township's account looks missing to a clerk (404 before any 403).
        assert response.status_code == 404
        return
    assert response.status_code == 403
    assert "只有系统管理员可以管理用户。" in html
    assert "返回首页" in html  # the app's own 403 page


def test_clerk_cannot_disable_a_user_by_posting(client, clerk_a, clerk_b):
    client.force_login(clerk_a)
    response = client.post(reverse("cadres:user_active", args=[clerk_b.pk]), {"active": "0"})
    assert response.status_code == 404  # another township's account looks missing to a clerk
    clerk_b.refresh_from_db()
    assert clerk_b.is_active


def test_admin_lists_and_searches_users(client, sysadmin, clerk_a, clerk_b, county_user):
    client.force_login(sysadmin)
    response = client.get(reverse("cadres:user_list"))
    assert response.status_code == 200
    names = {u.username for u in response.context["rows"]}
    assert {"sysadmin", "clerk_a", "clerk_b", "county_t"} <= names
    response = client.get(reverse("cadres:user_list"), {"q": "clerk", "township": clerk_b.township_id})
    assert [u.username for u in response.context["rows"]] == ["clerk_b"]
    html = response.content.decode()
    assert "乙镇" in html and "乡镇组织委员" in html


@pytest.mark.parametrize("rows", [1, 40])
def test_user_list_has_a_constant_query_count(client, sysadmin, township_a, django_assert_num_queries, rows):
    for i in range(rows):
        UserFactory(username=f"clerk{i:03d}", role=choices.Role.CLERK, township=township_a)
    client.force_login(sysadmin)
    # session, user, COUNT, 2× permissions (navigation), township options of the filter,
    # users page (+township) = 7
    with django_assert_num_queries(7):
        response = client.get(reverse("cadres:user_list"))
    assert response.status_code == 200
    assert len(response.context["rows"]) == rows + 1


def test_user_selector_keeps_a_clerk_to_the_own_township(clerk_a, clerk_b, county_user):
    from cadres import selectors

    assert list(selectors.user_list(user=clerk_a)) == [clerk_a]
    assert clerk_b in selectors.user_list(user=county_user)


def test_admin_creates_a_clerk_for_a_township_who_must_change_the_password(client, sysadmin, township_a):
    client.force_login(sysadmin)
    response = client.post(
        reverse("cadres:user_create"),
        {
            "username": "clerk_new",
            "full_name": "李文书",
            "phone": "13800001111",
            "role": choices.Role.CLERK,
            "township": township_a.pk,
            "password1": TEMP,
            "password2": TEMP,
        },
    )
    user = User.objects.get(username="clerk_new")
    assert response.status_code == 302
    assert response.url == reverse("cadres:user_update", args=[user.pk])
    assert (user.role, user.township, user.must_change_password, user.full_name) == (
        choices.Role.CLERK,
        township_a,
        True,
        "李文书",
    )
    assert user.check_password(TEMP)
    assert list(user.groups.values_list("name", flat=True)) == ["乡镇组织委员"]
    history = user.history.order_by("history_id")
    assert [h.history_user for h in history] == [sysadmin, sysadmin]
    assert history[0].history_change_reason == "新建用户"

    # the new clerk logs in and is sent to 修改密码 until a new password is set
    client.logout()
    assert client.post(reverse("login"), {"username": "clerk_new", "password": TEMP}).status_code == 302
    response = client.get(reverse("cadres:person_list"))
    assert response.status_code == 302 and response.url == reverse("system:password_change")
    response = client.post(
        reverse("system:password_change"),
        {"old_password": TEMP, "new_password1": "Xin-mima-2026!", "new_password2": "Xin-mima-2026!"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password("Xin-mima-2026!")
    assert client.get(reverse("cadres:person_list")).status_code == 200


def test_creating_a_clerk_without_township_or_with_a_weak_password_writes_nothing(client, sysadmin):
    client.force_login(sysadmin)
    before = User.objects.count()
    response = client.post(
        reverse("cadres:user_create"),
        {"username": "clerk_x", "role": choices.Role.CLERK, "password1": "12345678", "password2": "12345678"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["township"] == ["乡镇组织委员必须指定所属乡镇。"]
    assert User.objects.count() == before
    response = client.post(
        reverse("cadres:user_create"),
        {"username": "county_x", "role": choices.Role.COUNTY, "password1": "12345678", "password2": "12345678"},
    )
    errors = " ".join(response.context["form"].errors["password1"])
    assert "这个密码太常见了。" in errors and "密码只包含数字。" in errors
    assert User.objects.count() == before


def test_duplicate_user_name_is_refused_in_chinese(client, sysadmin, clerk_a):
    client.force_login(sysadmin)
    response = client.post(
        reverse("cadres:user_create"),
        {"username": "clerk_a", "role": choices.Role.COUNTY, "password1": TEMP, "password2": TEMP},
    )
    assert response.status_code == 200
    assert "已存在一位使用该名字的用户。" in " ".join(response.context["form"].errors["username"])


def test_admin_assigns_a_role_and_the_history_shows_old_and_new(client, sysadmin, clerk_a):
    client.force_login(sysadmin)
    response = client.post(
        reverse("cadres:user_update", args=[clerk_a.pk]),
        {"full_name": clerk_a.full_name, "phone": "", "role": choices.Role.AUDITOR, "township": clerk_a.township_id},
    )
    assert response.status_code == 302
    clerk_a.refresh_from_db()
    assert (clerk_a.role, clerk_a.township) == (choices.Role.AUDITOR, None)
    assert list(clerk_a.groups.values_list("name", flat=True)) == ["审计只读"]
    page = client.get(reverse("cadres:user_update", args=[clerk_a.pk]))
    entry = page.context["history"][0]
    assert entry.user == sysadmin
    assert ("角色", "乡镇组织委员", "审计只读") in entry.changes
    assert ("所属乡镇", "甲镇", "（空）") in entry.changes


def test_admin_cannot_change_the_own_role_or_disable_or_reset_the_own_account(sysadmin):
    with pytest.raises(ValidationError) as exc:
        accounts.user_update(by=sysadmin, user=sysadmin, role=choices.Role.COUNTY)
    assert "不能修改自己的角色" in str(exc.value)
    with pytest.raises(ValidationError):
        accounts.user_set_active(by=sysadmin, user=sysadmin, active=False)
    with pytest.raises(ValidationError):
        accounts.user_password_reset(by=sysadmin, user=sysadmin, password=TEMP)
    sysadmin.refresh_from_db()
    assert sysadmin.role == choices.Role.ADMIN and sysadmin.is_active


def test_only_a_superuser_changes_a_superuser(sysadmin, admin_user):
    with pytest.raises(PermissionDenied):
        accounts.user_password_reset(by=sysadmin, user=admin_user, password=TEMP)
    accounts.user_password_reset(by=admin_user, user=sysadmin, password=TEMP)


def test_services_refuse_non_admins(county_user, clerk_a):
    with pytest.raises(PermissionDenied):
        accounts.user_set_active(by=county_user, user=clerk_a, active=False)
    with pytest.raises(PermissionDenied):
        accounts.user_create(by=clerk_a, username="x", role=choices.Role.CLERK, password=TEMP, township=clerk_a.township)


def test_password_reset_ends_sessions_and_tokens_and_forces_a_change(client, sysadmin, clerk_a):
    from django.test import Client

    clerk_client = Client()
    clerk_client.force_login(clerk_a)
    Token.objects.create(user=clerk_a)
    client.force_login(sysadmin)
    response = client.post(reverse("cadres:user_password_reset", args=[clerk_a.pk]), {"password1": TEMP, "password2": TEMP})
    assert response.status_code == 302
    clerk_a.refresh_from_db()
    assert clerk_a.check_password(TEMP) and clerk_a.must_change_password
    assert not Token.objects.filter(user=clerk_a).exists()
    # the clerk's open session is gone (the session hash follows the password)
    assert clerk_client.get(reverse("cadres:person_list")).status_code == 302
    last = clerk_a.history.latest("history_id")
    assert (last.history_user, last.history_change_reason) == (sysadmin, "管理员重置密码")
    assert "password" not in {f.name for f in type(last)._meta.fields}  # the hash is never kept in history


def test_password_reset_mismatch_is_refused(client, sysadmin, clerk_a):
    client.force_login(sysadmin)
    response = client.post(reverse("cadres:user_password_reset", args=[clerk_a.pk]), {"password1": TEMP, "password2": TEMP + "x"})
    assert response.status_code == 200
    assert response.context["form"].errors["password2"] == ["两次输入的密码不一致。"]
    clerk_a.refresh_from_db()
    assert clerk_a.check_password(PASSWORD) and not clerk_a.must_change_password


def test_disable_and_enable_an_account(client, sysadmin, clerk_a):
    from django.test import Client

    clerk_client = Client()
    clerk_client.force_login(clerk_a)
    client.force_login(sysadmin)
    response = client.post(reverse("cadres:user_active", args=[clerk_a.pk]), {"active": "0"})
    assert response.status_code == 302
    clerk_a.refresh_from_db()
    assert not clerk_a.is_active
    assert clerk_client.get(reverse("cadres:person_list")).status_code == 302  # logged out
    assert Client().post(reverse("login"), {"username": "clerk_a", "password": PASSWORD}).status_code == 200
    client.post(reverse("cadres:user_active", args=[clerk_a.pk]), {"active": "1"})
    clerk_a.refresh_from_db()
    assert clerk_a.is_active
    reasons = list(clerk_a.history.order_by("history_id").values_list("history_change_reason", flat=True))
    assert reasons[-2:] == ["停用账户", "启用账户"]


def test_login_does_not_add_a_history_row(client, clerk_a):
    before = clerk_a.history.count()
    client.post(reverse("login"), {"username": "clerk_a", "password": PASSWORD})
    clerk_a.refresh_from_db()
    assert clerk_a.last_login is not None
    assert clerk_a.history.count() == before


def test_every_user_changes_the_own_password_with_chinese_validator_messages(client, clerk_a):
    client.force_login(clerk_a)
    response = client.get(reverse("system:password_change"))
    assert response.status_code == 200
    response = client.post(
        reverse("system:password_change"), {"old_password": "wrong", "new_password1": "abc", "new_password2": "abc"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "你的旧密码不正确。请重新输入。" in errors["old_password"]
    response = client.post(
        reverse("system:password_change"),
        {"old_password": PASSWORD, "new_password1": "abc", "new_password2": "abc"},
    )
    assert "密码太短，至少需要 8 个字符。" in response.context["form"].errors["new_password2"]
    clerk_a.refresh_from_db()
    assert clerk_a.check_password(PASSWORD)
    response = client.post(
        reverse("system:password_change"),
        {"old_password": PASSWORD, "new_password1": "Xin-mima-2026!", "new_password2": "Xin-mima-2026!"},
    )
    assert response.status_code == 302
    clerk_a.refresh_from_db()
    assert clerk_a.check_password("Xin-mima-2026!")
    assert client.get(reverse("cadres:person_list")).status_code == 200  # still logged in here


def test_navigation_shows_system_management_by_role(client, sysadmin, clerk_a):
    client.force_login(clerk_a)
    html = client.get(reverse("home")).content.decode()
    assert "修改密码" in html and "数据字典" in html
    assert "用户管理" not in html and "操作日志" not in html and "登录日志" not in html
    client.force_login(sysadmin)
    html = client.get(reverse("home")).content.decode()
    assert "用户管理" in html and "操作日志" in html and "登录日志" in html


def test_role_groups_exist_for_created_users(db):
    assert Group.objects.filter(name="乡镇组织委员").exists()
