"""URLs of the subsidies app (its pages arrive with its issue)."""

app_name = "subsidies"
urlpatterns: list = []
