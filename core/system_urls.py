"""系统管理 (the frame's part) and the global search; 用户管理 is in cadres/urls.py."""

from django.urls import path

from . import system_views as views

app_name = "system"

urlpatterns = [
    path("system/operations/", views.OperationLogView.as_view(), name="operation_log"),
    path("system/operations/export/", views.OperationLogView.as_view(export=True), name="operation_log_export"),
    path("system/logins/", views.LoginLogView.as_view(), name="login_log"),
    path("system/logins/export/", views.LoginLogView.as_view(export=True), name="login_log_export"),
    path("system/dictionary/", views.DictionaryView.as_view(), name="dictionary"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("search/", views.SearchView.as_view(), name="search"),
]
