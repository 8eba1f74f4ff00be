"""URLs of the reserves app (its pages arrive with its issue)."""

app_name = "reserves"
urlpatterns: list = []
