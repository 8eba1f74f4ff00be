"""django-axes (login attempts and lockouts) in Chinese in the admin: the app's name and the
records' names (django-axes writes them in English; its field names come from locale/)."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils import timezone


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _failure_str(self) -> str:
    locked = "（已锁定）" if self.locked_out else ""
    return f"{self.username or '未填用户名'} 登录失败{locked}：{_when(self.attempt_time)}，来自 {self.ip_address or '未知地址'}"


def _attempt_str(self) -> str:
    return f"{self.username or '未填用户名'} 的登录失败统计（{_when(self.attempt_time)}）"


def _log_str(self) -> str:
    return f"{self.username or '未填用户名'} 的登录记录（{_when(self.attempt_time)}）"


class AxesConfig(AxesAppConfig):
    verbose_name = "登录安全"

    def ready(self):
        super().ready()
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        AccessFailureLog.__str__ = _failure_str
        AccessAttempt.__str__ = _attempt_str
        AccessLog.__str__ = _log_str
