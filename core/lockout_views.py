"""登录锁定: the system administrators' page listing current login lockouts, with 解除锁定.

Wired by one include in config/urls.py (core/lockout_urls.py); linked from the 数据与配置 menu
for those who may use it (core.lockouts.lockouts_allowed).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from .lockouts import lockout_list, lockout_release, lockouts_allowed


class LockoutAdminMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not lockouts_allowed(request.user):
            raise PermissionDenied("只有系统管理员可以查看和解除登录锁定。")
        return super().dispatch(request, *args, **kwargs)


class LockoutListView(LockoutAdminMixin, View):
    def get(self, request):
        context = {
            "title": "登录锁定",
            "lockouts": lockout_list(),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        }
        return render(request, "security/lockout_list.html", context)


class LockoutReleaseView(LockoutAdminMixin, View):
    def post(self, request):
        username = request.POST.get("username", "")
        ip_address = request.POST.get("ip_address", "")
        try:
            lockout_release(username=username, ip_address=ip_address, by=request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已解除账户“{username}”在地址 {ip_address} 上的登录锁定。")
        # back to the page the button was on (登录锁定, or 系统管理 → 登录日志)
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            back = reverse("lockouts:list")
        return redirect(back)
