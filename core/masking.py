"""Personal data (ID numbers, phones) shown in full only to roles that need them.

County staff, admins and township clerks (who keep their township's files) hold the permission
named by ``settings.TOUYAN_PERSONAL_DATA_PERMISSION``; auditors and other read-only roles see masked values everywhere:
pages, API and exports.
"""

import re

from .access import can
from .conf import personal_data_permission

# A run of 15–19 digits (an ID number, with a final X, or a bank card number) inside free text.
_LONG_NUMBER = re.compile(r"(?<![0-9])[0-9]{14,18}[0-9Xx](?![0-9Xx])")


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


def mask_numbers_in(value):
    """Mask every ID-length or card-length number inside text (messages quoting a cell, e.g. an
    import's errors), in strings, lists and dicts; other values are returned unchanged."""
    if isinstance(value, str):
        return _LONG_NUMBER.sub(lambda m: mask_id_number(m.group(0)), value)
    if isinstance(value, list):
        return [mask_numbers_in(v) for v in value]
    if isinstance(value, dict):
        return {k: mask_numbers_in(v) for k, v in value.items()}
    return value


# An ID number (18 characters, or the old 15 digits) or a mobile number inside free text — an
# import's messages quote the cells they are about («「身份证号」：430122… — 校验位错误»).
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_PHONE_IN_TEXT = re.compile(r"(?<![0-9])1[3-9]\d{9}(?![0-9])")


def mask_personal_text(text: str) -> str:
    """``text`` with every ID number and mobile number in it masked."""
    if not text or not any(ch.isdigit() for ch in text):
        return text
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group()), text)
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group()), text)


def personal_text_for(user, text: str) -> str:
    return text if can_see_personal(user) else mask_personal_text(text)
