"""Users: a user's role, township and role group."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from core.roles import ROLE_GROUPS

from .. import choices
from ..models import (
    Township,
    User,
)

# ---------------------------------------------------------------------------------------------
# Users
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def user_set_role(*, user: User, role: str, township: Township | None = None, by: User | None = None) -> User:
    from django.contrib.auth.models import Group

    if role == choices.Role.CLERK and township is None:
        raise ValidationError({"township": "乡镇组织委员必须指定所属乡镇。"})
    user.role = role
    user.township = township if role == choices.Role.CLERK else None
    user.is_staff = role == choices.Role.ADMIN or user.is_superuser
    if by is not None:
        user._history_user = by  # 操作日志 (otherwise: the request's user, or none for a system job)
    user.save(update_fields=["role", "township", "is_staff"])
    groups = Group.objects.filter(name__in=ROLE_GROUPS.values())
    user.groups.remove(*groups)
    user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
    return user
