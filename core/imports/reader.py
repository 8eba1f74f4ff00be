"""Read .xlsx/.xls/.ods/.csv safely: type by content, size/row/column/cell limits, zip- and entity-bomb checks.

Every limit is checked on what the file really holds BEFORE the spreadsheet library allocates
anything: calamine builds each sheet as a dense rows × columns grid (about 32 bytes a cell, then a
Python list of lists), so one stray value at XFD150000 asks for 78 GB. The used range is therefore
measured first by streaming the sheet XML (.xlsx, .ods) or walking the BIFF records (.xls); the
<dimension> a file declares is neither trusted nor needed.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import struct
import zipfile
from dataclasses import dataclass, field

import python_calamine
from django.conf import settings
from django.core.exceptions import ValidationError

from .normalize import CsvText

XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
EXCEL_MAX_CELL_CHARS = 32_767

FIX_BLANK = "请删除表格右侧/下方的空白行列和空白格式后另存，或拆分成几个文件上传。"
CORRUPT = "文件已损坏或格式不受支持，请用 Excel/WPS 打开后另存为 .xlsx 再上传。"
PASSWORD = "文件设有打开密码，请去掉密码后另存再上传。"  # noqa: S105 (a message, not a password)


@dataclass
class Sheet:
    name: str
    rows: list[list]
    hidden: bool = False
    # The merged ranges, ((first row, first column), (last row, last column)), 0-based, inclusive.
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
    max_columns: int
    max_cells: int  # rows × columns of the used ranges of all sheets together
    max_cell_chars: int
    max_unzipped: int


def limits() -> Limits:
    return Limits(
        max_bytes=getattr(settings, "IMPORT_MAX_BYTES", 20 * 1024 * 1024),
        max_rows=getattr(settings, "IMPORT_MAX_ROWS", 200_000),
        max_columns=getattr(settings, "IMPORT_MAX_COLUMNS", 200),
        max_cells=getattr(settings, "IMPORT_MAX_CELLS", 3_000_000),
        max_cell_chars=getattr(settings, "IMPORT_MAX_CELL_CHARS", EXCEL_MAX_CELL_CHARS),
        max_unzipped=getattr(settings, "IMPORT_MAX_UNZIPPED_BYTES", 400 * 1024 * 1024),
    )


def column_letter(n: int) -> str:
    """1 → A, 27 → AA."""
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


# --- the used range of each sheet, measured before anything is allocated ---------------------


@dataclass
class Extent:
    """The used range of one sheet: rows × columns from A1 to the farthest cell holding a value."""

    name: str
    rows: int = 0
    columns: int = 0
    far_row: tuple[int, int] = (0, 0)  # (row, column) of the cell that sets the row count
    far_column: tuple[int, int] = (0, 0)  # … and of the one that sets the column count

    def add(self, row: int, col: int, col_span: int = 1, row_span: int = 1) -> None:
        last_row, last_col = row + row_span - 1, col + col_span - 1
        if last_row > self.rows:
            self.rows, self.far_row = last_row, (last_row, col)
        if last_col > self.columns:
            self.columns, self.far_column = last_col, (row, last_col)


def _ref(cell: tuple[int, int]) -> str:
    return f"{column_letter(cell[1])}{cell[0]}"


def check_extents(extents: list[Extent], lim: Limits) -> None:
    """Refuse a sheet (or the workbook) whose used range exceeds the limits, naming the farthest
    cell so that the clerk can find and delete it."""
    total = 0
    for e in extents:
        if e.rows > lim.max_rows:
            raise ValidationError(
                f"工作表「{e.name}」的已用区域有 {e.rows:,} 行（最下方有内容的单元格在 {_ref(e.far_row)}），"
                f"超过 {lim.max_rows:,} 行的上限。{FIX_BLANK}",
                code="rows",
            )
        if e.columns > lim.max_columns:
            raise ValidationError(
                f"工作表「{e.name}」的已用区域有 {e.columns:,} 列（最右侧有内容的单元格在 {_ref(e.far_column)}），"
                f"超过 {lim.max_columns:,} 列的上限。{FIX_BLANK}",
                code="columns",
            )
        area = e.rows * e.columns
        if area > lim.max_cells:
            raise ValidationError(
                f"工作表「{e.name}」的已用区域为 {e.rows:,} 行 × {e.columns:,} 列（{area:,} 个单元格，"
                f"最右侧在 {_ref(e.far_column)}，最下方在 {_ref(e.far_row)}），"
                f"超过 {lim.max_cells:,} 个单元格的上限。{FIX_BLANK}",
                code="cells",
            )
        total += area
    if total > lim.max_cells:
        raise ValidationError(
            f"工作簿各工作表的已用区域合计 {total:,} 个单元格，超过 {lim.max_cells:,} 个单元格的上限。"
            "请删除不需要的工作表和空白格式后另存，或拆分成几个文件上传。",
            code="cells",
        )


class _TagScanner:
    """Feeds a streamed XML part chunk by chunk and calls ``on_tag(closing, name, attrs, empty)``
    for every tag whose local name is in ``names``. Only an unfinished tag is carried from one
    chunk to the next, so memory stays bounded by the chunk size (a tag longer than
    MAX_TAG is refused)."""

    MAX_TAG = 1024 * 1024

    def __init__(self, pattern: re.Pattern, on_tag):
        self.pattern = pattern
        self.on_tag = on_tag
        self.carry = b""

    def feed(self, chunk: bytes) -> None:
        window = self.carry + chunk
        lt = window.rfind(b"<")
        if lt != -1 and window.find(b">", lt) == -1:
            body, self.carry = window[:lt], window[lt:]
            if len(self.carry) > self.MAX_TAG:
                raise ValidationError(CORRUPT, code="corrupt")
        else:
            body, self.carry = window, b""
        for m in self.pattern.finditer(body):
            self.on_tag(m)


class _NeedExactScan(Exception):
    """The fast scan met a cell tag it cannot place (no r="A1" first, a namespace prefix …)."""


class _FastXlsxCells:
    """The used range of a worksheet part from its cell references, at C speed: the writers we
    know (Excel, WPS, LibreOffice, openpyxl, xlsxwriter) all write <c r="B7" …>. Counts every
    referenced cell, formatting-only ones too, so it can only over-estimate; a part with any
    other kind of cell tag raises _NeedExactScan."""

    def __init__(self, extent: Extent):
        self.extent = extent
        self.carry = b""

    def feed(self, chunk: bytes) -> None:
        window = self.carry + chunk
        lt = window.rfind(b"<")
        if lt != -1 and window.find(b">", lt) == -1:
            body, self.carry = window[:lt], window[lt:]
            if len(self.carry) > _TagScanner.MAX_TAG:
                raise ValidationError(CORRUPT, code="corrupt")
        else:
            body, self.carry = window, b""
        rows = _FAST_ROWS.findall(body)
        # Every "<c" a placed cell (the usual chunk) proves the exact count below in one pass.
        counted = len(rows) == body.count(b"<c") or len(rows) == sum(body.count(tag) for tag in _C_TAGS)
        if not counted or (b":c" in body and _PREFIXED_C.search(body)):
            raise _NeedExactScan
        if not rows:
            return
        e = self.extent
        last_row = max(map(int, set(rows)))
        if last_row > e.rows:
            found = re.search(rb'<c r="([A-Z]{1,3})' + str(last_row).encode() + rb'"', body)
            e.rows, e.far_row = last_row, (last_row, _column_number(found.group(1)) if found else 1)
        letters = max(set(_FAST_COLS.findall(body)), key=lambda x: (len(x), x))
        last_col = _column_number(letters)
        if last_col > e.columns:
            found = re.search(rb'<c r="' + letters + rb'(\d{1,7})"', body)
            e.columns, e.far_column = last_col, (int(found.group(1)) if found else 1, last_col)


_C_TAGS = (b"<c ", b"<c>", b"<c/>", b"<c\t", b"<c\n", b"<c\r")
_FAST_ROWS = re.compile(rb'<c r="[A-Z]{1,3}(\d{1,7})"')
_FAST_COLS = re.compile(rb'<c r="([A-Z]{1,3})\d{1,7}"')
_PREFIXED_C = re.compile(rb"<[A-Za-z_][\w.-]*:c[\s/>]")
_XLSX_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])([^>]*)>")
_ATTR = re.compile(rb"""([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CELL_REF = re.compile(rb"\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


def _r_attr(attrs: bytes) -> bytes | None:
    for key, double, single in _ATTR.findall(attrs):
        if key == b"r":
            return (double or single).strip()
    return None


class _XlsxSheetScan:
    """Where calamine will put each cell, tag by tag (the exact, slower scan): a <c> with an
    r="B7" reference goes there, one without goes right of the previous cell; a <row> without r
    follows the previous row. Only cells that can hold a value count (a self-closing <c/> is
    formatting only and is not read)."""

    def __init__(self, extent: Extent):
        self.extent = extent
        self.row = 0
        self.col = 0

    def __call__(self, m: re.Match) -> None:
        name, attrs = m.group(1), m.group(2)
        ref = _r_attr(attrs)
        if name == b"row":
            self.row = int(ref) if ref and ref.isdigit() else self.row + 1
            self.col = 0
            return
        if ref:
            cell = _CELL_REF.match(ref)
            if cell is None:
                raise ValidationError(CORRUPT, code="corrupt")
            self.col = _column_number(cell.group(1).upper())
            row = int(cell.group(2))
        else:
            self.col += 1
            row = self.row
        if not attrs.rstrip().endswith(b"/"):
            self.extent.add(max(row, 1), self.col)


def _xlsx_part_extent(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, budget: int, lim: Limits) -> tuple[Extent, int]:
    """The fast scan; the exact one when the fast one cannot place a cell or finds the part over
    a limit (it counts formatting-only cells, which calamine does not read)."""
    extent = Extent(name=name)
    try:
        read = _scan_part(zf, info, budget=budget, tags=_FastXlsxCells(extent))
        if not _over(extent, lim):
            return extent, read
    except _NeedExactScan:
        pass
    extent = Extent(name=name)
    read = _scan_part(zf, info, budget=budget, tags=_TagScanner(_XLSX_TAG, _XlsxSheetScan(extent)))
    return extent, read


def _over(e: Extent, lim: Limits) -> bool:
    return e.rows > lim.max_rows or e.columns > lim.max_columns or e.rows * e.columns > lim.max_cells


_ODS_TAG = re.compile(rb"<(/?)table:(table|table-row|table-cell|covered-table-cell)(?=[\s/>])([^>]*)>")
_ODS_ROWS_REPEATED = re.compile(rb'table:number-rows-repeated\s*=\s*["\'](\d+)["\']')
_ODS_COLS_REPEATED = re.compile(rb'table:number-columns-repeated\s*=\s*["\'](\d+)["\']')
_ODS_NAME = re.compile(rb'table:name\s*=\s*["\']([^"\']*)["\']')


class _OdsScan:
    """Rows and cells of every table in content.xml, expanding number-rows-repeated and
    number-columns-repeated the way calamine does (a repeated cell with a value is that value
    in every repeated position; repeated empty cells only move the position along)."""

    def __init__(self):
        self.extents: list[Extent] = []
        self.row = 0
        self.row_span = 1
        self.col = 0

    def __call__(self, m: re.Match) -> None:
        closing, name, attrs = m.group(1), m.group(2), m.group(3)
        if name == b"table":
            if not closing:
                found = _ODS_NAME.search(attrs)
                label = found.group(1).decode("utf-8", "replace") if found else f"工作表{len(self.extents) + 1}"
                self.extents.append(Extent(name=label))
                self.row = 0
            return
        if not self.extents:
            return
        if name == b"table-row":
            if closing:
                self.row += self.row_span
            else:
                found = _ODS_ROWS_REPEATED.search(attrs)
                self.row_span = int(found.group(1)) if found else 1
                self.col = 0
                if attrs.rstrip().endswith(b"/"):
                    self.row += self.row_span
            return
        if closing:
            return
        found = _ODS_COLS_REPEATED.search(attrs)
        span = int(found.group(1)) if found else 1
        if b"office:value-type" in attrs or not attrs.rstrip().endswith(b"/"):
            self.extents[-1].add(self.row + 1, self.col + 1, col_span=span, row_span=self.row_span)
        self.col += span


# --- zip containers (.xlsx, .ods) -------------------------------------------------------------

BINARY_PARTS = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".bin")
# A DTD anywhere in a part (not only near its start: padding would hide it) is refused, in the
# encodings an XML parser would accept it in.
_DTD_MARKERS = tuple(
    marker.encode(encoding) for marker in ("<!DOCTYPE", "<!ENTITY") for encoding in ("ascii", "utf-16-le", "utf-16-be")
)
_OVERLAP = max(len(m) for m in _DTD_MARKERS) - 1
SCAN_CHUNK = 256 * 1024
_SHARED_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si(?=[\s/>])")


def _check_zip(data: bytes, kind: str) -> list[Extent]:
    """Refuse zip and entity bombs; return the used range of every worksheet (see module doc)."""
    lim = limits()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            total = 0
            for info in zf.infolist():
                total += info.file_size
                if info.compress_size and info.file_size / max(info.compress_size, 1) > 200 and info.file_size > 10 * 1024 * 1024:
                    raise ValidationError("文件压缩比异常（疑似压缩炸弹），已拒绝。", code="bomb")
                if total > lim.max_unzipped:
                    raise ValidationError(
                        f"文件解压后过大（超过 {lim.max_unzipped // 1024 // 1024} MB），已拒绝。"
                        "请删除多余的工作表、图片和空白格式，或拆分后上传。",
                        code="bomb",
                    )
            names = _xlsx_sheet_names(zf) if kind == "xlsx" else {}
            extents: list[Extent] = []
            scanned = 0
            for info in zf.infolist():
                if info.is_dir() or info.filename.lower().endswith(BINARY_PARTS):
                    continue
                if kind == "xlsx" and not info.filename.endswith((".rels", "[Content_Types].xml")):
                    # every part, not only those the workbook lists: calamine may be pointed anywhere
                    if info.filename.endswith("sharedStrings.xml"):
                        counter = _TagScanner(_SHARED_STRING, _Counter(lim.max_cells, "不同的文字内容"))
                        scanned += _scan_part(zf, info, budget=lim.max_unzipped - scanned, tags=counter)
                        continue
                    name = names.get(info.filename, info.filename)
                    extent, read = _xlsx_part_extent(zf, info, name, lim.max_unzipped - scanned, lim)
                    scanned += read
                    if extent.rows:
                        extents.append(extent)
                elif kind == "ods" and info.filename == "content.xml":
                    ods = _OdsScan()
                    scanned += _scan_part(zf, info, budget=lim.max_unzipped - scanned, tags=_TagScanner(_ODS_TAG, ods))
                    extents.extend(ods.extents)
                else:
                    scanned += _scan_part(zf, info, budget=lim.max_unzipped - scanned)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError, KeyError):
        # truncated, unsupported compression, bad CRC, encrypted members …
        raise ValidationError(CORRUPT, code="corrupt") from None
    except RuntimeError:  # zipfile: "File ... is encrypted, password required"
        raise ValidationError(PASSWORD, code="password") from None
    check_extents(extents, lim)
    return extents


class _Counter:
    """Counts matches of a tag pattern; refuses more than ``limit`` of them."""

    def __init__(self, limit: int, what: str):
        self.limit, self.what, self.count = limit, what, 0

    def __call__(self, m: re.Match) -> None:
        self.count += 1
        if self.count > self.limit:
            raise ValidationError(
                f"文件含有超过 {self.limit:,} 个{self.what}，超过上限。请删除多余的数据或拆分后上传。", code="cells"
            )


_WB_SHEET = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheet\s([^>]*)>")
_REL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Relationship\s([^>]*)>")


def _attr(attrs: bytes, name: bytes) -> str | None:
    m = re.search(rb"(?:^|\s)" + name + rb'\s*=\s*["\']([^"\']*)["\']', attrs)
    return m.group(1).decode("utf-8", "replace") if m else None


def _xlsx_sheet_names(zf: zipfile.ZipFile) -> dict[str, str]:
    """Part name → sheet name as the workbook lists it (for the messages; best effort)."""
    try:
        wb = zf.open("xl/workbook.xml").read(2 * 1024 * 1024)
        rels = zf.open("xl/_rels/workbook.xml.rels").read(2 * 1024 * 1024)
    except KeyError:
        return {}
    targets = {}
    for m in _REL.finditer(rels):
        rid, target = _attr(m.group(1), b"Id"), _attr(m.group(1), b"Target")
        if rid and target:
            targets[rid] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    out = {}
    for m in _WB_SHEET.finditer(wb):
        name, rid = _attr(m.group(1), b"name"), _attr(m.group(1), b"r:id")
        if name and rid in targets:
            out[targets[rid]] = name
    return out


def _scan_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, *, budget: int, tags=None) -> int:
    """Stream one part through, chunk by chunk (bounded memory; the chunks overlap so a marker
    split across two chunks is still seen). Returns the bytes read; refuses a DTD or a part that
    inflates beyond the remaining budget (the declared sizes may lie). ``tags`` (if given) is
    fed every chunk too."""
    read = 0
    tail = b""
    with zf.open(info) as fh:
        while chunk := fh.read(SCAN_CHUNK):
            read += len(chunk)
            if read > budget:
                raise ValidationError(
                    "文件解压后过大（压缩包内的大小与实际不符），已拒绝。请另存为 .xlsx 或拆分后上传。", code="bomb"
                )
            window = tail + chunk
            if any(marker in window for marker in _DTD_MARKERS):
                raise ValidationError("文件含有不允许的 XML 实体声明，已拒绝。", code="bomb")
            tail = window[-_OVERLAP:]
            if tags is not None:
                tags.feed(chunk)
    return read


