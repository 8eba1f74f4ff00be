"""URLs of the assessments app (its pages arrive with its issue)."""

app_name = "assessments"
urlpatterns: list = []
