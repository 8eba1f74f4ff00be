"""This app's actions at the permission gate (core.access.can): county staff and clerks keep the
training records of their scope; fixing the tuition and diploma subsidies (handed to the pay
ledger) is the county's."""

from __future__ import annotations

from core.access import COUNTY_STAFF, WRITERS, register_action

MAINTAIN = "training.maintain"
GRANT_SUBSIDY = "training.grant_subsidy"


def register() -> None:
    register_action(MAINTAIN, roles=WRITERS, message="您没有维护培训数据的权限（只读）。")
    register_action(GRANT_SUBSIDY, roles=COUNTY_STAFF, message="该操作由县委组织部办理。")
