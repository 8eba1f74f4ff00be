"""The pipeline and the sheet-type registry.

parse (reader) → map headers (headers) → normalise cells (SheetType.clean_row, using normalize)
→ validate across rows and against the database (SheetType.plan) → preview → apply
(SheetType.apply inside one transaction, all-or-nothing).
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from .headers import Col, HeaderMatch, find_header, is_footer_or_blank
from .merged import fill_down_merged
from .normalize import CellError, NotedText, display, is_blank
from .reader import Sheet, read_workbook

NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"
BLANK_VALUE = "未填写"  # how an empty cell is quoted in a message
_MISSING = object()
STATUS_LABELS = {NEW: "新增", CHANGED: "修改", UNCHANGED: "无变化", ERROR: "有错误"}


_gc_lock = threading.Lock()
_gc_pausers = 0  # steps now running with the collector paused (threads of one process)
_gc_was_enabled = False


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cyclic garbage collector off for one bulk step (an import's preview or apply, a
    large export), on again when the last such step of the process ends.

    Such a step allocates hundreds of thousands of small objects that all stay alive until it
    ends, which makes the collector run full passes over the whole process again and again while
    finding nothing to free: measured at 10–25 % of a 10,000-row preview or apply, more in a
    process that already holds a lot. Reference counting still frees everything else at once;
    cycles (of every thread of the process) wait until the steps end — seconds, and a 100,000-row
    import peaks at the same memory either way. Steps overlapping in threads of one process share
    one pause (a counter under a lock), and a collector that was already off stays off. Used as a
    decorator or a ``with`` block."""
    global _gc_pausers, _gc_was_enabled
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()


# History-tracked models every sheet type's plan reads (the register's people, posts, villages …),
# registered by the register app: ``BASE_READ_MODELS.extend(["cadres.Person", …])``.
BASE_READ_MODELS: list[str] = []


@dataclass
class Issue:
    key: str  # column key ("" for whole-row problems)
    value: str
    reason: str


def issue_text(label: str, issue: Issue) -> str:
    """「任职时间」：2021.13 — 不是有效日期；an empty cell reads 「任职时间」：未填写 — …"""
    return f"「{label}」：{issue.value or BLANK_VALUE} — {issue.reason}"


@dataclass
class RowResult:
    number: int  # row number as Excel shows it (1-based)
    raw: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    status: str = UNCHANGED
    changes: list[str] = field(default_factory=list)
    plan: dict[str, Any] = field(default_factory=dict)  # what apply() will do for this row

    def error(self, key: str, reason: str, value: Any = None) -> None:
        self.errors.append(Issue(key, display(self.raw.get(key, "") if value is None else value), reason))

    def warn(self, key: str, reason: str, value: Any = None) -> None:
        self.warnings.append(Issue(key, display(self.raw.get(key, "") if value is None else value), reason))

    memo: dict | None = None  # shared by the rows of one file: parsers are pure, cells repeat a lot

    def parse(self, key: str, parser: Callable, *args, **kwargs):
        """Run a cell parser; record its CellError against the column and return None, and the
        note of a NotedText result as a warning (提示) on the column. With a memo, each distinct
        cell value is parsed once per file (a 10,000-row roster has a few hundred distinct values
        in most columns)."""
        value = self.raw.get(key)
        memo = self.memo
        if memo is None:
            outcome = _outcome(parser, value, args, kwargs)
        else:
            # type(value) apart: 1, 1.0 and True are equal keys but different cells
            memo_key = (
                (parser, value.__class__, value, *map(id, args), *kwargs.items())
                if args or kwargs
                else (parser, value.__class__, value)
            )
            try:
                outcome = memo.get(memo_key, _MISSING)
            except TypeError:  # an unhashable cell: no memo
                outcome = _outcome(parser, value, args, kwargs)
            else:
                if outcome is _MISSING:
                    outcome = memo[memo_key] = _outcome(parser, value, args, kwargs)
        return self.take(key, outcome)

    def take(self, key: str, outcome):
        """A parser's outcome for column ``key``, as the row keeps it: a refusal (CellError) is
        the column's error and the value None, a NotedText's note the column's warning and the
        value plain text."""
        if outcome.__class__ is _Refused:
            self.error(key, outcome.reason)
            return None
        if isinstance(outcome, NotedText):
            self.warn(key, outcome.note)
            return str(outcome)
        return outcome


