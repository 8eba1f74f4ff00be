"""Login lockout per account *and* address, and the admins' 登录锁定 page (issue #14)."""

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import DELETION, LogEntry
from django.urls import reverse

from cadres import choices

from ..factories import UserFactory

PASSWORD = "pw-touyan-123"
IP1, IP2 = "10.1.1.1", "10.2.2.2"
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = 3


@pytest.fixture
def sysadmin(db):
    """A 系统管理员 who is not a superuser: the role's group carries axes' delete_accessattempt."""
    return UserFactory(username="sysadmin_t", role=choices.Role.ADMIN)


def token(client, username, password, ip):
    return client.post(TOKEN_URL, {"username": username, "password": password}, content_type="application/json", REMOTE_ADDR=ip)


def login(client, username, password, ip):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_token_failures_from_one_address_lock_the_account_only_there(client, admin_user):
    # The third failure reaches the limit and is already answered with the lockout.
    assert [token(client, "admin_t", "wrong", IP1).status_code for _ in range(3)] == [400, 400, 429]

    locked = token(client, "admin_t", PASSWORD, IP1)
    elsewhere = token(client, "admin_t", PASSWORD, IP2)

    assert locked.status_code == 429
    assert "锁定" in locked.json()["detail"]
    assert elsewhere.status_code == 200
    assert len(elsewhere.json()["token"]) == 40


def test_login_page_failures_from_one_address_lock_the_account_only_there(client, county_user):
    assert [login(client, "county_t", "wrong", IP1).status_code for _ in range(3)] == [200, 200, 429]

    locked = login(client, "county_t", PASSWORD, IP1)
    assert locked.status_code == 429
    assert "账户已锁定" in locked.content.decode()
    assert login(client, "county_t", PASSWORD, IP2).status_code == 302


def test_failures_on_the_login_page_and_the_token_endpoint_add_up_per_address(client, county_user):
    assert login(client, "county_t", "wrong", IP1).status_code == 200
    assert token(client, "county_t", "wrong", IP2).status_code == 400  # another address: counted apart
    assert token(client, "county_t", "wrong", IP1).status_code == 400

    assert token(client, "county_t", "wrong", IP1).status_code == 429  # third failure from IP1
    assert login(client, "county_t", PASSWORD, IP1).status_code == 429
    assert token(client, "county_t", PASSWORD, IP2).status_code == 200


def test_admin_sees_the_lockouts_and_releases_one(client, sysadmin, county_user, clerk_a):
    for _ in range(3):
        login(client, "county_t", "wrong", IP1)
        login(client, "clerk_a", "wrong", IP2)
    login(client, "clerk_a", "wrong", IP1)  # one failure only: no lockout
    client.force_login(sysadmin)

    page = client.get(reverse("lockouts:list"))

    assert page.status_code == 200
    assert [(lock.username, lock.ip_address, lock.failures) for lock in page.context["lockouts"]] == [
        ("clerk_a", IP2, 3),
        ("county_t", IP1, 3),
    ]
    body = page.content.decode()
    assert "解除锁定" in body
    assert 'data-confirm="确定解除账户“county_t”在地址 10.1.1.1 上的登录锁定？"' in body
    assert reverse("lockouts:list") in body  # the navigation links the page for admins

    response = client.post(reverse("lockouts:release"), {"username": "county_t", "ip_address": IP1}, follow=True)

    assert "已解除账户“county_t”在地址 10.1.1.1 上的登录锁定。" in response.content.decode()
    assert [(lock.username, lock.ip_address) for lock in response.context["lockouts"]] == [("clerk_a", IP2)]
    assert not AccessAttempt.objects.filter(username="county_t").exists()
    assert AccessAttempt.objects.filter(username="clerk_a").count() == 2
    entry = LogEntry.objects.get()
    assert (entry.user, entry.action_flag, entry.object_repr) == (sysadmin, DELETION, "county_t @ 10.1.1.1")
    assert entry.change_message == "解除登录锁定：账户 county_t，地址 10.1.1.1"
    client.logout()
    assert login(client, "county_t", PASSWORD, IP1).status_code == 302


def test_releasing_a_lockout_that_is_gone_says_so_and_changes_nothing(client, sysadmin, county_user):
    for _ in range(3):
        login(client, "county_t", "wrong", IP1)
    client.force_login(sysadmin)

    response = client.post(reverse("lockouts:release"), {"username": "county_t", "ip_address": IP2}, follow=True)

    assert "账户“county_t”在地址 10.2.2.2 上没有登录锁定" in response.content.decode()
    assert AccessAttempt.objects.get(username="county_t").failures_since_start == 3
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize("persona", ["county_user", "clerk_a", "auditor"])
def test_only_admins_open_or_use_the_lockout_page(client, request, persona, admin_user):
    for _ in range(3):
        login(client, "admin_t", "wrong", IP1)
    user = request.getfixturevalue(persona)
    client.force_login(user)

    assert client.get(reverse("lockouts:list")).status_code == 403
    assert client.post(reverse("lockouts:release"), {"username": "admin_t", "ip_address": IP1}).status_code == 403
    assert AccessAttempt.objects.get(username="admin_t").failures_since_start == 3
    assert reverse("lockouts:list") not in client.get(reverse("home")).content.decode()


def test_anonymous_visitors_are_sent_to_the_login_page(client, db):
    response = client.get(reverse("lockouts:list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_lockouts_older_than_the_cool_off_are_not_listed(client, settings, county_user):
    import datetime

    from core.lockouts import lockout_list

    for _ in range(3):
        login(client, "county_t", "wrong", IP1)
    last = AccessAttempt.objects.get().attempt_time

    assert [lock.username for lock in lockout_list(now=last + settings.AXES_COOLOFF_TIME - datetime.timedelta(seconds=1))] == [
        "county_t"
    ]
    assert lockout_list(now=last + settings.AXES_COOLOFF_TIME) == []
