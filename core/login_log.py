"""登录日志: logins, logouts, failed logins and lockouts, from Django's auth signals (and axes'
``user_locked_out``), for the web login, the admin login and the API token endpoint alike.

The receivers are connected in ``CoreConfig.ready``. Failures carry the user name that was typed
(Django passes the credentials with the password already masked); the account is linked when it
exists. A login also sets ``last_login`` (Django's ``update_last_login``): that save is kept out of
the users' change history, it is not a change anyone made.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import update_last_login
from django.db.models import QuerySet
from django.utils import timezone

from .models import LoginChannel, LoginEvent, LoginEventKind

USER_AGENT_MAX = 255


def _channel(request) -> str:
    path = getattr(request, "path", "") or ""
    if path.startswith("/api/"):
        return LoginChannel.API
    if path.startswith("/admin/"):
        return LoginChannel.ADMIN
    return LoginChannel.WEB


def _ip(request) -> str | None:
    meta = getattr(request, "META", None) or {}
    return meta.get("REMOTE_ADDR") or None  # settings.AXES_IPWARE_META_PRECEDENCE_ORDER: REMOTE_ADDR only


def record(*, kind: str, request, username: str, user=None) -> LoginEvent:
    meta = getattr(request, "META", None) or {}
    return LoginEvent.objects.create(
        at=timezone.now(),
        kind=kind,
        username=(username or "")[:150],
        user=user,
        ip_address=_ip(request),
        user_agent=(meta.get("HTTP_USER_AGENT") or "")[:USER_AGENT_MAX],
        channel=_channel(request),
    )


def _existing_user(username: str):
    if not username:
        return None
    model = get_user_model()
    return model._default_manager.filter(**{model.USERNAME_FIELD: username}).first()


def on_logged_in(sender, request, user, **kwargs):
    record(kind=LoginEventKind.LOGIN, request=request, username=user.get_username(), user=user)


def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(kind=LoginEventKind.LOGOUT, request=request, username=user.get_username(), user=user)


def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username") or "")
    record(kind=LoginEventKind.FAILED, request=request, username=username, user=_existing_user(username))


def on_locked_out(sender, request, username=None, ip_address=None, **kwargs):
    record(kind=LoginEventKind.LOCKED, request=request, username=username or "", user=_existing_user(username or ""))


def update_last_login_without_history(sender, user, **kwargs):
    """Django's ``update_last_login`` minus the history row (simple-history skips this save)."""
    user.skip_history_when_saving = True
    try:
        update_last_login(sender, user, **kwargs)
    finally:
        del user.skip_history_when_saving


def connect() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    if user_logged_in.disconnect(dispatch_uid="update_last_login"):
        user_logged_in.connect(update_last_login_without_history, dispatch_uid="update_last_login")
    user_logged_in.connect(on_logged_in, dispatch_uid="core_login_log_in")
    user_logged_out.connect(on_logged_out, dispatch_uid="core_login_log_out")
    user_login_failed.connect(on_login_failed, dispatch_uid="core_login_log_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="core_login_log_locked")


# ---------------------------------------------------------------------------------------------
# Reads (the 登录日志 page; admins only, see core.system)
# ---------------------------------------------------------------------------------------------


def login_event_list(
    *,
    username: str = "",
    kind: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[LoginEvent]:
    qs = LoginEvent.objects.with_related()
    if username:
        qs = qs.filter(username__icontains=username.strip())
    if kind:
        qs = qs.filter(kind=kind)
    if date_from:
        qs = qs.filter(at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(at__lt=_day_start(date_to + datetime.timedelta(days=1)))
    return qs.order_by("-at", "-id")


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
