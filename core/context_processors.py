from django.conf import settings


def navigation(request):
    user = getattr(request, "user", None)
    return {
        "app_name": "头雁",
        "app_full_name": "头雁·村干部队伍建设管理系统",
        "debug": settings.DEBUG,
        "user_scope_label": (
            "全县"
            if user is not None and user.is_authenticated and user.sees_all_townships
            else (user.township.name if user is not None and user.is_authenticated and user.township_id else "")
        ),
    }
