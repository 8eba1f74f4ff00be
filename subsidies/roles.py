"""The finance role (财务): the only holder of ``subsidies.view_bank_account``.

cadres.services.roles_sync gives the county and admin groups every domain permission ("*") except the
restricted ones (SubsidiesConfig.ready registers FINANCE_ONLY there), so county staff never read full
bank card numbers. After each roles sync (post_migrate, connected after the cadres receiver)
``finance_sync`` creates the "财务" group holding the finance-only permissions and takes them away from
any other group that was given them by hand. A county
staff member becomes a finance user when an administrator adds them to the "财务" group
(admin → 用户 → 组); superusers keep every permission.
"""

from __future__ import annotations

FINANCE_GROUP = "财务"
# Permissions that only the finance group holds (app label "subsidies").
FINANCE_ONLY = ("view_bank_account",)
# What finance staff need besides the finance-only permissions (they may not be county staff).
FINANCE_EXTRA = (
    "view_payperiod",
    "view_payrun",
    "view_payrunline",
    "view_ledgerentry",
    "view_payaccount",
    "change_payaccount",
)


def finance_sync() -> None:
    """Create/refresh the 财务 group; strip the finance-only permissions from every other group.
    Idempotent."""
    from django.contrib.auth.models import Group, Permission

    only = list(Permission.objects.filter(content_type__app_label="subsidies", codename__in=FINANCE_ONLY))
    if not only:  # the subsidies permissions are not created yet (an earlier app's post_migrate)
        return
    extra = list(Permission.objects.filter(content_type__app_label="subsidies", codename__in=FINANCE_EXTRA))
    group, _ = Group.objects.get_or_create(name=FINANCE_GROUP)
    group.permissions.set([*only, *extra])
    for other in Group.objects.exclude(pk=group.pk).filter(permissions__in=only).distinct():
        other.permissions.remove(*only)


def _on_post_migrate(sender, **kwargs) -> None:
    finance_sync()


def user_make_finance(*, user) -> None:
    """Add a user to the 财务 group (demo and tests; in production an administrator does it)."""
    from django.contrib.auth.models import Group

    finance_sync()
    user.groups.add(Group.objects.get(name=FINANCE_GROUP))
