"""Chinese names for Django's default model permissions.

Django stores "Can add person" and the like in ``auth_permission.name`` (not translated), and the
admin's group and user pages list them. After every migrate each default permission (add, change,
delete, view) gets "可以新增/修改/删除/查看" + the model's Chinese name; custom permissions keep the
Chinese names their models declare.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.utils import translation

ACTIONS = {"add": "新增", "change": "修改", "delete": "删除", "view": "查看"}


def default_permission_name(action: str, verbose_name: str) -> str:
    return f"可以{ACTIONS[action]}{verbose_name}"


def permission_names_sync() -> int:
    """Rename the default permissions of every installed model; returns how many changed."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    changed = []
    with translation.override(settings.LANGUAGE_CODE):
        models = {(m._meta.app_label, m._meta.model_name): m for m in apps.get_models()}
        types = {ct.pk: models.get((ct.app_label, ct.model)) for ct in ContentType.objects.all()}
        for perm in Permission.objects.all():
            model = types.get(perm.content_type_id)
            action, _, model_name = perm.codename.partition("_")
            if model is None or action not in ACTIONS or model_name != model._meta.model_name:
                continue
            name = default_permission_name(action, str(model._meta.verbose_name))[:255]
            if perm.name != name:
                perm.name = name
                changed.append(perm)
    Permission.objects.bulk_update(changed, ["name"], batch_size=500)
    return len(changed)
