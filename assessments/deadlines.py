"""Campaign deadlines: which phases and which townships are overdue (pure, no ORM; table-tested).

A phase is overdue when its deadline has passed and the campaign has not moved past it; a
township is overdue when a deadline has passed and its entries for that step are incomplete
(述职 by 述职截止; both ballots and the daily score by 测评截止). Nothing is overdue once the
results are published (entry is closed).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from .choices import LOCKED_PHASES, PHASE_ORDER, Phase


@dataclass(frozen=True)
class Overdue:
    key: str
    label: str
    deadline: datetime.date
    days: int

    @property
    def text(self) -> str:
        return f"{self.label}已逾期 {self.days} 天"


# (phase the deadline closes, campaign field, label)
PHASE_DEADLINES = (
    (Phase.REPORT, "report_deadline", "述职"),
    (Phase.BALLOT, "ballot_deadline", "测评"),
    (Phase.GRADE, "grade_deadline", "评定"),
    (Phase.PUBLICITY, "publicity_end", "公示"),
)


def _late(deadline: datetime.date | None, today: datetime.date) -> int:
    return (today - deadline).days if deadline and today > deadline else 0


def overdue_phases(*, phase: str, deadlines: dict[str, datetime.date | None], today: datetime.date) -> dict[str, Overdue]:
    """Phase code → Overdue for the phases not finished by their deadline."""
    current = PHASE_ORDER.index(phase)
    out = {}
    for p, field, label in PHASE_DEADLINES:
        days = _late(deadlines.get(field), today)
        if days and current <= PHASE_ORDER.index(p):
            out[p.value] = Overdue(p.value, label, deadlines[field], days)
    return out


def overdue_township(
    *, phase: str, deadlines: dict[str, datetime.date | None], today: datetime.date, progress: dict
) -> list[Overdue]:
    """What one township has not entered by the deadline (``progress`` is a row of
    selectors.township_progress)."""
    n = progress.get("reviews", 0)
    if not n or phase in LOCKED_PHASES:
        return []
    out = []
    days = _late(deadlines.get("report_deadline"), today)
    if days and progress.get("reports", 0) < n:
        out.append(Overdue("report", f"述职（{progress.get('reports', 0)}/{n}）", deadlines["report_deadline"], days))
    days = _late(deadlines.get("ballot_deadline"), today)
    missing = n - min(progress.get("township_ballots", 0), progress.get("members_ballots", 0), progress.get("daily", 0))
    if days and missing > 0:
        out.append(Overdue("ballot", f"测评录入（缺{missing}人）", deadlines["ballot_deadline"], days))
    return out


def campaign_deadlines(campaign) -> dict[str, datetime.date | None]:
    return {field: getattr(campaign, field) for _, field, _ in PHASE_DEADLINES}
