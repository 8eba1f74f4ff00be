from django.urls import path

from . import reports, views
from .views import exchange
from .views import users as user_views

app_name = "cadres"

urlpatterns = [
    path("townships/", views.TownshipListView.as_view(), name="township_list"),
    path("townships/new/", views.TownshipCreateView.as_view(), name="township_create"),
    path("townships/<int:pk>/", views.TownshipDetailView.as_view(), name="township_detail"),
    path("townships/<int:pk>/edit/", views.TownshipUpdateView.as_view(), name="township_update"),
    path("villages/new/", views.VillageCreateView.as_view(), name="village_create"),
    path("villages/", views.VillageListView.as_view(), name="village_list"),
    path("townships/export/", views.TownshipListView.as_view(export=True), name="township_export"),
    path("reviews/export/", views.ReviewListView.as_view(export=True), name="review_export"),
    path("villages/export/", views.VillageListView.as_view(export=True), name="village_export"),
    path("villages/<int:pk>/", views.VillageDetailView.as_view(), name="village_detail"),
    path("villages/<int:pk>/edit/", views.VillageUpdateView.as_view(), name="village_update"),
    path("villages/<int:pk>/flags/new/", views.VillageFlagAddView.as_view(), name="village_flag_add"),
    path("villages/<int:pk>/flags/<int:flag_pk>/end/", views.VillageFlagEndView.as_view(), name="village_flag_end"),
    # 干部任免审批表 exchange files (.lrmx): one person, or a village's / township's people as a zip
    path("people/<int:pk>/lrmx/", exchange.PersonLrmxView.as_view(), name="person_lrmx"),
    path("villages/<int:pk>/lrmx/", exchange.PlaceLrmxView.as_view(place="village"), name="village_lrmx"),
    path("townships/<int:pk>/lrmx/", exchange.PlaceLrmxView.as_view(place="township"), name="township_lrmx"),
    path("people/", views.PersonListView.as_view(), name="person_list"),
    path("people/export/", views.PersonListView.as_view(export=True), name="person_export"),
    path("people/new/", views.PersonCreateView.as_view(), name="person_create"),
    path("people/<int:pk>/", views.PersonDetailView.as_view(), name="person_detail"),
    path("people/<int:pk>/edit/", views.PersonUpdateView.as_view(), name="person_update"),
    path("people/<int:pk>/records/new/", views.PersonRecordAddView.as_view(), name="person_record_add"),
    path("people/<int:pk>/appointments/new/", views.AppointmentCreateView.as_view(), name="appointment_create"),
    path("appointments/", views.AppointmentListView.as_view(), name="appointment_list"),
    path("appointments/export/", views.AppointmentListView.as_view(export=True), name="appointment_export"),
    path("appointments/<int:pk>/", views.AppointmentDetailView.as_view(), name="appointment_detail"),
    path("appointments/<int:pk>/approve/", views.AppointmentApproveView.as_view(), name="appointment_approve"),
    path("appointments/<int:pk>/file/", views.AppointmentFileView.as_view(), name="appointment_file"),
    path("appointments/<int:pk>/reject/", views.AppointmentRejectView.as_view(), name="appointment_reject"),
    path("appointments/<int:pk>/end/", views.AppointmentEndView.as_view(), name="appointment_end"),
    path("appointments/<int:pk>/attach-review/", views.AppointmentAttachReviewView.as_view(), name="appointment_attach_review"),
    path("reviews/", views.ReviewListView.as_view(), name="review_list"),
    path("reviews/new/", views.ReviewRequestView.as_view(), name="review_request"),
    path("reviews/<int:pk>/", views.ReviewDetailView.as_view(), name="review_detail"),
    path("reviews/<int:pk>/verdicts/<int:verdict_pk>/", views.VerdictRecordView.as_view(), name="verdict_record"),
    path("first-secretaries/", views.FirstSecretaryListView.as_view(), name="first_secretary_list"),
    path("first-secretaries/export/", views.FirstSecretaryListView.as_view(export=True), name="first_secretary_export"),
    path("first-secretaries/new/", views.FirstSecretaryCreateView.as_view(), name="first_secretary_create"),
    path("first-secretaries/<int:pk>/", views.FirstSecretaryDetailView.as_view(), name="first_secretary_detail"),
    path("first-secretaries/<int:pk>/presence/", views.PresenceRecordView.as_view(), name="presence_record"),
    path("first-secretaries/<int:pk>/end/", views.FirstSecretaryEndView.as_view(), name="first_secretary_end"),
    path("reports/", reports.ReportsView.as_view(), name="reports"),
    path("reports/roster/", reports.RosterExportView.as_view(), name="roster_export"),
    path("people/<int:pk>/print/", views.PersonPrintView.as_view(), name="person_print"),
    path("people/<int:pk>/pdf/", views.PersonPdfView.as_view(), name="person_pdf"),
    # 系统管理 → 用户管理
    path("system/users/", user_views.UserListView.as_view(), name="user_list"),
    path("system/users/new/", user_views.UserCreateView.as_view(), name="user_create"),
    path("system/users/<int:pk>/", user_views.UserUpdateView.as_view(), name="user_update"),
    path("system/users/<int:pk>/password/", user_views.UserPasswordResetView.as_view(), name="user_password_reset"),
    path("system/users/<int:pk>/active/", user_views.UserActiveView.as_view(), name="user_active"),
]
