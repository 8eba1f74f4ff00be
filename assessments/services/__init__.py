"""Writes of the annual review. The only place where review rules change data.

Every function takes keyword-only arguments, runs in one transaction, checks the acting user's
permission and data scope, validates with Chinese messages keyed by field, and records history
with who and when (simple_history, user from ``by``). The rule math itself is pure (rules.py).

One module per concern; callers use ``from assessments import services`` and ``services.xxx``:

* campaigns  — the campaign and its phases (entering 公示 locks the results)
* entry      — reviews generated per secretary, reports, scores, items, files, ballot counts
* rollup     — the annual rollup (Celery task, schedule, rerun after a policy change)
* rollup_parts — the same rollup split by township over every Celery worker (the task's path)
* results    — tie decisions, manual overrides, amendments after 公示
* proposals  — consequence proposals: confirm, dismiss, re-ballot

Private helpers stay in their module: patch them there (e.g. ``services.rollup._write_township``).
"""

from .campaigns import CAMPAIGN_FIELDS, campaign_advance, campaign_create, campaign_update
from .entry import (
    FILE_SUFFIXES,
    MAX_FILE_BYTES,
    REVIEW_FIELDS,
    ballot_tally_save,
    review_file_add,
    review_items_set,
    review_update,
    reviews_generate,
    validate_tally,
)
from .proposals import proposal_confirm, proposal_dismiss, reballot_record
from .results import AMENDABLE, result_amend, result_override
from .rollup import (
    RESULT_FIELDS,
    review_policy_changed,
    review_recompute,
    review_rollup_scheduled,
    review_year_rollup,
    rollup_request,
    rollup_scheduled_date,
)
from .rollup_parts import rollup_finish, rollup_rank, rollup_start, rollup_township_score, rollup_township_write

__all__ = [
    "AMENDABLE",
    "CAMPAIGN_FIELDS",
    "FILE_SUFFIXES",
    "MAX_FILE_BYTES",
    "RESULT_FIELDS",
    "REVIEW_FIELDS",
    "ballot_tally_save",
    "campaign_advance",
    "campaign_create",
    "campaign_update",
    "proposal_confirm",
    "proposal_dismiss",
    "reballot_record",
    "result_amend",
    "result_override",
    "review_file_add",
    "review_items_set",
    "review_policy_changed",
    "review_recompute",
    "review_rollup_scheduled",
    "review_update",
    "review_year_rollup",
    "reviews_generate",
    "rollup_finish",
    "rollup_rank",
    "rollup_request",
    "rollup_scheduled_date",
    "rollup_start",
    "rollup_township_score",
    "rollup_township_write",
    "validate_tally",
]
