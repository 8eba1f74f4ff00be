from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs):
    from .permission_names import permission_names_sync
    from .roles import roles_sync

    permission_names_sync()
    roles_sync()


class CoreConfig(AppConfig):
    """The frame every domain app builds on. It imports no domain app: the models it works with
    (the township that scopes data, the policy profile, import batches, export logs) are named in
    settings (``TOUYAN_MODELS``) and reached through :mod:`core.conf`."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "基础框架"

    def ready(self):
        from . import (
            dashboard,  # noqa: F401  (the frame's own home-page provider: imports with errors)
            login_log,
            tasks,  # noqa: F401  (the frame's jobs, queued by name: core.jobs.enqueue)
        )

        login_log.connect()  # 登录日志: logins, logouts, failures, lockouts (auth and axes signals)

        # Reference data, not domain logic: keep the role groups in step with the permissions.
        # Connected for every app (no sender): each app's permissions are created by its own
        # post_migrate, and the groups must include every domain app.
        post_migrate.connect(_sync_roles, dispatch_uid="core_roles_sync")
