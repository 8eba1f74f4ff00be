"""After an administrator set a temporary password, the user's pages lead to 修改密码 until a new
password is chosen (the API, logout, static files and the form itself stay reachable)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from .passwords import must_change_password

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
