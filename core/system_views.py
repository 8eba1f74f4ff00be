"""系统管理 pages of the frame: 操作日志 and 登录日志 (system administrators only), 数据字典 and
修改密码 (everyone), and the global search behind the navigation bar's search box.

用户管理 is the register's (cadres.views.users): accounts are register rows (their township).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone

from . import oplog
from .dates import today
from .dictionary import dictionary_tables
from .exports import log_export, xlsx_response
from .imports.workbooks import write_xlsx
from .lockouts import lockout_list, lockouts_allowed
from .login_log import login_event_list
from .passwords import password_change
from .roles import is_system_admin
from .search import MAX_QUERY_LENGTH, normalise_query, search_all
from .system_forms import LoginLogFilterForm, OperationLogFilterForm, PasswordChangeForm
from .views import PAGE_SIZE, PageView

ADMIN_ONLY = "只有系统管理员可以查看操作日志和登录日志。"
LOGIN_EXPORT_MAX_ROWS = 50_000


class SystemAdminMixin:
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not is_system_admin(request.user):
            raise PermissionDenied(ADMIN_ONLY)
        return super().dispatch(request, *args, **kwargs)


def _user_label(user) -> str:
    return oplog._user_label(user)


# ---------------------------------------------------------------------------------------------
# 操作日志
# ---------------------------------------------------------------------------------------------


class OperationLogView(SystemAdminMixin, PageView):
    template_name = "core/system/operation_log.html"
    title = "操作日志"
    export = False

    def get(self, request):
        form = OperationLogFilterForm(request.GET or None)
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        if form.is_bound and not form.is_valid():
            index = []
        else:
            user_ids = oplog.users_matching(data["user"]) if data.get("user") else None
            index = oplog.operation_index(
                user_ids=user_ids,
                record_type=data.get("record_type", ""),
                action=data.get("action", ""),
                date_from=data.get("date_from"),
                date_to=data.get("date_to"),
            )
        if self.export:
            rows = oplog.operation_export_rows(index) if index != [] else []
            log_export(user=request.user, what="操作日志", filters=request.GET.dict(), rows=len(rows))
            data = write_xlsx(
                ["时间", "操作人", "操作", "记录类型", "记录", "变更内容（原值 → 新值）"],
                rows,
                sheet_title="操作日志",
                title=f"操作日志（导出时间 {timezone.localtime():%Y-%m-%d %H:%M}）",
                widths=[20, 20, 8, 24, 30, 80],
            )
            return xlsx_response(data, "操作日志")
        page = Paginator(index, PAGE_SIZE).get_page(request.GET.get("page"))
        return self.render(
            {
                "filter_form": form if form.is_bound else OperationLogFilterForm(),
                "page_obj": page,
                "entries": oplog.operation_entries(list(page.object_list)),
                "export_max": oplog.EXPORT_MAX_ROWS,
            }
        )


# ---------------------------------------------------------------------------------------------
# 登录日志 (with the current lockouts and 解除锁定)
# ---------------------------------------------------------------------------------------------


class LoginLogView(SystemAdminMixin, PageView):
    template_name = "core/system/login_log.html"
    title = "登录日志"
    export = False

    def get(self, request):
        from django.conf import settings

        form = LoginLogFilterForm(request.GET or None)
        if form.is_bound and not form.is_valid():
            qs = login_event_list().none()
        else:
            data = form.cleaned_data if form.is_bound else {}
            qs = login_event_list(
                username=data.get("username", ""),
                kind=data.get("kind", ""),
                date_from=data.get("date_from"),
                date_to=data.get("date_to"),
            )
        if self.export:
            rows = [
                [
                    timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
                    e.username,
                    _user_label(e.user) if e.user else "（无此账户）",
                    e.get_kind_display(),
                    e.get_channel_display(),
                    e.ip_address or "",
                    e.user_agent,
                ]
                for e in qs[:LOGIN_EXPORT_MAX_ROWS]
            ]
            log_export(user=request.user, what="登录日志", filters=request.GET.dict(), rows=len(rows))
            data = write_xlsx(
                ["时间", "输入的用户名", "账户", "结果", "登录方式", "网络地址", "浏览器"],
                rows,
                sheet_title="登录日志",
                title=f"登录日志（导出时间 {timezone.localtime():%Y-%m-%d %H:%M}）",
                widths=[20, 18, 20, 10, 10, 16, 50],
            )
            return xlsx_response(data, "登录日志")
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        return self.render(
            {
                "filter_form": form if form.is_bound else LoginLogFilterForm(),
                "page_obj": page,
                "rows": page.object_list,
                "lockouts": lockout_list(),
                "can_release": lockouts_allowed(request.user),
                "failure_limit": settings.AXES_FAILURE_LIMIT,
                "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            }
        )


# ---------------------------------------------------------------------------------------------
# 数据字典, 修改密码 (every user)
# ---------------------------------------------------------------------------------------------


class DictionaryView(PageView):
    template_name = "core/system/dictionary.html"
    title = "数据字典"

    def get(self, request):
        this_year = today().year
        try:
            year = int(request.GET.get("year", this_year))
        except ValueError:
            year = this_year
        year = min(max(year, 2000), 2100)
        profile, tables = dictionary_tables(year)
        groups: dict[str, list] = {}
        for table in tables:
            groups.setdefault(table.group, []).append(table)
        return self.render({"year": year, "profile": profile, "groups": groups, "years": range(this_year + 1, this_year - 6, -1)})


class PasswordChangeView(PageView):
    template_name = "core/system/password_change.html"
    title = "修改密码"

    def get(self, request):
        return self.render({"form": PasswordChangeForm(request.user)})

    def post(self, request):
        form = PasswordChangeForm(request.user, request.POST)
        if form.is_valid():
            password_change(user=request.user, new_password=form.cleaned_data["new_password1"])
            update_session_auth_hash(request, request.user)  # stay logged in here; other sessions end
            messages.success(request, "密码已修改。")
            return redirect("home")
        return self.render({"form": form})


# ---------------------------------------------------------------------------------------------
# 全局搜索
# ---------------------------------------------------------------------------------------------


class SearchView(PageView):
    """``?q=``: the full results page; with ``partial=1`` the grouped list the search box shows."""

    template_name = "core/system/search.html"
    title = "搜索"

    def get(self, request):
        query = normalise_query(request.GET.get("q", ""))
        groups = search_all(user=request.user, query=query)
        context = {"query": query, "groups": groups, "max_length": MAX_QUERY_LENGTH}
        if request.GET.get("partial"):
            return render(request, "core/system/_search_results.html", context)
        return self.render(context)
