"""Find the header row of a clerk's sheet and map its columns to field keys."""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field

SKIP_ROW_MARKERS = (
    "合计",
    "总计",
    "小计",
    "填表人",
    "填报人",
    "审核人",
    "负责人",
    "填表日期",
    "填报日期",
    "制表",
    "说明",
    "注：",
    "备注：",
)


@dataclass(frozen=True)
class Col:
    """One column of a sheet type."""

    key: str
    label: str
    synonyms: tuple[str, ...] = ()
    required: bool = False
    help: str = ""
    example: object = ""
    choices: tuple[str, ...] = ()  # dropdown values in the template
    text_format: bool = False  # ID-like columns: formatted as text in the template
    width: int = 12


def header_key(value) -> str:
    s = unicodedata.normalize("NFKC", str(value or ""))
    s = re.sub(r"\s+", "", s)
    s = s.replace("*", "").replace("★", "").replace("：", "").replace(":", "")
    s = re.sub(r"[（(][^）)]*(必填|选填|格式|如|例)[^）)]*[）)]", "", s)
    s = s.replace("（", "(").replace("）", ")")
    return s


@dataclass
class HeaderMatch:
    row_index: int  # 0-based index of the (last) header row
    columns: dict[int, str]  # column index → field key
    labels: dict[str, str]  # field key → header text as written in the file
    missing_required: list[str] = field(default_factory=list)
    score: int = 0


def _synonym_index(cols: list[Col]) -> dict[str, str]:
    idx: dict[str, str] = {}
    for col in cols:
        for name in (col.label, *col.synonyms):
            idx[header_key(name)] = col.key
            idx[header_key(name).replace("(", "").replace(")", "")] = col.key
    return idx


def _row_keys(row: list, above: list | None, idx: dict[str, str]) -> tuple[dict[int, str], dict[str, str]]:
    """Map cells of ``row`` to keys, using the row above as a group header (merged cells carry
    their text only in the first cell, so it is filled forward)."""
    group = []
    if above is not None:
        last = ""
        for j in range(len(row)):
            cell = header_key(above[j]) if j < len(above) else ""
            if cell:
                last = cell
            group.append(last if row[j] not in (None, "") else cell)
    mapped: dict[int, str] = {}
    labels: dict[str, str] = {}
    for j, cell in enumerate(row):
        h = header_key(cell)
        candidates = []
        if group and group[j] and h:
            candidates += [group[j] + h, group[j] + "(" + h + ")", h + group[j]]
        if h:
            candidates.append(h)
        elif group and group[j]:
            candidates.append(group[j])
        for cand in candidates:
            key = idx.get(cand) or idx.get(cand.replace("(", "").replace(")", ""))
            if key and key not in labels:
                mapped[j] = key
                labels[key] = (group[j] + "·" + h) if (group and group[j] and h and cand != h) else (h or cand)
                break
    return mapped, labels


def find_header(rows: list[list], cols: list[Col], scan: int = 30) -> HeaderMatch | None:
    """The row (within the first ``scan`` rows) that maps the most columns, required ones first."""
    idx = _synonym_index(cols)
    required = [c.key for c in cols if c.required]
    best: HeaderMatch | None = None
    for i in range(min(scan, len(rows))):
        row = rows[i]
        if not any(str(c).strip() for c in row if c is not None):
            continue
        for above in (rows[i - 1] if i > 0 else None, None):
            mapped, labels = _row_keys(row, above, idx)
            if not mapped:
                continue
            missing = [k for k in required if k not in labels]
            score = len(mapped) * 10 - len(missing) * 100
            if best is None or score > best.score:
                best = HeaderMatch(row_index=i, columns=mapped, labels=labels, missing_required=missing, score=score)
    return best


def is_footer_or_blank(row: list) -> bool:
    # the first two non-empty cells are all the test needs (rows are read whole, 20+ cells wide)
    filled = list(itertools.islice((cell for c in row if c not in (None, "") and (cell := str(c).strip())), 2))
    if not filled:
        return True
    first = unicodedata.normalize("NFKC", filled[0]).replace(" ", "")
    return first.startswith(SKIP_ROW_MARKERS) or (len(filled) == 1 and any(m in first for m in SKIP_ROW_MARKERS))
