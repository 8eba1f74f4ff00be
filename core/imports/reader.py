"""Read .xlsx/.xls/.ods/.csv safely: type by content, size/row limits, zip- and entity-bomb checks."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

import python_calamine
from django.conf import settings
from django.core.exceptions import ValidationError

from .normalize import CsvText

XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


@dataclass
class Sheet:
    name: str
    rows: list[list]
    hidden: bool = False


def _limits():
    return (
        getattr(settings, "IMPORT_MAX_BYTES", 20 * 1024 * 1024),
        getattr(settings, "IMPORT_MAX_ROWS", 200_000),
        getattr(settings, "IMPORT_MAX_UNZIPPED_BYTES", 400 * 1024 * 1024),
    )


def detect_kind(data: bytes) -> str:
    """'xlsx' | 'ods' | 'xls' | 'csv' by content; ValidationError for anything else."""
    if data.startswith(XLS_MAGIC):
        return "xls"
    if data.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
                if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
                    return "xlsx"
                if "mimetype" in names and zf.read("mimetype").startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
                    return "ods"
        except zipfile.BadZipFile:
            pass
        raise ValidationError("文件是压缩包但不是 Excel/WPS 表格（.xlsx/.ods），请另存为 .xlsx 后上传。", code="type")
    head = data[:4096]
    if b"\x00" in head:
        raise ValidationError("文件不是表格文件。只接受 .xlsx、.xls、.ods 和 .csv。", code="type")
    if head.lstrip()[:1] in (b"<",) or head.startswith(b"%PDF"):
        raise ValidationError("文件不是表格文件（可能是网页或PDF），请从 Excel/WPS 另存为 .xlsx。", code="type")
    return "csv"


def _check_zip(data: bytes) -> None:
    _, _, max_unzipped = _limits()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        total = 0
        for info in zf.infolist():
            total += info.file_size
            if info.compress_size and info.file_size / max(info.compress_size, 1) > 200 and info.file_size > 10 * 1024 * 1024:
                raise ValidationError("文件压缩比异常（疑似压缩炸弹），已拒绝。", code="bomb")
            if total > max_unzipped:
                raise ValidationError("文件解压后过大，已拒绝。请拆分后上传。", code="bomb")
        scanned = 0
        for info in zf.infolist():
            if info.is_dir() or info.filename.lower().endswith(BINARY_PARTS):
                continue
            scanned += _scan_part(zf, info, budget=max_unzipped - scanned)


BINARY_PARTS = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".bin")
# A DTD anywhere in a part (not only near its start: padding would hide it) is refused, in the
# encodings an XML parser would accept it in.
_DTD_MARKERS = tuple(
    marker.encode(encoding) for marker in ("<!DOCTYPE", "<!ENTITY") for encoding in ("ascii", "utf-16-le", "utf-16-be")
)
_OVERLAP = max(len(m) for m in _DTD_MARKERS) - 1
SCAN_CHUNK = 256 * 1024


def _scan_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, *, budget: int) -> int:
    """Stream one part through, chunk by chunk (bounded memory; the chunks overlap so a marker
    split across two chunks is still seen). Returns the bytes read; refuses a DTD or a part that
    inflates beyond the remaining budget (the declared sizes may lie)."""
    read = 0
    tail = b""
    with zf.open(info) as fh:
        while chunk := fh.read(SCAN_CHUNK):
            read += len(chunk)
            if read > budget:
                raise ValidationError("文件解压后过大，已拒绝。请拆分后上传。", code="bomb")
            window = tail + chunk
            if any(marker in window for marker in _DTD_MARKERS):
                raise ValidationError("文件含有不允许的 XML 实体声明，已拒绝。", code="bomb")
            tail = window[-_OVERLAP:]
    return read


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK/GB2312)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError("无法识别CSV文件的编码，请另存为 UTF-8 或 .xlsx。", code="encoding")


def read_workbook(data: bytes) -> tuple[str, list[Sheet]]:
    max_bytes, max_rows, _ = _limits()
    if not data:
        raise ValidationError("文件为空。", code="empty")
    if len(data) > max_bytes:
        raise ValidationError(f"文件超过 {max_bytes // 1024 // 1024} MB 上限，请拆分后上传。", code="size")
    kind = detect_kind(data)
    if kind == "csv":
        text = decode_csv(data)
        sample = text[:4096]
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
        except csv.Error:
            dialect = csv.excel
        # CsvText marks where a cell came from: a CSV cannot tell the number 1985.10 from "1985.1".
        rows = [[CsvText(c) for c in r] for r in csv.reader(io.StringIO(text), dialect)]
        if len(rows) > max_rows:
            raise ValidationError(f"表格超过 {max_rows} 行上限，请拆分后上传。", code="rows")
        return kind, [Sheet(name="CSV", rows=rows)]
    if kind in ("xlsx", "ods"):
        _check_zip(data)
    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise ValidationError("文件设置了打开密码，请取消密码后上传。", code="password") from None
    except Exception:  # calamine raises several error types for corrupt files
        raise ValidationError("文件已损坏或格式不受支持，请用 Excel/WPS 打开后另存为 .xlsx 再上传。", code="corrupt") from None
    sheets = []
    for meta in wb.sheets_metadata:
        if str(meta.typ) not in ("SheetTypeEnum.WorkSheet", "WorkSheet"):
            continue
        sheet = wb.get_sheet_by_name(meta.name)
        if sheet.total_height > max_rows:
            raise ValidationError(f"工作表「{meta.name}」超过 {max_rows} 行上限，请拆分后上传。", code="rows")
        rows = sheet.to_python(skip_empty_area=False)
        sheets.append(Sheet(name=meta.name, rows=rows, hidden="Visible" not in str(meta.visible)))
    return kind, sheets