# --- OLE2 compound files (.xls, and Office's encrypted .xlsx) ---------------------------------

_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_ENDOFCHAIN = 0xFFFFFFFE


class _Cfb:
    """The streams of an OLE2 compound file (just enough to read the Workbook stream). Every
    chain is bounded by the file's own size, so a looping or lying file cannot spin or grow."""

    def __init__(self, data: bytes):
        if len(data) < 512 or not data.startswith(XLS_MAGIC):
            raise ValueError("not a compound file")
        self.data = data
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if shift not in (9, 12) or mini_shift != 6:
            raise ValueError("bad sector size")
        self.size = 1 << shift
        n_fat, first_dir, _, self.cutoff, first_minifat, _, first_difat, n_difat = struct.unpack_from("<IIIIIIII", data, 0x2C)
        self.max_sectors = len(data) // self.size + 1
        difat = list(struct.unpack_from("<109I", data, 0x4C))
        sector = first_difat
        for _ in range(min(n_difat, self.max_sectors)):
            if sector >= self.max_sectors:
                break
            entries = struct.unpack_from(f"<{self.size // 4}I", self._sector(sector))
            difat.extend(entries[:-1])
            sector = entries[-1]
        self.fat: list[int] = []
        for sector in difat[: min(n_fat, self.max_sectors)]:
            if sector < self.max_sectors:
                self.fat.extend(struct.unpack_from(f"<{self.size // 4}I", self._sector(sector)))
        directory = self._chain(first_dir)
        self.entries = {}
        for off in range(0, len(directory) - 127, 128):
            name_len = struct.unpack_from("<H", directory, off + 64)[0]
            kind = directory[off + 66]
            name = directory[off : off + max(0, min(name_len, 64) - 2)].decode("utf-16-le", "replace")
            start, size = struct.unpack_from("<IQ", directory, off + 116)
            if kind == 5:
                self.root = (start, size)
            if kind in (2, 5):
                self.entries.setdefault(name, (start, size & 0xFFFFFFFF if shift == 9 else size))
        self.minifat_start = first_minifat

    def _sector(self, n: int) -> bytes:
        off = (n + 1) * self.size
        return self.data[off : off + self.size]

    def _chain(self, start: int, fat=None, read=None) -> bytes:
        fat = self.fat if fat is None else fat
        read = read or self._sector
        out, sector, steps = [], start, 0
        while sector != _ENDOFCHAIN and sector < len(fat):
            out.append(read(sector))
            sector, steps = fat[sector], steps + 1
            if steps > self.max_sectors * 8:
                raise ValueError("looping chain")
        return b"".join(out)

    def stream(self, name: str) -> bytes | None:
        if name not in self.entries:
            return None
        start, size = self.entries[name]
        if size >= self.cutoff:
            return self._chain(start)[:size]
        mini_stream = self._chain(self.root[0])
        minifat_bytes = self._chain(self.minifat_start)
        minifat = list(struct.unpack_from(f"<{len(minifat_bytes) // 4}I", minifat_bytes))
        return self._chain(start, minifat, lambda n: mini_stream[n * 64 : n * 64 + 64])[:size]


