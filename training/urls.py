"""URLs of the training app (its pages arrive with its issue)."""

app_name = "training"
urlpatterns: list = []
