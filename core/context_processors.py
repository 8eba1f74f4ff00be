from django.conf import settings

from .roles import is_system_admin


def navigation(request):
    user = getattr(request, "user", None)
    return {
        "app_name": "头雁",
        "app_full_name": "头雁·村干部队伍建设管理系统",
        "debug": settings.DEBUG,
        "is_system_admin": is_system_admin(user),  # 系统管理: 用户管理, 操作日志, 登录日志
        "user_scope_label": (
            "全县"
            if user is not None and user.is_authenticated and user.sees_all_townships
            else (user.township.name if user is not None and user.is_authenticated and user.township_id else "")
        ),
    }
