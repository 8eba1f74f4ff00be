"""Users see the app's Chinese error pages, never Django's English ones; the API keeps JSON (issue #14)."""

import pytest
from django.test import Client
from django.urls import reverse

from .factories import AppointmentFactory

ENGLISH = ("Page not found", "URLconf", "Server Error", "Forbidden", "Traceback", "Bad Request", "CSRF verification", "Django")


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False


def assert_chinese_page(response, status: int, heading: str) -> str:
    body = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert heading in body
    for word in ENGLISH:
        assert word not in body, word
    return body


def test_clerk_opening_another_townships_person_gets_the_chinese_404(client, clerk_a, village_b):
    person = AppointmentFactory(village=village_b).person
    client.force_login(clerk_a)

    response = client.get(reverse("cadres:person_detail", args=[person.pk]))

    body = assert_chinese_page(response, 404, "未找到该页面或记录")
    assert person.name not in body
    assert "int:pk" not in body  # no list of the site's URL patterns
    assert "甲镇" in body  # the page is the app's, with the clerk's navigation and scope


def test_unknown_address_answers_the_chinese_404_also_to_anonymous_visitors(client, db):
    assert_chinese_page(client.get("/no-such-page/"), 404, "未找到该页面或记录")


@pytest.mark.urls("tests.error_urls")
def test_permission_denied_renders_the_chinese_403_with_the_services_message(client, clerk_a):
    client.force_login(clerk_a)

    body = assert_chinese_page(client.get("/boom/403/"), 403, "您没有执行此操作的权限")

    assert "您没有导出该名册的权限。" in body


@pytest.mark.urls("tests.error_urls")
def test_bad_request_renders_the_chinese_400_without_the_exception(client, db):
    body = assert_chinese_page(client.get("/boom/400/"), 400, "请求无效")

    assert "evil.example" not in body


@pytest.mark.urls("tests.error_urls")
def test_server_error_renders_the_standalone_chinese_500(clerk_a):
    client = Client(raise_request_exception=False)
    client.force_login(clerk_a)

    body = assert_chinese_page(client.get("/boom/500/"), 500, "系统出错了")

    assert "SELECT" not in body
    assert "/static/css/touyan.css" in body


def test_csrf_failure_renders_the_chinese_page(db):
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("login"), {"username": "x", "password": "y"})

    assert_chinese_page(response, 403, "页面已过期")


@pytest.mark.urls("tests.error_urls")
def test_api_keeps_json_errors(client, clerk_a, village_b):
    person = AppointmentFactory(village=village_b).person
    client.force_login(clerk_a)

    out_of_scope = client.get(f"/api/v1/people/{person.pk}/")
    unknown = client.get("/api/v1/no-such-endpoint/")
    crashing = Client(raise_request_exception=False)
    crashing.force_login(clerk_a)
    crashed = crashing.get("/api/v1/boom/500/")

    assert out_of_scope.status_code == 404
    assert out_of_scope["Content-Type"] == "application/json"
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "未找到该页面或记录。"}
    assert crashed.status_code == 500
    assert crashed.json() == {"detail": "系统出错，请稍后重试；如仍有问题，请联系管理员。"}
    assert "SELECT" not in crashed.content.decode()


def test_api_csrf_failure_is_json(db):
    from core.error_views import csrf_failure

    request = Client().get("/").wsgi_request
    request.path = "/api/v1/people/"

    response = csrf_failure(request, reason="CSRF cookie not set.")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert "刷新页面" in response.content.decode()
