"""One "today": the local date of the county (``TIME_ZONE``, Asia/Shanghai), never the server's."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable

from django.utils import timezone


def today() -> datetime.date:
    return timezone.localdate()


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Same day ``months`` later (or earlier); the 31st of a short month becomes its last day."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def full_months(start: datetime.date, last_day: datetime.date) -> int:
    """Whole months served from ``start`` to ``last_day`` *inclusive* (the last day in post):
    2000-01-01 … 2008-12-31 is 108 months. A month is complete on the day before the same
    day-of-month comes round again (``add_months``: from 31 January it comes round on the
    last day of February). A same-day start and end is one day, no month; an end before the
    start counts nothing."""
    if last_day < start:
        return 0
    after = last_day + datetime.timedelta(days=1)  # the half-open end [start, after)
    months = (after.year - start.year) * 12 + after.month - start.month
    if add_months(start, months) > after:
        months -= 1
    return max(months, 0)


def merge_spans(
    spans: Iterable[tuple[datetime.date, datetime.date | None]], *, on: datetime.date
) -> list[tuple[datetime.date, datetime.date]]:
    """(first day, last day or None) spans merged into continuous periods, both ends inclusive:
    overlapping or back-to-back spans (one ending 31 March, the next starting 1 April) are one
    period. Time after ``on`` is not counted; an end before its start (a typing error) counts nothing."""
    bounded = sorted((start, min(end or on, on)) for start, end in spans if start <= on)
    merged: list[list[datetime.date]] = []
    for start, end in bounded:
        if end < start:
            continue
        if merged and start <= merged[-1][1] + datetime.timedelta(days=1):
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]
