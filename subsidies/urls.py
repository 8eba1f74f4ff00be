"""URLs of the pay ledger (mounted at /subsidies/)."""

from django.urls import path

from . import views

app_name = "subsidies"
urlpatterns = [
    path("", views.RunListView.as_view(), name="run_list"),
    path("runs/export/", views.RunListView.as_view(export=True), name="run_export"),
    path("standards/", views.StandardsView.as_view(), name="standards"),
    path("runs/new/", views.RunCreateView.as_view(), name="run_create"),
    path("runs/<int:pk>/", views.RunDetailView.as_view(), name="run_detail"),
    path("runs/<int:pk>/progress/", views.RunProgressView.as_view(), name="run_progress"),
    path("runs/<int:pk>/bank-sheet/", views.RunBankSheetView.as_view(), name="run_bank_sheet"),
    path("runs/<int:pk>/lines-export/", views.RunLinesExportView.as_view(), name="run_lines_export"),
    path("runs/<int:pk>/pay-sheet.pdf", views.RunPaySheetView.as_view(fmt="pdf"), name="run_pay_sheet_pdf"),
    path("runs/<int:pk>/pay-sheet.xlsx", views.RunPaySheetView.as_view(fmt="xlsx"), name="run_pay_sheet_xlsx"),
    path("runs/<int:pk>/<slug:action>/", views.RunActionView.as_view(), name="run_action"),
    path("entries/", views.EntryListView.as_view(), name="entry_list"),
    path("entries/export/", views.EntryListView.as_view(export=True), name="entry_export"),
    path("entries/new/", views.EntryCreateView.as_view(), name="entry_create"),
    path("entries/<int:pk>/", views.EntryDetailView.as_view(), name="entry_detail"),
    path("entries/<int:pk>/reverse/", views.EntryReverseView.as_view(), name="entry_reverse"),
    path("awards/new/", views.AwardCreateView.as_view(), name="award_create"),
    path("bank-sheet/", views.BankSheetView.as_view(), name="bank_sheet"),
    path("periods/", views.PeriodListView.as_view(), name="period_list"),
    path("periods/export/", views.PeriodListView.as_view(export=True), name="period_export"),
    path("periods/<int:pk>/<slug:action>/", views.PeriodLockView.as_view(), name="period_lock"),
    path("reconcile/", views.ReconcileView.as_view(), name="reconcile"),
    path("summary/", views.SummaryView.as_view(), name="summary"),
    path("people/<int:pk>/export/", views.PersonHistoryExportView.as_view(), name="person_export"),
    path("people/<int:pk>/account/", views.PayAccountEditView.as_view(), name="account_edit"),
    path("people/<int:pk>/stop/", views.StopAddView.as_view(), name="stop_add"),
    path("people/<int:pk>/benefit/", views.BenefitAddView.as_view(), name="benefit_add"),
]
