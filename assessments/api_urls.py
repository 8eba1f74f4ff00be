"""REST API of the assessments app, mounted by config/urls.py."""

urlpatterns: list = []
