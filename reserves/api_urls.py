"""REST API of the reserves app, mounted at /api/v1/reserves/ by config/urls.py."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import api

app_name = "reserves_api"

router = DefaultRouter()
router.register("candidates", api.ReserveCandidateViewSet, basename="candidate")

urlpatterns = [
    path("coverage/", api.CoverageApi.as_view(), name="coverage"),
    path("structure/", api.StructureApi.as_view(), name="structure"),
    *router.urls,
]
