"""系统管理 → 用户管理: system administrators list, create and edit accounts, assign roles, reset
passwords and disable/enable accounts. Every write goes through cadres.services.accounts."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse

from core.oplog import operation_entries, operation_index
from core.roles import is_system_admin
from core.scope import scoped
from core.views import ListPageView, ObjectFormView, PageView

from .. import choices, forms, selectors
from ..filters import UserFilter
from ..models import Township
from ..services import accounts

ADMIN_ONLY = "只有系统管理员可以管理用户。"
HISTORY_ROWS = 20


class SystemAdminOnly:
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not is_system_admin(request.user):
            if "pk" in kwargs:
                # Another township's account answers 404 like a missing one, before the 403.
                selectors.user_get(user=request.user, pk=kwargs["pk"])
            raise PermissionDenied(ADMIN_ONLY)
        return super().dispatch(request, *args, **kwargs)


class UserListView(SystemAdminOnly, ListPageView):
    template_name = "cadres/user_list.html"
    title = "用户管理"
    filterset_class = UserFilter
    sort_options = {
        "username": ("username",),
        "role": ("role", "township__sort_order", "username"),
        "last_login": ("-last_login", "username"),
    }

    def get_queryset(self):
        return selectors.user_list(user=self.request.user, filters=self.request.GET, request=self.request)


def _password_errors_on_field(exc: ValidationError) -> ValidationError:
    """The services name the password ``password``; the forms ask for it as ``password1``."""
    if hasattr(exc, "error_dict") and "password" in exc.error_dict:
        errors = dict(exc.error_dict)
        errors["password1"] = errors.pop("password")
        return ValidationError(errors)
    return exc


class UserFormMixin(SystemAdminOnly):
    template_name = "cadres/user_form.html"

    def get_form_kwargs(self):
        return {"townships": scoped(self.request.user, Township)}


class UserCreateView(UserFormMixin, ObjectFormView):
    form_class = forms.UserCreateForm
    title = "新建用户"
    success_message = "已新建用户。请将用户名和临时密码告知本人，首次登录后须修改密码。"

    def get_initial(self):
        return {"role": choices.Role.CLERK, "township": self.request.GET.get("township") or None}

    def perform(self, form):
        data = form.cleaned_data
        try:
            user = accounts.user_create(
                by=self.request.user,
                username=data["username"],
                full_name=data["full_name"],
                phone=data["phone"],
                role=data["role"],
                township=data["township"],
                password=data["password1"],
            )
        except ValidationError as exc:
            raise _password_errors_on_field(exc) from None
        return reverse("cadres:user_update", args=[user.pk])


def _user_history(user) -> list:
    index = operation_index(record_type="cadres.user", object_id=user.pk)
    return operation_entries(list(index[:HISTORY_ROWS]))


class UserUpdateView(UserFormMixin, ObjectFormView):
    form_class = forms.UserUpdateForm
    title = "修改用户"

    def get_object(self):
        return selectors.user_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_initial(self):
        u = self.object
        return {"full_name": u.full_name, "phone": u.phone, "role": u.role, "township": u.township_id}

    def get_context(self, form):
        return {
            **super().get_context(form),
            "password_form": forms.TemporaryPasswordForm(),
            "history": _user_history(self.object),
        }

    def perform(self, form):
        data = form.cleaned_data
        accounts.user_update(
            by=self.request.user,
            user=self.object,
            full_name=data["full_name"],
            phone=data["phone"],
            role=data["role"],
            township=data["township"],
        )
        return reverse("cadres:user_update", args=[self.object.pk])


class UserPasswordResetView(UserFormMixin, ObjectFormView):
    form_class = forms.TemporaryPasswordForm
    template_name = "cadres/user_password_reset.html"
    title = "重置密码"

    def get_form_kwargs(self):
        return {}

    def get_object(self):
        return selectors.user_get(user=self.request.user, pk=self.kwargs["pk"])

    def perform(self, form):
        try:
            accounts.user_password_reset(by=self.request.user, user=self.object, password=form.cleaned_data["password1"])
        except ValidationError as exc:
            raise _password_errors_on_field(exc) from None
        self.success_message = f"已重置“{self.object}”的密码；该用户下次登录须修改密码。"
        return reverse("cadres:user_update", args=[self.object.pk])


class UserActiveView(SystemAdminOnly, PageView):
    """POST: 停用 (active=0) / 启用 (active=1)."""

    def post(self, request, pk):
        user = selectors.user_get(user=request.user, pk=pk)
        active = request.POST.get("active") == "1"
        try:
            accounts.user_set_active(by=request.user, user=user, active=active)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已{'启用' if active else '停用'}账户“{user}”。")
        return redirect(reverse("cadres:user_update", args=[user.pk]))