class _Refused:
    """A parser's CellError, as kept in the memo."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _outcome(parser: Callable, value, args, kwargs):
    try:
        return parser(value, *args, **kwargs)
    except CellError as exc:
        return _Refused(str(exc))


@dataclass
class Preview:
    sheet_type: str
    sheet_name: str
    header_row: int  # 1-based
    labels: dict[str, str]  # key → header text in the file
    rows: list[RowResult]
    columns: dict[str, int] = field(default_factory=dict)  # key → 0-based column index
    file_errors: list[str] = field(default_factory=list)
    # the sheet type's lookups (townships, villages, posts) as the rows were cleaned: planned with
    # the same, not read a second time
    context: dict | None = field(default=None, repr=False, compare=False)

    @property
    def counts(self) -> dict[str, int]:
        c = Counter(r.status for r in self.rows)
        return {
            "total": len(self.rows),
            "created": c[NEW],
            "updated": c[CHANGED],
            "unchanged": c[UNCHANGED],
            "errors": c[ERROR] + (1 if self.file_errors else 0),
            "warnings": sum(1 for r in self.rows if r.warnings),
        }

    @property
    def ok(self) -> bool:
        return not self.file_errors and not any(r.errors for r in self.rows)

    def column_label(self, key: str, sheet: SheetType) -> str:
        if key in self.labels:
            return self.labels[key]
        col = sheet.column(key)
        return col.label if col else key

    def messages(self, sheet: SheetType, *, warnings: bool = False) -> list[str]:
        out = list(self.file_errors) if not warnings else []
        for r in self.rows:
            for issue in r.warnings if warnings else r.errors:
                label = self.column_label(issue.key, sheet) if issue.key else sheet.whole_row
                out.append(f"{sheet.row_label(r)}{issue_text(label, issue)}")
        return out


class SheetType:
    """Base class of a sheet type; subclasses declare columns and implement plan()/apply()."""

    key: str = ""
    label: str = ""
    app_label: str = ""
    # The permission a user needs to import this sheet type ("app.codename"); empty = the app's own
    # services decide by role (e.g. training: clerks mark attendance of their township's people).
    permission: str = ""
    columns: list[Col] = []
    instructions: list[str] = []
    ignore_keys: tuple[str, ...] = ("seq",)
    # Text values this sheet writes to the database: value key → "app.Model.field". A cell longer
    # than the field holds is an error on its column, checked for every row (never cut short).
    text_fields: dict[str, str] = {}
    # A sheet type that reads its own kind of file (not a spreadsheet: e.g. .lrmx exchange files)
    # sets this and implements clean_upload() and template_file(); its "rows" are files.
    own_reader: bool = False
    whole_row: str = "整行"  # how a problem of the whole row is named
    row_unit: str = "行"  # what a row is counted as ("共有3行存在错误")

    def row_label(self, row: RowResult) -> str:
        """Where a row's messages point: "第5行" (the row as Excel numbers it)."""
        return f"第{row.number}行"

    def clean_upload(self, data: bytes, *, filename: str, user, township, progress=None) -> Preview:
        """An own-reader type's clean_file: parse and normalise every row; writes nothing."""
        raise NotImplementedError

    def template_file(self) -> tuple[bytes, str, str]:
        """An own-reader type's blank template: (content, file name, content type)."""
        raise NotImplementedError

    def text_limits(self) -> dict[str, int]:
        from django.apps import apps

        limits = {}
        for key, path in self.text_fields.items():
            app_label, model_name, field_name = path.split(".")
            max_length = apps.get_model(app_label, model_name)._meta.get_field(field_name).max_length
            if max_length:
                limits[key] = max_length
        return limits

    def reads_models(self) -> list:
        """History-tracked models whose rows the plan depends on (for the preview fingerprint)."""
        from django.apps import apps

        return [apps.get_model(label) for label in BASE_READ_MODELS]

    def column(self, key: str) -> Col | None:
        return next((c for c in self.columns if c.key == key), None)

    # --- steps --------------------------------------------------------------------------------

    def context(self, *, user, township) -> dict:
        return {"user": user, "township": township}

    def cell_parsers(self, ctx: dict) -> dict[str, Callable[[Any], Any]]:
        """Columns whose value is one parser of the cell alone, by key. The frame cleans them a
        column at a time before clean_row (each distinct cell of a column parsed once per file:
        see clean_columns) and puts the result in ``row.values[key]``; the parser's CellError is
        the column's error (value None) and a NotedText's note its warning, as with
        RowResult.parse. clean_row then reads those values and does what spans columns."""
        return {}

    def clean_row(self, row: RowResult, ctx: dict) -> None:
        raise NotImplementedError

    def plan(self, rows: list[RowResult], ctx: dict) -> None:
        """Cross-row checks and the comparison with the database; sets status/changes/plan."""
        raise NotImplementedError

    def apply(self, rows: list[RowResult], ctx: dict, *, batch) -> dict:
        """Write the planned rows (called inside a transaction). The rows were planned against
        the database as it is now: the preview's plan when nothing it read has changed since
        (plans.db_fingerprint, checked inside the same transaction), else planned again. Returns
        what rollback needs."""
        raise NotImplementedError

    def rollback(self, batch, *, by) -> None:
        raise NotImplementedError

    def rollback_deletes(self, batch) -> dict:
        """Model → ids of the rows this sheet type's rollback deletes, beyond the register's
        person/appointment/first-secretary rows. Rollback is refused while anything the batch did
        not write references one of them (spreadsheets.references.later_references)."""
        return {}


