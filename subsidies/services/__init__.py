"""Writes to the pay ledger: the only place where pay rules change data.

Keyword-only arguments; permission and data-scope checks first; Chinese ValidationErrors keyed by
field; history with who and when. The ledger is append-only: nothing here updates or deletes a
LedgerEntry — corrections are reversing entries with a reason.

- ``periods``: pay periods (parse, open, lock, unlock)
- ``payruns``: the pay-run workflow (create → compute → prepare → approve → post → mark paid)
- ``payrun_parts``: computing and posting a run township by township over every Celery worker
- ``compute``: what a run would pay (preview lines per run kind)
- ``progress``: progress of a run's computation
- ``ledger``: reversals, manual and imported entries, awards
- ``accounts``: pay accounts, living-subsidy stops, benefit records

Callers use ``from subsidies import services`` and ``services.payrun_create(...)``.
"""

from __future__ import annotations

from .accounts import ACCOUNT_FIELDS, benefit_record_add, living_subsidy_stop_add, pay_account_save
from .compute import compute_lines
from .ledger import award_post, ledger_entry_add, ledger_entry_reverse
from .payrun_parts import (
    payrun_compute_finish,
    payrun_compute_start,
    payrun_compute_township,
    payrun_post_finish,
    payrun_post_resume,
    payrun_post_start,
    payrun_post_township,
)
from .payruns import (
    payrun_approve,
    payrun_cancel,
    payrun_compute,
    payrun_create,
    payrun_mark_paid,
    payrun_post,
    payrun_post_failed,
    payrun_prepare,
    payrun_recompute,
    payrun_return,
)
from .periods import PERIOD_RE, parse_period_code, period_get_or_create, period_lock, period_unlock
from .progress import PROGRESS_EVERY, Progress

__all__ = [
    "ACCOUNT_FIELDS",
    "PERIOD_RE",
    "PROGRESS_EVERY",
    "Progress",
    "award_post",
    "benefit_record_add",
    "clerk_permissions",
    "compute_lines",
    "ledger_entry_add",
    "ledger_entry_reverse",
    "living_subsidy_stop_add",
    "parse_period_code",
    "pay_account_save",
    "payrun_approve",
    "payrun_cancel",
    "payrun_compute",
    "payrun_compute_finish",
    "payrun_compute_start",
    "payrun_compute_township",
    "payrun_create",
    "payrun_mark_paid",
    "payrun_post",
    "payrun_post_failed",
    "payrun_post_finish",
    "payrun_post_resume",
    "payrun_post_start",
    "payrun_post_township",
    "payrun_prepare",
    "payrun_recompute",
    "payrun_return",
    "period_get_or_create",
    "period_lock",
    "period_unlock",
]


def clerk_permissions() -> list[str]:
    """What a township clerk may do in the pay ledger (registered in apps.py)."""
    return [
        "subsidies.view_payperiod",
        "subsidies.view_payrun",
        "subsidies.view_payrunline",
        "subsidies.view_ledgerentry",
        "subsidies.view_payaccount",
        "subsidies.view_benefitrecord",
        "subsidies.view_livingsubsidystop",
        "subsidies.add_payrun",
        "subsidies.prepare_payrun",
        "subsidies.add_livingsubsidystop",
        "subsidies.add_benefitrecord",
    ]