# BIFF records that place a cell (row, column at the start of the record); MULRK spans columns.
_BIFF_CELLS = {0x0203, 0x027E, 0x00FD, 0x0204, 0x0205, 0x0006, 0x00D6, 0x0004, 0x0003, 0x0002, 0x0005}
_BIFF_MULRK, _BIFF_BOF, _BIFF_EOF, _BIFF_BOUNDSHEET, _BIFF_FILEPASS = 0x00BD, 0x0809, 0x000A, 0x0085, 0x002F


def _xls_extents(data: bytes) -> list[Extent]:
    """The used range of every sheet of a .xls, from its BIFF cell records."""
    try:
        cfb = _Cfb(data)
        stream = cfb.stream("Workbook") or cfb.stream("Book")
    except (ValueError, struct.error, IndexError):
        raise ValidationError(CORRUPT, code="corrupt") from None
    if stream is None:
        if "WordDocument" in cfb.entries:
            raise ValidationError("文件是 Word 文档，不是表格文件。只接受 .xlsx、.xls、.ods 和 .csv。", code="type")
        if "PowerPoint Document" in cfb.entries:
            raise ValidationError("文件是 PowerPoint 演示文稿，不是表格文件。只接受 .xlsx、.xls、.ods 和 .csv。", code="type")
        raise ValidationError(CORRUPT, code="corrupt")
    names: dict[int, str] = {}
    extents: list[Extent] = []
    current: Extent | None = None
    pos, end, depth = 0, len(stream), 0
    while pos + 4 <= end:
        rtype, length = struct.unpack_from("<HH", stream, pos)
        body = pos + 4
        if rtype == _BIFF_FILEPASS and depth <= 1 and not extents:
            raise ValidationError(PASSWORD, code="password")
        if rtype == _BIFF_BOUNDSHEET and length >= 8:
            offset, cch, flags = struct.unpack_from("<I", stream, body)[0], stream[body + 6], stream[body + 7]
            raw = stream[body + 8 : body + 8 + cch * (2 if flags & 1 else 1)]
            names[offset] = raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace")
        elif rtype == _BIFF_BOF:
            depth += 1
            if pos:  # not the workbook globals
                current = Extent(name=names.get(pos, f"工作表{len(extents) + 1}"))
                extents.append(current)
        elif rtype == _BIFF_EOF:
            depth -= 1
            current = None
        elif current is not None and length >= 4 and (rtype in _BIFF_CELLS or rtype == _BIFF_MULRK):
            row, col = struct.unpack_from("<HH", stream, body)
            span = 1
            if rtype == _BIFF_MULRK and length >= 6:
                span = max(1, struct.unpack_from("<H", stream, body + length - 2)[0] - col + 1)
            current.add(row + 1, col + 1, col_span=span)
        pos = body + length
    return [e for e in extents if e.rows]