REGISTRY: dict[str, SheetType] = {}


def register(sheet_type: type[SheetType]) -> type[SheetType]:
    REGISTRY[sheet_type.key] = sheet_type()
    return sheet_type


def get_sheet_type(key: str) -> SheetType:
    try:
        return REGISTRY[key]
    except KeyError:
        raise ValidationError(f"未知的表格类型“{key}”。可选：{'、'.join(REGISTRY)}") from None


def check_lengths(rows: list[RowResult], limits: dict[str, int]) -> None:
    """A text value longer than its database field holds is an error on its column (never cut
    short), checked a column at a time."""
    for key, limit in limits.items():
        for row in rows:
            value = row.values.get(key)
            if isinstance(value, str) and len(value) > limit:
                row.error(key, f"最多{limit}个字，此格有{len(value)}个字", value=value[:40] + "…")


def clean_columns(rows: list[RowResult], columns: dict[str, list], parsers: dict[str, Callable[[Any], Any]]) -> None:
    """The sheet type's one-cell columns (SheetType.cell_parsers), a column at a time: each
    distinct cell of a column (``columns``: key → its cells, in the order of ``rows``; a column
    the file lacks is all None) is parsed once, then every row takes its outcome by lookup. A
    cell is told apart by its type as well as its value (1, 1.0 and True are equal but are
    different cells), except text, the usual cell. Outcomes are kept as RowResult.take keeps a
    parse's."""
    if not parsers:
        return
    keys, results, special = list(parsers), [], []
    for key in keys:
        parser = parsers[key]
        cells = columns.get(key)
        if not cells:  # a column the file lacks: one blank cell, parsed once for every row
            table = {None: _outcome(parser, None, (), {})}
            outcomes = [table[None]] * len(rows)
        else:
            try:
                tags = [cell if cell.__class__ is str else (cell.__class__, cell) for cell in cells]
                table = {tag: _outcome(parser, cell, (), {}) for tag, cell in dict(zip(tags, cells, strict=True)).items()}
            except TypeError:  # an unhashable cell: each cell parsed on its own
                table = None
                outcomes = [_outcome(parser, cell, (), {}) for cell in cells]
            else:
                outcomes = [table[tag] for tag in tags] if len(table) > 1 else [next(iter(table.values()))] * len(rows)
        if table is None or any(o.__class__ is _Refused or isinstance(o, NotedText) for o in table.values()):
            special.append(key)
        results.append(outcomes)
    for row, outcomes in zip(rows, zip(*results, strict=True), strict=True):
        row.values.update(zip(keys, outcomes, strict=True))
    for key in special:  # the columns with a refused or noted cell
        for row in rows:
            row.values[key] = row.take(key, row.values[key])


def _pick_sheet(sheets: list[Sheet], st: SheetType) -> tuple[Sheet, HeaderMatch] | None:
    best = None
    for sheet in sheets:
        match = find_header(sheet.rows, st.columns)
        if match is None:
            continue
        score = match.score - (5 if sheet.hidden else 0)
        if best is None or score > best[2]:
            best = (sheet, match, score)
    return (best[0], best[1]) if best else None


