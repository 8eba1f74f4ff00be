"""The one permission gate: ``can(user, action, obj=None)``.

An *action* is a name such as ``"subsidies.approve_payrun"``. ``can`` is true only if

1. the user is signed in and active;
2. the user holds what the action needs: its Django permission (the role groups of
   :mod:`core.roles` hold them) and/or one of its roles, and, for county steps, a county-wide scope;
3. the object (when one is given) is inside the user's data scope (:mod:`core.scope`);
4. the action's own rule on the object, if any, does not refuse (e.g. separation of duties: the
   approver of a pay run is not the one who prepared it).

Services (``core.services.require_perm`` / ``require_scope``), base views (the permission of
``ObjectFormView``), the API (``core.api.WritePermission``) and templates (``{% can … as ok %}``)
all ask this one function. Domain apps describe their actions in ``AppConfig.ready`` with
:func:`register_action`; an action that nobody registered and that looks like ``app.codename`` is
the Django permission of that name (plus the scope of the object).

Workflow *states* ("only a prepared run can be approved") stay in the services, which answer
them with a ValidationError naming the state; the gate answers *who* may act on *which* object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Model

from .roles import Role

NO_PERMISSION = "您没有执行此操作的权限。"
OUT_OF_SCOPE = "该记录不在您的数据范围内。"
NOT_SIGNED_IN = "请先登录。"

# Roles that keep the files: county staff and administrators work county-wide, clerks in their
# township. Auditors read and never write.
COUNTY_STAFF = frozenset({Role.COUNTY, Role.ADMIN})
WRITERS = frozenset({Role.COUNTY, Role.ADMIN, Role.CLERK})

# The scope-only action: "the object is inside the user's data scope" (no permission needed).
SCOPE = "core.in_scope"


@dataclass(frozen=True)
class Action:
    name: str
    # The Django permission the action needs (``None``: the roles decide).
    perm: str | None = None
    # The roles that may act (``None``: the permission decides). Superusers hold every role.
    roles: frozenset[str] | None = None
    # Only users who see every township (county staff, administrators).
    county: bool = False
    # ``rule(user, obj) -> str | None``: a refusal in Chinese, or None. Called only with an object.
    rule: Callable[[object, object], str | None] | None = None
    # What a refused user is told.
    message: str = NO_PERMISSION


# Uploading a spreadsheet: county staff and clerks (the sheet type's own permission is asked too,
# see core.imports.batches.import_allowed).
IMPORT_SHEET = "core.import_sheet"
IMPORT_REFUSED = "您没有导入数据的权限。"

ACTIONS: dict[str, Action] = {
    SCOPE: Action(SCOPE, message=OUT_OF_SCOPE),
    IMPORT_SHEET: Action(IMPORT_SHEET, roles=WRITERS, message=IMPORT_REFUSED),
}


def register_action(
    name: str,
    *,
    perm: str | None = None,
    roles: Iterable[str] | None = None,
    county: bool = False,
    rule: Callable[[object, object], str | None] | None = None,
    message: str = NO_PERMISSION,
) -> Action:
    """Describe an action once (in the app's ``AppConfig.ready``). Re-registering replaces it."""
    if perm is None and roles is None and not county:
        perm = name
    action = Action(
        name=name,
        perm=perm,
        roles=frozenset(roles) if roles is not None else None,
        county=county,
        rule=rule,
        message=message or NO_PERMISSION,
    )
    ACTIONS[name] = action
    return action


def action_spec(name: str) -> Action:
    spec = ACTIONS.get(name)
    if spec is not None:
        return spec
    if name.count(".") == 1:
        return Action(name=name, perm=name)
    raise KeyError(f"unknown action {name!r}: register it with core.access.register_action")


def has_role(user, roles: Iterable[str]) -> bool:
    return bool(user.is_superuser or user.role in roles)


def within_scope(user, obj) -> bool:
    """Is ``obj`` inside the user's data scope? The same answer as :func:`core.scope.in_scope`,
    without a query when it can be read off the object (county-wide users; a clerk and an object
    whose township is loaded); answers are remembered on the user object for the request."""
    if not isinstance(obj, Model):
        return True
    if user.sees_all_townships:
        return True
    manager_qs = type(obj)._default_manager.all()
    if not hasattr(manager_qs, "for_township"):
        return True  # not a scoped model (county-wide reference data: periods, campaigns…)
    from .models import ScopedQuerySet
    from .scope import SCOPE_CACHE, in_scope

    if not (user.role == Role.CLERK and user.township_id):
        return False
    cache = user.__dict__.setdefault(SCOPE_CACHE, {})
    key = (obj._meta.label, obj.pk)
    if key in cache:
        return cache[key]
    default_path = type(manager_qs).for_township is ScopedQuerySet.for_township
    township_id = _township_id_of(obj, manager_qs) if default_path else _UNKNOWN
    answer = in_scope(user, obj) if township_id is _UNKNOWN else township_id == user.township_id
    cache[key] = answer
    return answer


_UNKNOWN = object()


def _township_id_of(obj: Model, qs):
    """Walk ``township_path`` over relations already loaded; ``_UNKNOWN`` when that needs a query."""
    parts = qs.township_path.split("__")
    current = obj
    for part in parts[:-1]:
        field = current._meta.get_field(part)
        if not field.is_cached(current):
            return _UNKNOWN
        current = getattr(current, part)
        if current is None:
            return None
    last = parts[-1]
    if not hasattr(current, last):
        return _UNKNOWN
    return getattr(current, last)


def refusal(user, action: str, obj=None) -> str | None:
    """Why ``user`` may not do ``action`` (to ``obj``), in Chinese; ``None`` when they may."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOT_SIGNED_IN
    spec = action_spec(action)
    if spec.perm is not None and not user.has_perm(spec.perm):
        return spec.message
    if spec.roles is not None and not has_role(user, spec.roles):
        return spec.message
    if spec.county and not user.sees_all_townships:
        return spec.message
    if obj is not None:
        if not within_scope(user, obj):
            return OUT_OF_SCOPE
        if spec.rule is not None:
            return spec.rule(user, obj)
    return None


def can(user, action: str, obj=None) -> bool:
    """The one permission gate (see the module docstring)."""
    return refusal(user, action, obj) is None


def require(by, action: str, obj=None, message: str | None = None) -> None:
    """Raise ``PermissionDenied`` with a Chinese message unless ``can(by, action, obj)``.

    ``message`` replaces the refusal of the permission/role check (a rule's own message and the
    scope message are kept: they say more)."""
    reason = refusal(by, action, obj)
    if reason is None:
        return
    spec = action_spec(action)
    if message and reason in (spec.message, NO_PERMISSION):
        reason = message
    raise PermissionDenied(reason)
