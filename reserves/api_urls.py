"""REST API of the reserves app, mounted by config/urls.py."""

urlpatterns: list = []
