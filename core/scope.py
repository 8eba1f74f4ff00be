"""The one data-scope mechanism.

Every queryset that reaches a user — HTML views, API, exports, imports, Celery jobs — starts
from :func:`scoped`. County staff, auditors and admins see every township; a township clerk sees
only the own township; anybody else sees nothing. An object outside the scope is reported as
"not found" (404), exactly like a missing row, so nothing leaks.
"""

from __future__ import annotations

from django.db.models import Model, QuerySet
from django.http import Http404

from .roles import Role


def scoped(user, qs_or_model) -> QuerySet:
    """Narrow a queryset (or a model's default manager) to what ``user`` may see."""
    qs = qs_or_model._default_manager.all() if isinstance(qs_or_model, type) else qs_or_model
    if user is None or not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_all_townships:
        return qs
    if user.role == Role.CLERK and user.township_id:
        return qs.for_township(user.township_id)
    return qs.none()


def scope_key(user) -> str:
    """What decides ``user``'s scope (role, township, all-townships and superuser flags), as a
    cache key part: results cached under it are shared only by users who see the same rows."""
    return f"{user.role}:{user.township_id or 0}:{int(user.sees_all_townships)}:{int(user.is_superuser)}"


# Per-request answers of "is this object in the user's scope" (core.access.within_scope), kept
# on the user object: (model label, pk) → bool.
SCOPE_CACHE = "_touyan_scope_cache"


def get_scoped_or_404(user, qs_or_model, **lookup) -> Model:
    try:
        obj = scoped(user, qs_or_model).get(**lookup)
    except (qs_or_model if isinstance(qs_or_model, type) else qs_or_model.model).DoesNotExist:
        raise Http404("未找到该记录，或该记录不在您的数据范围内。") from None
    # found through the scope: a permission check on it later in the request needs no query
    if getattr(user, "is_authenticated", False):
        user.__dict__.setdefault(SCOPE_CACHE, {})[(obj._meta.label, obj.pk)] = True
    return obj


def in_scope(user, obj: Model) -> bool:
    return scoped(user, type(obj)).filter(pk=obj.pk).exists()
