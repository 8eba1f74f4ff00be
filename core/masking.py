"""Personal data (ID numbers, phones) shown in full only to roles that need them.

County staff, admins and township clerks (who keep their township's files) hold the permission
named by ``settings.TOUYAN_PERSONAL_DATA_PERMISSION``; auditors and other read-only roles see masked values everywhere:
pages, API and exports.
"""

from .access import can
from .conf import personal_data_permission


def can_see_personal(user) -> bool:
    return bool(user and user.is_authenticated and can(user, personal_data_permission()))


def mask_id_number(value: str) -> str:
    return f"{value[:6]}********{value[-4:]}" if value and len(value) >= 10 else value


def mask_phone(value: str) -> str:
    return f"{value[:3]}****{value[-4:]}" if value and len(value) >= 8 else value


def id_number_for(user, value: str) -> str:
    return value if can_see_personal(user) else mask_id_number(value)


def phone_for(user, value: str) -> str:
    return value if can_see_personal(user) else mask_phone(value)
