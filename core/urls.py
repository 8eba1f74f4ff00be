"""The frame's pages: yearly policy, spreadsheet imports, the dashboard's chart export."""

from django.urls import path

from . import policy_views, views
from .imports import views as import_views

app_name = "core"

urlpatterns = [
    path("policy/", policy_views.PolicyProfileListView.as_view(), name="policy_list"),
    path("policy/new/", policy_views.PolicyProfileCreateView.as_view(), name="policy_create"),
    path("policy/<int:year>/", policy_views.PolicyProfileDetailView.as_view(), name="policy_detail"),
    path("policy/<int:year>/<slug:key>/edit/", policy_views.PolicySectionEditView.as_view(), name="policy_section_edit"),
    path("imports/", import_views.ImportListView.as_view(), name="import_list"),
    path("imports/templates/<str:key>/", import_views.ImportTemplateView.as_view(), name="import_template"),
    path("imports/<int:pk>/", import_views.ImportDetailView.as_view(), name="import_detail"),
    path("imports/<int:pk>/apply/", import_views.ImportApplyView.as_view(), name="import_apply"),
    path("imports/<int:pk>/rollback/", import_views.ImportRollbackView.as_view(), name="import_rollback"),
    path("imports/<int:pk>/errors/", import_views.ImportErrorsView.as_view(), name="import_errors"),
    path("imports/<int:pk>/original/", import_views.ImportOriginalView.as_view(), name="import_original"),
    path("villages/options/", views.VillageOptionsView.as_view(), name="village_options"),
    path("dashboard/charts/<slug:chart_id>/export/", views.DashboardChartExportView.as_view(), name="dashboard_chart_export"),
]
