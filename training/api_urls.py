"""REST API of the training app, mounted by config/urls.py at /api/v1/training/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.register("sessions", api.SessionViewSet, basename="training-session")
router.register("enrollments", api.EnrollmentViewSet, basename="training-enrollment")
router.register("upgrades", api.UpgradeViewSet, basename="training-upgrade")

urlpatterns = [
    path("coverage/", api.CoverageApi.as_view(), name="training-coverage"),
    *router.urls,
]
