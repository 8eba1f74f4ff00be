"""Merged cells in the data area of a roster (after the header has been found)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .reader import Sheet


def fill_down_merged(
    sheet: Sheet,
    *,
    first_row: int,
    columns: Iterable[int],
    skip_row: Callable[[list], bool] | None = None,
) -> int:
    """Give every row of a vertically merged range in the data area the value of its top-left
    cell, as a roster means it when it merges 乡镇 or 村 over the rows of that village's people
    (the file holds the value in the top cell only). The data area is the rows from ``first_row``
    on and the ``columns`` the header mapped. A range that starts above it (a header label merged
    down), spans several columns (an instruction box, a paragraph merged over the width: a
    horizontal merge stays as it is) or starts on a row ``skip_row`` refuses (an instruction or
    signature line) is left alone. Only cells the file leaves empty are filled and no row is
    added. Returns how many cells were filled."""
    rows = sheet.rows
    wanted = set(columns)
    filled = 0
    for (r0, c0), (r1, c1) in sheet.merged:
        if c0 != c1 or r1 <= r0 or r0 < first_row or c0 not in wanted or r0 >= len(rows):
            continue
        top = rows[r0]
        value = top[c0] if c0 < len(top) else None
        if value in (None, "") or (skip_row is not None and skip_row(top)):
            continue
        for r in range(r0 + 1, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            if c0 < len(row) and row[c0] in (None, ""):
                row[c0] = value
                filled += 1
    return filled