# --- CSV --------------------------------------------------------------------------------------


def decode_csv(data: bytes) -> str:
    """UTF-16 (with a BOM, or recognised by its zero bytes), UTF-8 (with or without BOM), then
    GB18030 (a superset of GBK/GB2312)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    elif data.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    elif (sniff := _utf16_without_bom(data)) is not None:
        encodings = (sniff,)
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError("无法识别CSV文件的编码，请另存为 UTF-8 CSV 或 .xlsx 后上传。", code="encoding")


def _utf16_without_bom(data: bytes) -> str | None:
    """Text saved as UTF-16 without a BOM has a zero byte in every other place (for ASCII)."""
    head = data[:4096]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    # commas, digits and line ends have a zero high byte; a character like 一 (U+4E00) a zero low byte
    if odd.count(0) > len(odd) * 0.2 and even.count(0) < len(even) * 0.02:
        return "utf-16-le"
    if even.count(0) > len(even) * 0.2 and odd.count(0) < len(odd) * 0.02:
        return "utf-16-be"
    return None


def _read_csv(data: bytes, lim: Limits) -> list[list]:
    text = decode_csv(data)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ValidationError(
            f"CSV 文件第{line}行含有空字符（NUL），不是正常的文本表格（可能已损坏或是别的文件改了扩展名）。"
            "请用 Excel/WPS 打开后另存为 .xlsx 或 UTF-8 CSV 再上传。",
            code="nul",
        )
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    # CsvText marks where a cell came from: a CSV cannot tell the number 1985.10 from "1985.1".
    empty = CsvText("")
    rows: list[list] = []
    cells = 0
    reader = csv.reader(io.StringIO(text), dialect)
    del text
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error:  # the only csv.Error left here: a field longer than csv.field_size_limit()
            raise ValidationError(
                f"CSV 文件第{reader.line_num}行有一个单元格超过 {csv.field_size_limit():,} 个字符"
                f"（上限 {lim.max_cell_chars:,}），"
                "可能是引号没有配对。请检查该行，或另存为 .xlsx 后上传。",
                code="cell",
            ) from None
        n = len(raw)
        if n > lim.max_columns:
            raise ValidationError(
                f"CSV 文件第{reader.line_num}行有 {n:,} 列，超过 {lim.max_columns:,} 列的上限。"
                "请删除多余的列（或检查分隔符）后另存再上传。",
                code="columns",
            )
        cells += n
        if len(rows) >= lim.max_rows:
            raise ValidationError(f"CSV 文件超过 {lim.max_rows:,} 行的上限。请删除多余的行，或拆分成几个文件上传。", code="rows")
        if cells > lim.max_cells:
            raise ValidationError(
                f"CSV 文件到第{reader.line_num}行为止已有 {cells:,} 个单元格，超过 {lim.max_cells:,} 个单元格的上限。"
                "请删除多余的行列，或拆分成几个文件上传。",
                code="cells",
            )
        for j, c in enumerate(raw):
            if len(c) > lim.max_cell_chars:
                raise ValidationError(_too_long("CSV", reader.line_num, j + 1, len(c), lim), code="cell")
        rows.append([CsvText(_visible(c)) if c else empty for c in raw])
    return rows


def _too_long(sheet: str, row: int, col: int, length: int, lim: Limits) -> str:
    where = "CSV 文件" if sheet == "CSV" else f"工作表「{sheet}」"
    return (
        f"{where}第{row}行第{col}列（{column_letter(col)}{row}）的内容有 {length:,} 个字符，"
        f"超过每个单元格 {lim.max_cell_chars:,} 个字符的上限。请检查该单元格后另存再上传。"
    )


# --- the entry point --------------------------------------------------------------------------


def detect_kind(data: bytes) -> str:
    """'xlsx' | 'ods' | 'xls' | 'csv' by content; ValidationError for anything else."""
    if data.startswith(XLS_MAGIC):
        if _ENCRYPTED_PACKAGE in data:
            raise ValidationError(PASSWORD, code="password")
        return "xls"
    if data.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
                if "[Content_Types].xml" in names and "xl/workbook.bin" in names:
                    raise ValidationError("不支持 .xlsb（二进制工作簿）格式，请用 Excel 另存为 .xlsx 再上传。", code="type")
                if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
                    return "xlsx"
                if "mimetype" in names and zf.read("mimetype")[:100].startswith(
                    b"application/vnd.oasis.opendocument.spreadsheet"
                ):
                    return "ods"
                if "word/document.xml" in names:
                    raise ValidationError(
                        "文件是 Word 文档（.docx），不是表格文件。只接受 .xlsx、.xls、.ods 和 .csv。", code="type"
                    )
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError, RuntimeError):
            raise ValidationError(CORRUPT, code="corrupt") from None
        raise ValidationError("文件是压缩包但不是 Excel/WPS 表格（.xlsx/.ods），请另存为 .xlsx 后上传。", code="type")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _utf16_without_bom(data) is not None:
        return "csv"
    head = data[:4096]
    if head.startswith(b"\x89PNG") or head[:3] == b"\xff\xd8\xff" or head[:4] in (b"GIF8", b"Rar!", b"\x1f\x8b\x08\x00"):
        raise ValidationError("文件是图片或压缩文件，不是表格文件。只接受 .xlsx、.xls、.ods 和 .csv。", code="type")
    if b"\x00" in head:
        raise ValidationError("文件不是表格文件。只接受 .xlsx、.xls、.ods 和 .csv。", code="type")
    stripped = head.lstrip(codecs.BOM_UTF8).lstrip()
    if stripped[:1] == b"<" or head.startswith(b"%PDF") or head.startswith(b"{\\rtf"):
        raise ValidationError(
            "文件不是表格文件（可能是网页、PDF 或另存为“网页”格式的 .xls），请用 Excel/WPS 打开后另存为 .xlsx 再上传。",
            code="type",
        )
    return "csv"


def read_workbook(data: bytes) -> tuple[str, list[Sheet]]:
    """The sheets of a spreadsheet file, every used range checked against the limits first."""
    lim = limits()
    if not data:
        raise ValidationError("文件为空（0 字节），请重新选择文件上传。", code="empty")
    if len(data) > lim.max_bytes:
        raise ValidationError(
            f"文件有 {len(data) / 1024 / 1024:.1f} MB，超过 {lim.max_bytes // 1024 // 1024} MB 的上限，请拆分后上传。",
            code="size",
        )
    kind = detect_kind(data)
    if kind == "csv":
        return kind, [Sheet(name="CSV", rows=_read_csv(data, lim))]
    if kind == "xls":
        check_extents(_xls_extents(data), lim)
    else:
        _check_zip(data, kind)
    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise ValidationError(PASSWORD, code="password") from None
    except Exception:  # calamine raises several error types for corrupt files
        raise ValidationError(CORRUPT, code="corrupt") from None
    sheets = []
    try:
        for meta in wb.sheets_metadata:
            if str(meta.typ) not in ("SheetTypeEnum.WorkSheet", "WorkSheet"):
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            if sheet.total_height > lim.max_rows or sheet.total_width > lim.max_columns:  # the scan above is the real guard
                check_extents([Extent(meta.name, sheet.total_height, sheet.total_width)], lim)
            rows = sheet.to_python(skip_empty_area=False)
            _check_cells(meta.name, rows, lim)
            sheets.append(
                Sheet(name=meta.name, rows=rows, hidden="Visible" not in str(meta.visible), merged=_merged_ranges(sheet))
            )
    except ValidationError:
        raise
    except Exception:
        raise ValidationError(CORRUPT, code="corrupt") from None
    return kind, sheets


def _merged_ranges(sheet) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The sheet's merged ranges as calamine reads them (none for a format that keeps none)."""
    try:
        ranges = sheet.merged_cell_ranges
    except Exception:  # a format calamine reads no merges from
        return []
    return [((int(a), int(b)), (int(c), int(d))) for (a, b), (c, d) in ranges or ()]


