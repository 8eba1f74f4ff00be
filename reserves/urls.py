"""URLs of the reserve pool, mounted at /reserves/."""

from django.urls import path

from . import views

app_name = "reserves"


def _action(name: str):
    return views.CandidateActionView.as_view(action=name)


urlpatterns = [
    path("", views.CandidateListView.as_view(), name="candidate_list"),
    path("export/", views.CandidateListView.as_view(export=True), name="candidate_export"),
    path("new/", views.CandidateCreateView.as_view(), name="candidate_create"),
    path("<int:pk>/", views.CandidateDetailView.as_view(), name="candidate_detail"),
    path("<int:pk>/nominate/", _action("nominate"), name="candidate_nominate"),
    path("<int:pk>/review/", _action("review"), name="candidate_review"),
    path("<int:pk>/pool/", _action("pool"), name="candidate_pool"),
    path("<int:pk>/appoint/", _action("appoint"), name="candidate_appoint"),
    path("<int:pk>/exit/", _action("exit"), name="candidate_exit"),
    path("<int:pk>/mentors/", _action("mentor"), name="mentorship_add"),
    path("<int:pk>/mentors/<int:sub_pk>/end/", _action("mentor_end"), name="mentorship_end"),
    path("<int:pk>/practice/", _action("practice"), name="practice_post_add"),
    path("<int:pk>/practice/<int:sub_pk>/assess/", _action("practice_assess"), name="practice_post_assess"),
    path("<int:pk>/appraisals/", _action("appraisal"), name="appraisal_add"),
    path("<int:pk>/party/", _action("party"), name="party_stage_add"),
    path("coverage/", views.CoverageView.as_view(), name="coverage"),
    path("coverage/export/", views.CoverageExportView.as_view(), name="coverage_export"),
    path("structure/", views.StructureView.as_view(), name="structure"),
    path("ledgers/county/", views.LedgerExportView.as_view(level="county"), name="ledger_county"),
    path("ledgers/township/<int:pk>/", views.LedgerExportView.as_view(level="township"), name="ledger_township"),
    path("ledgers/village/<int:pk>/", views.LedgerExportView.as_view(level="village"), name="ledger_village"),
]
