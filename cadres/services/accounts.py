"""用户管理 (系统管理): create accounts, change their role and township, disable/enable them, and
reset a password to a temporary one the user must change at the next login.

Only system administrators (core.roles.is_system_admin) call these; every write keeps history
(the user's change history, read by 系统管理 → 操作日志), with the acting administrator as its user.
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core.roles import is_system_admin
from core.services import model_save

from .. import choices
from ..models import Township, User
from .users import user_set_role

ADMIN_ONLY = "只有系统管理员可以管理用户。"


def _require_admin(by: User) -> None:
    if not is_system_admin(by):
        raise PermissionDenied(ADMIN_ONLY)


def _require_may_manage(by: User, user: User) -> None:
    _require_admin(by)
    if user.is_superuser and not by.is_superuser:
        raise PermissionDenied("超级管理员账户只能由超级管理员修改。")


def _validate_password(password: str, user: User, field: str = "password") -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None


def _check_role(role: str, township: Township | None) -> None:
    if role not in choices.Role.values:
        raise ValidationError({"role": "请选择有效的角色。"})
    if role == choices.Role.CLERK and township is None:
        raise ValidationError({"township": "乡镇组织委员必须指定所属乡镇。"})


@transaction.atomic
def user_create(
    *,
    by: User,
    username: str,
    role: str,
    password: str,
    full_name: str = "",
    phone: str = "",
    township: Township | None = None,
) -> User:
    """A new account with a temporary password (changed by its owner at the first login)."""
    _require_admin(by)
    _check_role(role, township)
    user = User(
        username=username.strip(),
        full_name=full_name.strip(),
        phone=phone.strip(),
        role=role,
        township=township if role == choices.Role.CLERK else None,
        must_change_password=True,
    )
    _validate_password(password, user)
    user.set_password(password)
    user._change_reason = "新建用户"
    model_save(user, by=by)
    user_set_role(user=user, role=role, township=township, by=by)
    return user


@transaction.atomic
def user_update(
    *, by: User, user: User, role: str, full_name: str = "", phone: str = "", township: Township | None = None
) -> User:
    """Name, phone, role and township (the role group follows the role)."""
    _require_may_manage(by, user)
    _check_role(role, township)
    if user.pk == by.pk and role != user.role and not by.is_superuser:
        raise ValidationError({"role": "不能修改自己的角色（以免失去系统管理权限），请由其他系统管理员办理。"})
    user = User.objects.select_for_update().get(pk=user.pk)
    if (user.full_name, user.phone) != (full_name.strip(), phone.strip()):
        user.full_name = full_name.strip()
        user.phone = phone.strip()
        user._change_reason = "修改用户信息"
        model_save(user, by=by, update_fields=["full_name", "phone"])
    if role != user.role or (township.pk if township else None) != user.township_id:
        user._change_reason = "分配角色"
        user_set_role(user=user, role=role, township=township, by=by)
    return user


@transaction.atomic
def user_set_active(*, by: User, user: User, active: bool) -> User:
    """停用 / 启用. A disabled account cannot log in; its open sessions and API token stop working."""
    _require_may_manage(by, user)
    if user.pk == by.pk and not active:
        raise ValidationError({"is_active": "不能停用自己的账户。"})
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active == active:
        return user
    user.is_active = active
    user._change_reason = "启用账户" if active else "停用账户"
    model_save(user, by=by, update_fields=["is_active"])
    if not active:
        _drop_api_tokens(user)
    return user


@transaction.atomic
def user_password_reset(*, by: User, user: User, password: str) -> User:
    """Set a temporary password; the user must choose a new one at the next login. Open sessions
    end (the session hash follows the password) and the API token is revoked."""
    _require_may_manage(by, user)
    if user.pk == by.pk:
        raise ValidationError({"password": "不能重置自己的密码，请使用“修改密码”。"})
    user = User.objects.select_for_update().get(pk=user.pk)
    _validate_password(password, user)
    user.set_password(password)
    user.must_change_password = True
    user._change_reason = "管理员重置密码"
    model_save(user, by=by, update_fields=["password", "must_change_password"])
    _drop_api_tokens(user)
    return user


def _drop_api_tokens(user: User) -> None:
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=user).delete()