def clean_file(
    data: bytes,
    st: SheetType,
    *,
    user,
    township,
    progress: Callable[[int, int], None] | None = None,
    filename: str = "",
) -> Preview:
    """Parse, map headers and normalise every row (no database comparison yet); writes nothing.
    The result can be cached and planned again later (plan_preview) against the current database."""
    if st.own_reader:
        return st.clean_upload(data, filename=filename, user=user, township=township, progress=progress)
    _, sheets = read_workbook(data)
    picked = _pick_sheet(sheets, st)
    if picked is None:
        required = "、".join(c.label for c in st.columns if c.required)
        raise ValidationError(f"没有找到「{st.label}」的表头。请使用下载的模板，或确认表头含有：{required}。")
    sheet, match = picked
    if match.missing_required:
        names = "、".join(st.column(k).label for k in match.missing_required)
        raise ValidationError(f"工作表「{sheet.name}」第{match.row_index + 1}行的表头缺少必需的列：{names}。")
    # 乡镇/村 merged down over the rows of that village's people: every row gets the value.
    fill_down_merged(sheet, first_row=match.row_index + 1, columns=match.columns, skip_row=is_footer_or_blank)
    ctx = st.context(user=user, township=township)
    rows: list[RowResult] = []
    memo: dict = {}
    limits = st.text_limits()
    data_rows = sheet.rows[match.row_index + 1 :]
    indexes, keys = list(match.columns), list(match.columns.values())
    checked = [i for i, k in enumerate(keys) if k not in st.ignore_keys]
    kept: list[list] = []  # each row's cells, in the order of keys
    for offset, raw_row in enumerate(data_rows):
        if is_footer_or_blank(raw_row):
            continue
        width = len(raw_row)
        cells = [raw_row[j] if j < width else None for j in indexes]
        if all(is_blank(cells[i]) for i in checked):
            continue
        kept.append(cells)
        rows.append(RowResult(number=match.row_index + 2 + offset, raw=dict(zip(keys, cells, strict=True))))
    if not rows:
        raise ValidationError(f"工作表「{sheet.name}」表头下没有数据行。")
    parsers = st.cell_parsers(ctx)
    clean_columns(rows, {key: list(cells) for key, cells in zip(keys, zip(*kept, strict=True), strict=True)}, parsers)
    order = {c.key: i for i, c in enumerate(st.columns)}
    for done, row in enumerate(rows):
        row.memo = memo
        st.clean_row(row, ctx)
        row.memo = None
        if parsers and (len(row.errors) > 1 or len(row.warnings) > 1):
            # the one-cell columns were cleaned before clean_row: a row's problems are told in the
            # order of the sheet's columns, whichever step found them
            row.errors.sort(key=lambda issue: order.get(issue.key, len(order)))
            row.warnings.sort(key=lambda issue: order.get(issue.key, len(order)))
        if progress and done % 1000 == 0:
            progress(done, len(rows) * 2)
    check_lengths(rows, limits)
    return Preview(
        sheet_type=st.key,
        sheet_name=sheet.name,
        header_row=match.row_index + 1,
        labels=match.labels,
        rows=rows,
        columns={key: j for j, key in match.columns.items()},
        context=ctx,
    )


def plan_preview(preview: Preview, st: SheetType, *, user, township) -> Preview:
    """Cross-row checks and the comparison with the current database; sets each row's status."""
    ctx = preview.context if preview.context is not None else st.context(user=user, township=township)
    st.plan(preview.rows, ctx)
    for row in preview.rows:
        if row.errors:
            row.status = ERROR
    report_absent_columns(preview, st)
    return preview


def _row_span(numbers: list[int], limit: int = 8) -> str:
    """[3, 4, 5, 9] → "3-5、9"; more than ``limit`` runs end in "等"."""
    runs: list[list[int]] = []
    for number in sorted(set(numbers)):
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    parts = [f"{a}" if a == b else f"{a}-{b}" for a, b in runs[:limit]]
    return "、".join(parts) + ("等" if len(runs) > limit else "")


def report_absent_columns(preview: Preview, st: SheetType) -> None:
    """A column the file does not have at all cannot be filled in row by row: what the rows say
    about it (请填写任职时间 × 500) becomes one header-level message naming the column and the
    rows that need it. Those rows keep their 有错误 status (they cannot be imported as they are)."""
    absent = {c.key: c for c in st.columns if c.key not in preview.columns}
    if not absent:
        return
    found: dict[str, tuple[list[int], list[str]]] = {}
    for row in preview.rows:
        if not any(issue.key in absent for issue in row.errors):
            continue
        kept = []
        for issue in row.errors:
            if issue.key in absent:
                numbers, reasons = found.setdefault(issue.key, ([], []))
                numbers.append(row.number)
                if issue.reason not in reasons:
                    reasons.append(issue.reason)
            else:
                kept.append(issue)
        row.errors = kept
    for key, (numbers, reasons) in found.items():
        col = absent[key]
        rows = f"第{_row_span(numbers)}行（共{len(set(numbers))}行）"
        need = f"{col.needed}：{rows}" if col.needed else f"{rows}需要填写（{'；'.join(reasons[:3])}）"
        preview.file_errors.append(
            f"「表头」：缺少“{col.label}”列 — 该列可选，但{need}。请在表头加上“{col.label}”列并填写后重新上传。"
        )


def build_preview(
    data: bytes,
    st: SheetType,
    *,
    user,
    township,
    progress: Callable[[int, int], None] | None = None,
    filename: str = "",
) -> Preview:
    """Parse, map, normalise, validate and compare; writes nothing."""
    preview = clean_file(data, st, user=user, township=township, progress=progress, filename=filename)
    plan_preview(preview, st, user=user, township=township)
    if progress:
        progress(1, 1)
    return preview
