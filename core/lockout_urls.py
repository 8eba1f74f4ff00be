from django.urls import path

from . import lockout_views

app_name = "lockouts"

urlpatterns = [
    path("", lockout_views.LockoutListView.as_view(), name="list"),
    path("release/", lockout_views.LockoutReleaseView.as_view(), name="release"),
]
