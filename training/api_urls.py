"""REST API of the training app, mounted by config/urls.py."""

urlpatterns: list = []
