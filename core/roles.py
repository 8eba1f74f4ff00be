"""Roles, their groups and their permissions.

A user's ``role`` decides the data scope (:mod:`core.scope`); the group of the same name holds the
Django permissions. Each domain app registers, in its ``AppConfig.ready``:

- ``register_domain_app(label)``: its permissions take part in the role groups;
- ``register_role_permissions(role, ["app.codename", …])``: what a role holds (``"*"``: every domain
  permission, as county staff and admins);
- ``register_restricted_permissions([...])``: permissions the ``"*"`` roles do not get (an app
  grants them to a group of its own, e.g. full bank card numbers for 财务);
- ``register_masked_permissions([...])``: ``view_`` permissions that auditors (who read everything)
  do not get (personal data, bank accounts).

:func:`roles_sync` creates the groups and sets their permissions; it runs after every migrate.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    COUNTY = "county", "县委组织部工作人员"
    CLERK = "clerk", "乡镇组织委员"
    AUDITOR = "auditor", "审计只读"
    ADMIN = "admin", "系统管理员"


ROLE_GROUPS = {
    Role.COUNTY: "县委组织部",
    Role.CLERK: "乡镇组织委员",
    Role.AUDITOR: "审计只读",
    Role.ADMIN: "系统管理员",
}

ALL = "*"

# Login logs (django-axes): admins read them and may clear a lockout (delete the attempt);
# auditors read them when their role holds a ``view_history`` permission.
AXES_VIEW = ["axes.view_accesslog", "axes.view_accessfailurelog", "axes.view_accessattempt"]
AXES_ROLE_PERMISSIONS = {
    Role.ADMIN: [*AXES_VIEW, "axes.delete_accessattempt"],
    Role.AUDITOR: AXES_VIEW,
}

DOMAIN_APPS: list[str] = []
ROLE_PERMISSIONS: dict[str, set[str]] = {}
RESTRICTED_PERMISSIONS: set[str] = set()
MASKED_PERMISSIONS: set[str] = set()


def register_domain_app(label: str) -> None:
    if label not in DOMAIN_APPS:
        DOMAIN_APPS.append(label)


def register_role_permissions(role: str, perms: list[str]) -> None:
    ROLE_PERMISSIONS.setdefault(role, set()).update(perms)


def register_restricted_permissions(perms: list[str]) -> None:
    RESTRICTED_PERMISSIONS.update(perms)


def register_masked_permissions(codenames: list[str]) -> None:
    MASKED_PERMISSIONS.update(codenames)


def role_permissions() -> dict[str, list[str]]:
    """``app.codename`` lists per role; ``["*"]`` = every permission of the domain apps."""
    return {role: [ALL] if ALL in perms else sorted(perms) for role, perms in ROLE_PERMISSIONS.items()}


def roles_sync() -> None:
    """Create/refresh the role groups and their permissions. Idempotent (runs after migrate)."""
    from django.contrib.auth.models import Group, Permission

    domain = list(Permission.objects.filter(content_type__app_label__in=DOMAIN_APPS).select_related("content_type"))
    axes = {f"axes.{p.codename}": p for p in Permission.objects.filter(content_type__app_label="axes")}
    for role, group_name in ROLE_GROUPS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        wanted = ROLE_PERMISSIONS.get(role, set())
        every = ALL in wanted
        if every:
            perms = [p for p in domain if f"{p.content_type.app_label}.{p.codename}" not in RESTRICTED_PERMISSIONS]
        else:
            perms = [
                p
                for p in domain
                if f"{p.content_type.app_label}.{p.codename}" in wanted
                # Auditors read everything in every domain app and change nothing (not personal
                # data or bank accounts: those are for the roles that keep the files / pay).
                or (role == Role.AUDITOR and p.codename.startswith("view_") and p.codename not in MASKED_PERMISSIONS)
            ]
        if every or any(name.endswith(".view_history") for name in wanted):
            perms = [*perms, *(axes[name] for name in AXES_ROLE_PERMISSIONS.get(role, ()) if name in axes)]
        group.permissions.set(perms)


def is_system_admin(user) -> bool:
    """County-level system administrators (the 系统管理员 role, or a superuser): 用户管理, 操作日志, 登录日志."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or getattr(user, "role", None) == Role.ADMIN)
    )
