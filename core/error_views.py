"""The app's own error responses (wired in config/urls.py and CSRF_FAILURE_VIEW).

Pages get the Chinese templates (templates/400.html, 403.html, 403_csrf.html, 404.html, 500.html);
anything under /api/ keeps answering JSON ``{"detail": …}`` like the DRF views do, also for a URL
that matches no API route or an error outside a view. Nothing of the exception is shown except the
message of a PermissionDenied (our services write those in Chinese for the user).
"""

from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

API_PREFIX = "/api/"
MESSAGES = {
    400: "请求无效，请检查后重试。",
    403: "您没有执行此操作的权限。",
    404: "未找到该页面或记录。",
    500: "系统出错，请稍后重试；如仍有问题，请联系管理员。",
}
CSRF_MESSAGE = "页面已过期或表单来源无法验证，请刷新页面后重新提交。"


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _json(status: int, detail: str | None = None) -> JsonResponse:
    return JsonResponse({"detail": detail or MESSAGES[status]}, status=status, json_dumps_params={"ensure_ascii": False})


@requires_csrf_token
def bad_request(request, exception, template_name="400.html"):
    if _is_api(request):
        return _json(400)
    return defaults.bad_request(request, exception, template_name)


@requires_csrf_token
def permission_denied(request, exception, template_name="403.html"):
    if _is_api(request):
        return _json(403, str(exception))
    return defaults.permission_denied(request, exception, template_name)


@requires_csrf_token
def page_not_found(request, exception, template_name="404.html"):
    if _is_api(request):
        return _json(404)
    return defaults.page_not_found(request, exception, template_name)


@requires_csrf_token
def server_error(request, template_name="500.html"):
    """No request context (the failure may be in the database or a context processor):
    500.html stands alone."""
    if _is_api(request):
        return _json(500)
    return defaults.server_error(request, template_name)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: Django's English explanation (cookies, Referer) replaced by one Chinese sentence."""
    if _is_api(request):
        return _json(403, CSRF_MESSAGE)
    return render(request, "403_csrf.html", {"message": CSRF_MESSAGE}, status=403)
