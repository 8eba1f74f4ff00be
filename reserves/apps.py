from django.apps import AppConfig


class ReservesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reserves"
    verbose_name = "后备力量"
