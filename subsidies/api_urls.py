"""REST API of the subsidies app, mounted by config/urls.py."""

urlpatterns: list = []
