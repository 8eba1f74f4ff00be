"""Login lockouts (django-axes) for the admins' 登录锁定 page: who is locked out now, and the
release. The only writer of axes' AccessAttempt outside axes itself.

A lockout is per account *and* client address (AXES_LOCKOUT_PARAMETERS): failed logins of one
username from one address, counted while each failure is younger than AXES_COOLOFF_TIME.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from .access import can

log = logging.getLogger("touyan.security")


@dataclass(frozen=True)
class Lockout:
    username: str
    ip_address: str
    failures: int
    last_failure: datetime
    locked_until: datetime


def lockouts_allowed(user) -> bool:
    """County-level administrators: the 系统管理员 role (or a superuser), who may delete axes' attempts."""
    return can(user, "axes.delete_accessattempt") and user.sees_all_townships


def lockout_list(*, now: datetime | None = None) -> list[Lockout]:
    """Account/address pairs locked out at ``now``, the most recent failure first."""
    now = now or timezone.now()
    cool_off = settings.AXES_COOLOFF_TIME
    rows = (
        AccessAttempt.objects.filter(attempt_time__gt=now - cool_off)
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last", "username", "ip_address")
    )
    return [
        Lockout(
            username=r["username"] or "",
            ip_address=r["ip_address"] or "",
            failures=r["failures"],
            last_failure=r["last"],
            locked_until=r["last"] + cool_off,
        )
        for r in rows
    ]


@transaction.atomic
def lockout_release(*, username: str, ip_address: str, by) -> int:
    """Lift the lockout of ``username`` from ``ip_address`` (its failures are forgotten). Recorded
    in the admin log (管理后台 → 最近动作) and the security log. Returns the attempts removed."""
    if not lockouts_allowed(by):
        raise PermissionDenied("只有系统管理员可以解除登录锁定。")
    if not username or not ip_address:
        raise ValidationError({"username": "请指定要解除锁定的账户和地址。"})
    attempts = AccessAttempt.objects.filter(username=username, ip_address=ip_address)
    if not attempts.exists():
        raise ValidationError({"username": f"账户“{username}”在地址 {ip_address} 上没有登录锁定，可能已过期或已被解除。"})
    content_type = ContentType.objects.get_for_model(AccessAttempt)
    LogEntry.objects.bulk_create(
        LogEntry(
            user_id=by.pk,
            content_type=content_type,
            object_id=str(pk),
            object_repr=f"{username} @ {ip_address}"[:200],
            action_flag=DELETION,
            change_message=f"解除登录锁定：账户 {username}，地址 {ip_address}",
        )
        for pk in attempts.values_list("pk", flat=True)
    )
    removed = reset(ip=ip_address, username=username)
    log.warning("login lockout released: username=%s ip=%s by=%s (%d attempt records)", username, ip_address, by, removed)
    return removed
