"""The service kernel: what every app's services do before they write.

- :func:`model_save` — full_clean (only the fields being updated, when ``update_fields`` is given),
  the history user for django-simple-history, then save.
- :func:`require_perm` / :func:`require_scope` — the permission and scope checks, raising
  ``PermissionDenied`` with a Chinese message. Both ask the one gate, :func:`core.access.can`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from .access import NO_PERMISSION, OUT_OF_SCOPE, SCOPE, can, require
from .conf import perm_name, policy_profile_model
from .models import AbstractPolicyProfile
from .policy import SECTIONS, default_profile_data, policy_for_year, section_defaults


def require_perm(by, perm: str, message: str | None = None, obj=None) -> None:
    """``can(by, perm, obj)`` or PermissionDenied. ``perm`` is an action of :mod:`core.access`
    (a registered one, or a plain ``app.codename`` permission); with ``obj`` the object must
    also be inside the user's scope and pass the action's rule (whose message is kept).
    ``message`` replaces the action's own "not allowed" message."""
    if by is None:
        raise PermissionDenied(message or NO_PERMISSION)
    require(by, perm, obj, message)


def require_scope(by, obj, message: str = OUT_OF_SCOPE, *, allow_system: bool = True) -> None:
    """``by=None`` is a system job (Celery, management command) and passes when ``allow_system``."""
    if by is None and allow_system:
        return
    if not can(by, SCOPE, obj):
        raise PermissionDenied(message)


def excluded_fields(obj, update_fields: list[str]) -> list[str]:
    return [f.name for f in obj._meta.fields if f.name not in update_fields]


def model_save(obj, *, by, update_fields: list[str] | None = None) -> None:
    obj._history_user = by
    obj.full_clean(exclude=None if update_fields is None else excluded_fields(obj, update_fields))
    obj.save(update_fields=update_fields)


# ---------------------------------------------------------------------------------------------
# The yearly policy profile
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def policy_profile_create(*, by, year: int, title: str = "") -> AbstractPolicyProfile:
    """Open a year's profile as a copy of the one in force (or the defaults)."""
    require_perm(by, perm_name(policy_profile_model(), "add"), "只有县委组织部可以维护政策配置。")
    if policy_profile_model().objects.filter(year=year).exists():
        raise ValidationError({"year": f"{year}年度政策配置已存在。"})
    base = policy_for_year(year)
    data = base.data if base.pk else default_profile_data()
    profile = policy_profile_model()(
        year=year,
        title=title or f"{year}年度政策配置",
        data=data,
        updated_by=by,
        note=f"复制自{base.year}年度" if base.pk else "复制自系统默认配置",
    )
    model_save(profile, by=by)
    return profile


@transaction.atomic
def policy_section_update(*, profile: AbstractPolicyProfile, by, key: str, values: dict) -> AbstractPolicyProfile:
    """Replace one section's values (validated by the section's form before it reaches here)."""
    require_perm(by, perm_name(policy_profile_model(), "change"), "只有县委组织部可以维护政策配置。")
    if key not in SECTIONS:
        raise ValidationError({"section": f"未知的配置分区“{key}”。"})
    profile = policy_profile_model().objects.select_for_update().get(pk=profile.pk)
    data = dict(profile.data)
    section = dict(data.get(key, {}))
    section.update(values)
    if SECTIONS[key].validate is not None:
        SECTIONS[key].validate({**section_defaults(key), **section})
    data[key] = section
    profile.data = data
    profile.updated_by = by
    model_save(profile, by=by, update_fields=["data", "updated_by", "updated_at"])
    if SECTIONS[key].on_change:
        from django.utils.module_loading import import_string

        task = import_string(SECTIONS[key].on_change)
        year = profile.year
        transaction.on_commit(lambda: task.delay(year))
    return profile
