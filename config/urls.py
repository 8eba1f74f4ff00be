from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

admin.site.site_header = "头雁·村干部队伍建设管理系统"
admin.site.site_title = "头雁管理后台"
admin.site.index_title = "数据管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/reserves/", include("reserves.api_urls")),
    path("api/v1/training/", include("training.api_urls")),
    path("api/v1/reviews/", include("assessments.api_urls")),
    path("api/v1/ledger/", include("subsidies.api_urls")),
    path("api/v1/", include("cadres.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("reserves/", include("reserves.urls")),
    path("training/", include("training.urls")),
    path("assessments/", include("assessments.urls")),
    path("subsidies/", include("subsidies.urls")),
    path("security/lockouts/", include("core.lockout_urls")),
    path("", include("core.auth_urls")),
    path("", include("core.urls")),
    path("", include("core.system_urls")),
    path("", include("cadres.urls")),
]

handler400 = "core.error_views.bad_request"
handler403 = "core.error_views.permission_denied"
handler404 = "core.error_views.page_not_found"
handler500 = "core.error_views.server_error"
