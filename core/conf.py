"""The concrete models the frame works with, named in settings like ``AUTH_USER_MODEL``.

``settings.TOUYAN_MODELS`` maps a role to an ``"app_label.ModelName"``:

- ``township``: the unit of data scope (a clerk sees one township);
- ``village``: the unit under a township, with a ``township`` foreign key (村/社区);
- ``policy_profile``: the yearly policy profile (a subclass of :class:`core.models.AbstractPolicyProfile`);
- ``import_batch``: one uploaded file (:class:`core.models.AbstractImportBatch`);
- ``export_log``: one download (:class:`core.models.AbstractExportLog`).

The accessors resolve lazily (call them inside functions, never at import time).
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model


def _model(role: str):
    return apps.get_model(settings.TOUYAN_MODELS[role], require_ready=False)


def township_model():
    return _model("township")


def village_model():
    """The unit under a township (村/社区): ``township`` is its foreign key to the township model."""
    return _model("village")


def policy_profile_model():
    return _model("policy_profile")


def import_batch_model():
    return _model("import_batch")


def export_log_model():
    return _model("export_log")


def user_model():
    return get_user_model()


def personal_data_permission() -> str:
    """The permission that lets a role read full ID numbers and phone numbers."""
    return settings.TOUYAN_PERSONAL_DATA_PERMISSION


def perm_name(model, action: str) -> str:
    """``"app_label.<action>_<model>"`` of a model's default permission (view/add/change/delete)."""
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"