# NUL (no database text column takes it; an .xlsx can spell it _x0000_) and the invisible
# direction and zero-width marks that copy-paste brings in (they would hide a header or break an ID).
_INVISIBLE = dict.fromkeys([0, *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x206A), 0xFEFF])


def _visible(value: str) -> str:
    return value if value.isascii() and "\x00" not in value else value.translate(_INVISIBLE)


_INVISIBLE_RE = re.compile("[" + "".join(map(chr, _INVISIBLE)) + "]")


def _check_cells(name: str, rows: list[list], lim: Limits) -> None:
    """Refuse over-long cells; drop NUL and invisible marks (see _INVISIBLE). A row's text is
    looked at as a whole first: in almost every row nothing is too long and nothing invisible."""
    limit = lim.max_cell_chars
    for i, row in enumerate(rows):
        texts = "\x1f".join([value for value in row if type(value) is str])
        if len(texts) <= limit and ((texts.isascii() and "\x00" not in texts) or _INVISIBLE_RE.search(texts) is None):
            continue
        for j, value in enumerate(row):
            if type(value) is str and value:
                if len(value) > limit:
                    raise ValidationError(_too_long(name, i + 1, j + 1, len(value), lim), code="cell")
                clean = _visible(value)
                if clean is not value:
                    row[j] = clean
