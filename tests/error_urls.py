"""The site's URLs plus views that fail on purpose (tests/test_error_pages.py)."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500
from config.urls import urlpatterns as site_urlpatterns


def fail_400(request):
    raise SuspiciousOperation("Invalid HTTP_HOST header: evil.example")


def fail_403(request):
    raise PermissionDenied("您没有导出该名册的权限。")


def fail_500(request):
    raise RuntimeError("Traceback secret: SELECT * FROM cadres_person")


urlpatterns = [
    path("boom/400/", fail_400),
    path("boom/403/", fail_403),
    path("boom/500/", fail_500),
    path("api/v1/boom/500/", fail_500),
    *site_urlpatterns,
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
