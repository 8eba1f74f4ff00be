"""系统管理 → 操作日志 and 登录日志: admins only, filters, old → new, bounded queries, xlsx export,
logins/logouts/failures (web, admin and the API token) and the lockouts with 解锁."""

import datetime
import io

import openpyxl
import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from cadres import choices, services
from cadres.models import Township, User
from core.models import LoginEvent
from core.oplog import operation_entries, operation_index

from ..factories import PersonFactory, UserFactory, VillageFactory

PASSWORD = "pw-touyan-123"


@pytest.fixture
def sysadmin(db):
    return UserFactory(username="sysadmin", full_name="王管理", role=choices.Role.ADMIN, is_staff=True)


@pytest.mark.parametrize("persona", ["county_user", "clerk_a", "auditor"])
@pytest.mark.parametrize(
    "url_name",
    ["system:operation_log", "system:operation_log_export", "system:login_log", "system:login_log_export"],
)
def test_logs_are_for_system_administrators_only(client, request, persona, url_name):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse(url_name))
    assert response.status_code == 403
    assert "只有系统管理员可以查看操作日志和登录日志。" in response.content.decode()


def test_anonymous_visitors_are_sent_to_login(client):
    for name in ("system:operation_log", "system:login_log", "system:dictionary", "system:password_change", "system:search"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


# ---------------------------------------------------------------------------------------------
# 操作日志
# ---------------------------------------------------------------------------------------------


def test_operation_log_shows_who_when_which_record_and_old_to_new(client, sysadmin, county_user, clerk_a, village_a):
    person = services.person_create(
        by=clerk_a,
        id_number=PersonFactory.build().id_number,
        name="周建华",
        ethnicity="汉族",
        political_status=choices.PoliticalStatus.MASSES,
        registered_township=village_a.township,
    )
    services.person_update(person=person, by=county_user, native_place="长沙")
    client.force_login(sysadmin)
    response = client.get(reverse("system:operation_log"), {"record_type": "cadres.person"})
    assert response.status_code == 200
    entries = response.context["entries"]
    assert [(e.action, e.user, e.record) for e in entries] == [("修改", county_user, "周建华"), ("新增", clerk_a, "周建华")]
    assert ("籍贯", "（空）", "长沙") in entries[0].changes
    html = response.content.decode()
    assert "村干部名册 · 人员" in html and "长沙" in html

    # filter by user (name or user name) and by date
    response = client.get(reverse("system:operation_log"), {"user": "clerk_a", "record_type": "cadres.person"})
    assert [e.action for e in response.context["entries"]] == ["新增"]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.get(reverse("system:operation_log"), {"date_from": tomorrow.isoformat()})
    assert response.context["entries"] == []
    response = client.get(reverse("system:operation_log"), {"action": "~", "record_type": "cadres.person"})
    assert [e.user for e in response.context["entries"]] == [county_user]


def test_foreign_keys_show_names_not_numbers(sysadmin, township_a, township_b):
    village = VillageFactory(township=township_a, name="改名村")
    village._history_user = sysadmin
    village.township = township_b
    village.save()
    entry = operation_entries(list(operation_index(record_type="cadres.village")[:1]))[0]
    assert ("乡镇(街道)", "甲镇", "乙镇") in entry.changes
    assert entry.record == "改名村"


def test_a_bad_date_range_is_refused_in_chinese(client, sysadmin):
    client.force_login(sysadmin)
    response = client.get(reverse("system:operation_log"), {"date_from": "2026-03-02", "date_to": "2026-03-01"})
    assert response.status_code == 200
    assert response.context["entries"] == []
    assert "结束日期不能早于开始日期。" in response.content.decode()


@pytest.mark.parametrize("rows", [2, 30])
def test_operation_log_page_has_a_bounded_query_count(client, sysadmin, county_user, township_a, django_assert_num_queries, rows):
    for i in range(rows):
        person = PersonFactory(registered_township=township_a)
        services.person_update(person=person, by=county_user, native_place=f"籍贯{i}")
        village = VillageFactory(township=township_a)
        village._history_user = county_user
        village.population = 100 + i
        village.save()
    # only the people and villages on the page (not the fixtures' townships and users)
    Township.history.all().delete()
    User.history.all().delete()
    client.force_login(sysadmin)
    # session, user, 2× permissions (navigation), COUNT over the union, the page of the union;
    # people: their history rows, the rows before them; villages: the same (2); related objects:
    # townships (people's registered township and villages' township, 1 query); users (1) = 12
    with django_assert_num_queries(12):
        response = client.get(reverse("system:operation_log"), {"record_type": ""})
    assert response.status_code == 200
    assert len(response.context["entries"]) == min(50, 4 * rows)


def test_operation_log_exports_xlsx_with_the_filters_and_is_logged(client, sysadmin, county_user, township_a):
    from cadres.models import ExportLog

    person = PersonFactory(registered_township=township_a, name="导出人")
    services.person_update(person=person, by=county_user, native_place="湘潭")
    client.force_login(sysadmin)
    response = client.get(reverse("system:operation_log_export"), {"record_type": "cadres.person", "action": "~"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header = values.index(["时间", "操作人", "操作", "记录类型", "记录", "变更内容（原值 → 新值）"])
    data = values[header + 1 :]
    assert len(data) == 1
    assert data[0][1:5] == [f"{county_user.full_name}（county_t）", "修改", "村干部名册 · 人员", "导出人"]
    assert "籍贯：（空） → 湘潭" in data[0][5]
    log = ExportLog.objects.get(what="操作日志")
    assert (log.user, log.rows) == (sysadmin, 1)


# ---------------------------------------------------------------------------------------------
# 登录日志
# ---------------------------------------------------------------------------------------------


def test_logins_logouts_and_failures_are_logged(client, clerk_a):
    client.post(reverse("login"), {"username": "clerk_a", "password": "wrong"}, REMOTE_ADDR="10.1.2.3")
    client.post(reverse("login"), {"username": "nobody", "password": "wrong"}, REMOTE_ADDR="10.1.2.3")
    client.post(
        reverse("login"), {"username": "clerk_a", "password": PASSWORD}, REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="Chromium"
    )
    client.post(reverse("logout"), REMOTE_ADDR="10.1.2.3")
    events = list(LoginEvent.objects.order_by("id").values_list("kind", "username", "user_id", "ip_address", "channel"))
    assert events == [
        ("failed", "clerk_a", clerk_a.pk, "10.1.2.3", "web"),
        ("failed", "nobody", None, "10.1.2.3", "web"),
        ("login", "clerk_a", clerk_a.pk, "10.1.2.3", "web"),
        ("logout", "clerk_a", clerk_a.pk, "10.1.2.3", "web"),
    ]
    assert LoginEvent.objects.get(kind="login").user_agent == "Chromium"


def test_token_endpoint_failures_and_successes_are_logged(client, clerk_a):
    assert client.post(reverse("api_token"), {"username": "clerk_a", "password": "wrong"}).status_code == 400
    assert client.post(reverse("api_token"), {"username": "clerk_a", "password": PASSWORD}).status_code == 200
    assert list(LoginEvent.objects.order_by("id").values_list("kind", "channel")) == [("failed", "api"), ("login", "api")]


def test_admin_login_failures_are_logged_as_admin(client, clerk_a):
    client.post(reverse("admin:login"), {"username": "clerk_a", "password": "wrong", "next": "/admin/"})
    assert LoginEvent.objects.get().channel == "admin"


def test_login_log_page_filters_and_shows_the_lockouts_with_release(client, settings, sysadmin, clerk_a):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(3):
        client.post(reverse("login"), {"username": "clerk_a", "password": "wrong"}, REMOTE_ADDR="10.9.9.9")
    assert LoginEvent.objects.filter(kind="locked", username="clerk_a").exists()
    client.force_login(sysadmin)
    response = client.get(reverse("system:login_log"), {"kind": "failed", "username": "clerk"})
    assert response.status_code == 200
    assert {e.kind for e in response.context["rows"]} == {"failed"}
    assert len(response.context["rows"]) == 3
    assert [(lock.username, lock.ip_address) for lock in response.context["lockouts"]] == [("clerk_a", "10.9.9.9")]
    html = response.content.decode()
    assert "解锁" in html and "当前登录锁定" in html
    back = reverse("system:login_log")
    response = client.post(reverse("lockouts:release"), {"username": "clerk_a", "ip_address": "10.9.9.9", "next": back})
    assert response.status_code == 302 and response.url == back
    assert not AccessAttempt.objects.filter(username="clerk_a").exists()
    # an outside address is not followed
    response = client.post(
        reverse("lockouts:release"), {"username": "x", "ip_address": "10.0.0.1", "next": "https://example.com/"}
    )
    assert response.url == reverse("lockouts:list")


@pytest.mark.parametrize("rows", [1, 60])
def test_login_log_page_has_a_constant_query_count(client, sysadmin, clerk_a, django_assert_num_queries, rows):
    for _ in range(rows):
        client.post(reverse("login"), {"username": "clerk_a", "password": "wrong"})
    AccessAttempt.objects.all().delete()
    client.force_login(sysadmin)
    # session, user, 2× permissions (navigation and the release button), COUNT, events page (+user),
    # current lockouts = 7
    with django_assert_num_queries(7):
        response = client.get(reverse("system:login_log"))
    assert response.status_code == 200
    assert len(response.context["rows"]) == min(50, rows + 1)  # + the admin's own login


def test_login_log_exports_xlsx(client, sysadmin, clerk_a):
    client.post(reverse("login"), {"username": "clerk_a", "password": "wrong"}, REMOTE_ADDR="10.1.1.1")
    client.force_login(sysadmin)
    response = client.get(reverse("system:login_log_export"), {"kind": "failed"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert ["clerk_a", f"{clerk_a.full_name}（clerk_a）", "登录失败", "网页", "10.1.1.1"] == rows[-1][1:6]
