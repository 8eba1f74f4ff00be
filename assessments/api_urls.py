"""REST API of the assessments app, mounted at /api/v1/reviews/ by config/urls.py."""

from rest_framework.routers import DefaultRouter

from . import api

app_name = "assessments_api"

router = DefaultRouter()
router.register("campaigns", api.CampaignViewSet, basename="campaign")
router.register("reviews", api.ReviewViewSet, basename="review")
router.register("results", api.ResultViewSet, basename="result")
router.register("proposals", api.ProposalViewSet, basename="proposal")
router.register("rollups", api.RollupRunViewSet, basename="rollup")

urlpatterns = router.urls
