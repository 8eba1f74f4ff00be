"""Pages of the annual review (双述双评), mounted at /assessments/."""

from django.urls import path

from . import views

app_name = "assessments"
urlpatterns = [
    path("", views.CampaignListView.as_view(), name="campaign_list"),
    path("export/", views.CampaignListView.as_view(), {"export": True}, name="campaign_export"),
    path("new/", views.CampaignCreateView.as_view(), name="campaign_create"),
    path("<int:year>/", views.CampaignDetailView.as_view(), name="campaign_detail"),
    path("<int:year>/edit/", views.CampaignEditView.as_view(), name="campaign_edit"),
    path("<int:year>/do/<str:action>/", views.CampaignActionView.as_view(), name="campaign_action"),
    path("<int:year>/reviews/", views.ReviewListView.as_view(), name="review_list"),
    path("<int:year>/reviews/export/", views.ReviewListView.as_view(), {"export": True}, name="review_export"),
    path("<int:year>/results/", views.ResultListView.as_view(), name="result_list"),
    path("<int:year>/results/export/", views.ResultListView.as_view(), {"export": True}, name="result_export"),
    path("<int:year>/villages/<int:pk>/ballots.pdf", views.MeetingFormView.as_view(), name="village_ballots_pdf"),
    path("<int:year>/villages/<int:pk>/tally.pdf", views.MeetingFormView.as_view(kind="tally"), name="village_tally_pdf"),
    path("<int:year>/townships/<int:pk>/", views.TownshipMeetingFormsView.as_view(), name="township_meetings"),
    path(
        "<int:year>/townships/<int:pk>/ballots.pdf",
        views.MeetingFormView.as_view(scope="township"),
        name="township_ballots_pdf",
    ),
    path(
        "<int:year>/townships/<int:pk>/tally.pdf",
        views.MeetingFormView.as_view(kind="tally", scope="township"),
        name="township_tally_pdf",
    ),
    path("rollups/<int:pk>/", views.RollupDetailView.as_view(), name="rollup_detail"),
    path("reviews/<int:pk>/", views.ReviewDetailView.as_view(), name="review_detail"),
    path("reviews/<int:pk>/edit/", views.ReviewEditView.as_view(), name="review_edit"),
    path("reviews/<int:pk>/ballots/<str:group>/", views.BallotEditView.as_view(), name="ballot_edit"),
    path("reviews/<int:pk>/files/", views.ReviewFileUploadView.as_view(), name="review_file_upload"),
    path("files/<int:pk>/", views.ReviewFileDownloadView.as_view(), name="review_file_download"),
    path("results/<int:pk>/override/", views.ResultOverrideView.as_view(), name="result_override"),
    path("results/<int:pk>/amend/", views.ResultAmendView.as_view(), name="result_amend"),
    path("matrix/<str:by>/", views.MatrixView.as_view(), name="matrix"),
    path("people/<int:pk>/", views.PersonResultsView.as_view(), name="person_results"),
    path("villages/<int:pk>/", views.VillageResultsView.as_view(), name="village_results"),
    path("proposals/", views.ProposalListView.as_view(), name="proposal_list"),
    path("proposals/export/", views.ProposalListView.as_view(), {"export": True}, name="proposal_export"),
    path("proposals/<int:pk>/<str:action>/", views.ProposalActionView.as_view(), name="proposal_action"),
]
