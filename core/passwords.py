"""修改密码: a user's own password change (every role), through Django's password validators.

An administrator's reset (a temporary password the user must change at the next login) is the
register's ``user_password_reset``; until the user has chosen a new password,
:class:`core.middleware.PasswordChangeRequiredMiddleware` sends every page to the change form.
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.db import transaction

CHANGE_REASON = "本人修改密码"


@transaction.atomic
def password_change(*, user, new_password: str) -> None:
    """Set ``user``'s own new password (the old one was checked by the form). Validators raise a
    ValidationError with Django's Chinese messages. Recorded in the user's change history."""
    password_validation.validate_password(new_password, user)
    user.set_password(new_password)
    fields = ["password"]
    if getattr(user, "must_change_password", False):
        user.must_change_password = False
        fields.append("must_change_password")
    user._history_user = user
    user._change_reason = CHANGE_REASON
    user.save(update_fields=fields)


def must_change_password(user) -> bool:
    return bool(user is not None and user.is_authenticated and getattr(user, "must_change_password", False))
