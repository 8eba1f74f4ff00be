"""URLs of the training app (mounted at /training/)."""

from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("", views.SessionListView.as_view(), name="session_list"),
    path("sessions/export/", views.SessionListView.as_view(export=True), name="session_export"),
    path("sessions/new/", views.SessionCreateView.as_view(), name="session_create"),
    path("sessions/<int:pk>/", views.SessionDetailView.as_view(), name="session_detail"),
    path("sessions/<int:pk>/edit/", views.SessionUpdateView.as_view(), name="session_update"),
    path("sessions/<int:pk>/enrol/", views.SessionEnrollView.as_view(), name="session_enroll"),
    path("sessions/<int:pk>/enrol-post/", views.SessionEnrollPostView.as_view(), name="session_enroll_post"),
    path("sessions/<int:pk>/attendance/", views.SessionAttendanceView.as_view(), name="session_attendance"),
    path("sessions/<int:pk>/sign-in-sheet/", views.SignInSheetView.as_view(), name="sign_in_sheet"),
    path("sessions/<int:pk>/sign-in-sheet.xlsx", views.SignInSheetXlsxView.as_view(), name="sign_in_sheet_xlsx"),
    path("enrollments/<int:pk>/remove/", views.EnrollmentRemoveView.as_view(), name="enrollment_remove"),
    path("coverage/", views.CoverageView.as_view(), name="coverage"),
    path("coverage/export/", views.CoverageExportView.as_view(), name="coverage_export"),
    path("upgrades/", views.UpgradeListView.as_view(), name="upgrade_list"),
    path("upgrades/export/", views.UpgradeListView.as_view(export=True), name="upgrade_export"),
    path("upgrades/new/", views.UpgradeCreateView.as_view(), name="upgrade_create"),
    path("upgrades/<int:pk>/", views.UpgradeDetailView.as_view(), name="upgrade_detail"),
    path("upgrades/<int:pk>/graduate/", views.UpgradeActionView.as_view(action="graduate"), name="upgrade_graduate"),
    path("upgrades/<int:pk>/withdraw/", views.UpgradeActionView.as_view(action="withdraw"), name="upgrade_withdraw"),
    path("upgrades/<int:pk>/tuition-subsidy/", views.UpgradeActionView.as_view(action="tuition"), name="upgrade_tuition"),
    path("upgrades/<int:pk>/diploma-subsidy/", views.UpgradeActionView.as_view(action="diploma"), name="upgrade_diploma"),
]
