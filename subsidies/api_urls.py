"""REST API of the subsidies app, mounted by config/urls.py at /api/v1/ledger/."""

from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.register("periods", api.PayPeriodViewSet, basename="ledger-period")
router.register("runs", api.PayRunViewSet, basename="ledger-run")
router.register("entries", api.LedgerEntryViewSet, basename="ledger-entry")
router.register("accounts", api.PayAccountViewSet, basename="ledger-account")

urlpatterns = router.urls
