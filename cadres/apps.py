from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs):
    from .services import roles_sync

    roles_sync()


class CadresConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cadres"

    def ready(self):
        from . import policy_sections, sheets  # noqa: F401  (register the policy section and sheet types)

        # Reference data, not domain logic: keep the role groups in step with the permissions.
        # Connected for every app (no sender): each app's permissions are created by its own
        # post_migrate, and the groups must include the domain apps that come after cadres.
        post_migrate.connect(_sync_roles, dispatch_uid="cadres_roles_sync")
