"""This app's actions at the permission gate (core.access.can): county staff and clerks keep the
reserves of their scope; the county-level steps (review, pool, appoint, exit) are the county's."""

from __future__ import annotations

from core.access import COUNTY_STAFF, WRITERS, register_action

MAINTAIN = "reserves.maintain"
DECIDE = "reserves.decide"


def register() -> None:
    register_action(MAINTAIN, roles=WRITERS, message="您没有维护后备力量的权限（只读）。")
    register_action(DECIDE, roles=COUNTY_STAFF, message="该步骤由县委组织部办理。")
