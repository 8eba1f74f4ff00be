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
    # An optional column that some rows need: when (a file lacks it and) a row does, one message
    # at header level says so — "该列可选，但{needed}".
    needed: str = ""


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


# Instruction boxes that templates put under, above or beside the table (注意事项, 填表说明 …).
# Long words are enough as a prefix (no name or village starts with 注意事项); the short ones only
# count when they are the whole cell or followed by a colon, so a person named 注某某 or 说明华 is
# still read as data.
INSTRUCTION_HEADINGS = (
    "注意事项",
    "填写注意事项",
    "填表注意事项",
    "填表须知",
    "填报须知",
    "填写须知",
    "填表说明",
    "填写说明",
    "填报说明",
    "温馨提示",
    "特别提示",
    "特别说明",
)
INSTRUCTION_WORDS = ("注", "注意", "说明", "备注", "提示", "附注")
_INSTRUCTION_WORD = re.compile(r"^(?:" + "|".join(INSTRUCTION_WORDS) + r")(?:[:：]|$)")
# "1、请…", "2. 身份证号…", "（3）…", "一、…": a numbered line with text after the number (the
# bare serials 1, 1.0 of a data row's 序号 column have none).
_NUMBERED_LINE = re.compile(r"^(?:[(（]?\d{1,2}[、.．)）]|[(（]\d{1,2}[)）]|[一二三四五六七八九十]{1,3}[、.．])\s*[^\d\s.．]")
_NUMBER_CELL = re.compile(r"^(?:[(（]?\d{1,2}[、)）]|[(（]\d{1,2}[)）]|[一二三四五六七八九十]{1,3}、)$")
# A cell this long is a paragraph, not a value: the longest data cells (a school and major, an
# address) stay well under it.
PARAGRAPH_CHARS = 40


def _cell_text(value) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip()


def is_instruction_text(text: str, *, alone: bool) -> bool:
    """Whether ``text`` (the first non-empty cell of a row) opens an instruction box. ``alone``:
    the row has no other non-empty cell, so a numbered line or a paragraph is enough."""
    s = text.replace(" ", "").replace("\u3000", "")
    if s.startswith(INSTRUCTION_HEADINGS) or _INSTRUCTION_WORD.match(s):
        return True
    return alone and (bool(_NUMBERED_LINE.match(s)) or len(s) >= PARAGRAPH_CHARS)


def is_footer_or_blank(row: list) -> bool:
    """Blank rows, totals and signature lines, and instruction boxes — wherever they sit and
    whether merged (their text is in the first cell only) or not. Decided from the row's shape:
    a data row has several filled cells, short ones, and does not open with an instruction word."""
    if row and row[0].__class__ in (int, float):
        return False  # a number first (序号) opens a data row: no marker, heading or numbered line is a bare number
    # the first three non-empty cells are all the test needs (rows are read whole, 20+ cells wide)
    filled = list(itertools.islice((cell for c in row if c not in (None, "") and (cell := str(c).strip())), 3))
    if not filled:
        return True
    first = _cell_text(filled[0]).replace(" ", "")
    if first.startswith(SKIP_ROW_MARKERS) or (len(filled) == 1 and any(m in first for m in SKIP_ROW_MARKERS)):
        return True
    if is_instruction_text(first, alone=len(filled) == 1):
        return True
    # a number in its own cell before one long (merged) paragraph: "1、" | "身份证号请……"
    return len(filled) == 2 and bool(_NUMBER_CELL.match(first)) and len(_cell_text(filled[1])) >= PARAGRAPH_CHARS
