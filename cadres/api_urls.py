"""REST API of the register, mounted at /api/v1/ by config/urls.py. Detail URLs are ``<list URL><id>/``."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from core.api import TokenObtainApi

from . import api as views

router = DefaultRouter()
router.register("townships", views.TownshipViewSet, basename="township")
router.register("villages", views.VillageViewSet, basename="village")
router.register("people", views.PersonViewSet, basename="person")
router.register("family-members", views.FamilyMemberViewSet, basename="family-member")
router.register("resume-entries", views.ResumeEntryViewSet, basename="resume-entry")
router.register("appointments", views.AppointmentViewSet, basename="appointment")
router.register("qualification-reviews", views.QualificationReviewViewSet, basename="qualification-review")
router.register("first-secretaries", views.FirstSecretaryViewSet, basename="first-secretary")
router.register("spot-checks", views.SpotCheckViewSet, basename="spot-check")
router.register("first-secretary-grades", views.FirstSecretaryGradeViewSet, basename="first-secretary-grade")

urlpatterns = [
    path("auth/token/", TokenObtainApi.as_view(), name="api_token"),
    path("figures/", views.FiguresApi.as_view(), name="api_figures"),
    *router.urls,
]
