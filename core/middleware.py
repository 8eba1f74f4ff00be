"""Middleware of the frame.

- JobQueueUnavailableMiddleware: the job queue being down is an answer, not a crash. A view that
  queues a job (core.jobs.enqueue) and does not handle JobQueueUnavailable itself would otherwise
  answer 500; this answers 503 with the Chinese page (JSON under /api/).
- PasswordChangeRequiredMiddleware: after an administrator set a temporary password, the user's
  pages lead to 修改密码 until a new password is chosen (the API, logout, static files and the
  form itself stay reachable)."""

from __future__ import annotations

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from .jobs import JobQueueUnavailable
from .passwords import must_change_password


class JobQueueUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, JobQueueUnavailable):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": exception.messages[0]}, status=503, json_dumps_params={"ensure_ascii": False})
        return render(request, "503.html", {"message": exception.messages[0]}, status=503)


MESSAGE = "管理员已为您设置临时密码，请先修改密码后再继续使用系统。"
OPEN_PREFIXES = ("/api/", "/static/", "/logout/")


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if must_change_password(user):
            target = reverse("system:password_change")
            if request.path != target and not request.path.startswith(OPEN_PREFIXES):
                if request.method == "GET":
                    messages.warning(request, MESSAGE)
                return redirect(target)
        return self.get_response(request)
