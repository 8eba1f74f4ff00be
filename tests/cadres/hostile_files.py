"""Hostile and broken spreadsheet files, built at test time (nothing binary is committed).

Each entry of HOSTILE is ``Hostile(name, filename, build, expect)``: ``build()`` returns the
bytes; ``expect`` is a fragment of the Chinese message the upload must end with, or None when
the file is odd but legitimate and must be read (its batch ends 待确认).
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import openpyxl

from .sheet_files import roster_csv, roster_ods, roster_xls, roster_xlsx

HEADER = [
    "乡镇",
    "村（社区）",
    "姓名",
    "性别",
    "民族",
    "出生年月",
    "身份证号码",
    "政治面貌",
    "入党时间",
    "学历",
    "现任职务",
    "任职时间",
]
LI = [
    "甲镇",
    "甲一村",
    "李建国",
    "男",
    "汉",
    "1985.03",
    "43012219850312003x",
    "中共党员",
    "2008.07",
    "高中",
    "书记、主任",
    "2021.04",
]
WANG = ["甲镇", "甲一村", "王芳", "女", "土家", "1990.06", "430122199006150021", "群众", "", "大专", "委员", "2021-04-01"]

# message fragments, by kind of refusal
ROWS, COLUMNS, CELLS, CELL = "行的上限", "列的上限", "个单元格的上限", "个字符"
CORRUPT, NOT_SHEET, PASSWORD, BOMB, ENTITY = "文件已损坏", "不是表格文件", "文件设有打开密码", "解压后过大", "XML 实体"
NO_HEADER, NO_ROWS, NUL, EMPTY = "表头", "没有数据行", "空字符", "文件为空"


@dataclass(frozen=True)
class Hostile:
    name: str
    filename: str
    build: Callable[[], bytes]
    expect: str | tuple[str, ...] | None
    settings: tuple[tuple[str, int], ...] = ()  # overrides for this file (smaller limits)


# --- raw .xlsx parts --------------------------------------------------------------------------

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)


def xlsx(*sheets: str, names: list[str] | None = None, dimension: str | None = None, shared: str | None = None) -> bytes:
    """A minimal .xlsx whose worksheets have the given <sheetData> bodies."""
    names = names or [f"Sheet{i + 1}" for i in range(len(sheets))]
    wb = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook {_NS} {_R}><sheets>'
        + "".join(f'<sheet name="{n}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(names))
        + "</sheets></workbook>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            f'Target="worksheets/sheet{i + 1}.xml"/>'
            for i in range(len(sheets))
        )
        + "</Relationships>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", wb)
        zf.writestr("xl/_rels/workbook.xml.rels", rels)
        if shared is not None:
            zf.writestr("xl/sharedStrings.xml", shared)
        for i, body in enumerate(sheets):
            dim = f'<dimension ref="{dimension}"/>' if dimension else ""
            zf.writestr(
                f"xl/worksheets/sheet{i + 1}.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}>{dim}<sheetData>{body}</sheetData></worksheet>',
            )
    return buf.getvalue()


def col(n: int) -> str:
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def text_cell(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def roster_rows_xml(rows: list[list[str]]) -> str:
    return "".join(
        f'<row r="{i}">' + "".join(text_cell(f"{col(j)}{i}", v) for j, v in enumerate(r, start=1) if v) + "</row>"
        for i, r in enumerate(rows, start=1)
    )


ROSTER_XML = roster_rows_xml([HEADER, LI, WANG])


def sparse(rows: int, cols: int) -> bytes:
    """Two cells: A1 and the far corner (a 5 KB file that asks for rows × cols cells)."""
    return xlsx(f'<row r="1">{text_cell("A1", "x")}</row><row r="{rows}"><c r="{col(cols)}{rows}"><v>1</v></c></row>')


def with_part(data: bytes, part: str, transform: Callable[[bytes], bytes]) -> bytes:
    src, buf = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            body = src.read(info)
            out.writestr(info.filename, transform(body) if info.filename == part else body)
    return buf.getvalue()


def zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("xl/workbook.xml", f"<workbook {_NS}/>")
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            block = b" " * (1024 * 1024)
            for _ in range(64):
                fh.write(block)
    return buf.getvalue()


def many_parts_bomb() -> bytes:
    """Fifty-one parts of 8 MB: none looks like a bomb on its own (under 10 MB), together 408 MB."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("xl/workbook.xml", f"<workbook {_NS}/>")
        block = b"<x/>" * (2 * 1024 * 1024 + 1)
        for i in range(51):
            zf.writestr(f"xl/media/part{i}.xml", block)
    return buf.getvalue()


LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)


def laughs_sheet() -> bytes:
    return with_part(xlsx(ROSTER_XML), "xl/worksheets/sheet1.xml", lambda b: LAUGHS.encode() + b.split(b"?>", 1)[1])


def laughs_shared() -> bytes:
    return xlsx(ROSTER_XML, shared=LAUGHS + f"<sst {_NS}><si><t>&lol3;</t></si></sst>")


def shared_strings_flood() -> bytes:
    return xlsx(ROSTER_XML, shared=f"<sst {_NS}>" + "<si><t>a</t></si>" * 100_001 + "</sst>")


def docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def xlsb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.bin", b"\x83\x01\x00")
    return buf.getvalue()


def plain_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "hello")
    return buf.getvalue()


def encrypted_zip_member() -> bytes:
    """An .xlsx whose sheet part has the zip 'encrypted' flag set (zip-level password)."""
    data = bytearray(xlsx(ROSTER_XML))
    pos = 0
    while (pos := data.find(b"PK\x03\x04", pos)) != -1:
        data[pos + 6] |= 1
        pos += 4
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos)) != -1:
        data[pos + 8] |= 1
        pos += 4
    return bytes(data)


def openpyxl_bytes(build: Callable[[openpyxl.Workbook], None]) -> bytes:
    wb = openpyxl.Workbook()
    build(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def formulas_only(wb) -> None:
    ws = wb.active
    for r in range(1, 20):
        for c in range(1, 10):
            ws.cell(r, c, f"=ROW()*{c}")


def merged_only(wb) -> None:
    ws = wb.active
    ws.merge_cells("A1:H20")
    ws.merge_cells("A21:Z40")


def header_only(wb) -> None:
    wb.active.append(HEADER)


def hidden_roster(wb) -> None:
    wb.active.title = "说明"
    wb.active.append(["见隐藏的工作表"])
    ws = wb.create_sheet("花名册")
    for r in (HEADER, LI, WANG):
        ws.append(r)
    ws.sheet_state = "hidden"


def hyperlink_roster(wb) -> None:
    ws = wb.active
    ws.append(HEADER)
    ws.append(LI)
    evil = [*WANG]
    evil[2] = '=HYPERLINK("http://evil.example/x","点我")'
    ws.append(evil)


def invisible_headers(wb) -> None:
    ws = wb.active
    ws.append(["\u200f" + h + "\u202e" if i % 2 else "\u200b" + h for i, h in enumerate(HEADER)])
    ws.append(LI)
    ws.append(["\u202d" + v if v else v for v in WANG])


# --- OLE2 compound files ----------------------------------------------------------------------

_FREE, _END, _FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE2 compound file (v3, 512-byte sectors, every stream in regular sectors)."""
    sectors: list[bytes] = []
    fat: list[int] = []
    entries = []
    for name, body in streams.items():
        body = body + b"\x00" * max(0, 4096 - len(body))  # above the mini-stream cutoff
        n = -(-len(body) // 512)
        start = len(sectors)
        for i in range(n):
            sectors.append(body[i * 512 : (i + 1) * 512].ljust(512, b"\x00"))
            fat.append(start + i + 1 if i < n - 1 else _END)
        entries.append((name, 2, start, len(body)))
    directory = b""
    names = [("Root Entry", 5, _END, 0), *entries]
    for i, (name, kind, start, size) in enumerate(names):
        raw = name.encode("utf-16-le") + b"\x00\x00"
        child = 1 if i == 0 and len(names) > 1 else _FREE
        right = i + 1 if 0 < i < len(names) - 1 else _FREE
        directory += (
            raw.ljust(64, b"\x00")
            + struct.pack("<HBB", len(raw), kind, 1)
            + struct.pack("<III", _FREE, right, child)
            + b"\x00" * 36
            + struct.pack("<IQ", start, size)
        )
    directory = directory.ljust(-(-len(directory) // 512) * 512, b"\x00")
    dir_start = len(sectors)
    for i in range(len(directory) // 512):
        sectors.append(directory[i * 512 : (i + 1) * 512])
        fat.append(dir_start + i + 1 if i < len(directory) // 512 - 1 else _END)
    fat_start = len(sectors)
    n_fat = -(-(len(fat) + 1) // 128)
    while -(-(len(fat) + n_fat) // 128) > n_fat:
        n_fat += 1
    fat.extend([_FATSECT] * n_fat)
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat).ljust(n_fat * 512, b"\xff")
    sectors.extend(fat_bytes[i * 512 : (i + 1) * 512] for i in range(n_fat))
    difat = [fat_start + i for i in range(n_fat)] + [_FREE] * (109 - n_fat)
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, n_fat, dir_start, 0, 4096, _END, 0, _END, 0)
        + struct.pack("<109I", *difat)
    )
    return header + b"".join(sectors)


def _xlwt_stream(write: Callable) -> bytes:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("花名册")
    write(ws)
    return wb.get_biff_data()


def xls_far(row: int, column: int) -> bytes:
    def write(ws):
        ws.write(0, 0, "x")
        ws.write(row, column, 1)

    return cfb({"Workbook": _xlwt_stream(write)})


def xls_with_filepass() -> bytes:
    stream = _xlwt_stream(lambda ws: ws.write(0, 0, "x"))
    length = struct.unpack_from("<H", stream, 2)[0]
    first = 4 + length  # after the globals' BOF record
    filepass = struct.pack("<HHH", 0x002F, 2, 0)
    return cfb({"Workbook": stream[:first] + filepass + stream[first:]})


# --- ODS --------------------------------------------------------------------------------------


def ods(rows_xml: str) -> bytes:
    data = roster_ods([["x"]])

    def replace(body: bytes) -> bytes:
        head, rest = body.split(b"<table:table-row>", 1)
        return head + rows_xml.encode() + b"</table:table>" + rest.split(b"</table:table>", 1)[1]

    return with_part(data, "content.xml", replace)


_ODS_VALUE = '<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>'
_ODS_X = '<table:table-row><table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>'


# --- CSV --------------------------------------------------------------------------------------


def csv_roster(encoding: str = "utf-8", bom: bytes = b"") -> bytes:
    return bom + roster_csv([LI, WANG], HEADER, encoding=encoding)


def csv_mixed() -> bytes:
    return roster_csv([], HEADER, encoding="utf-8") + roster_csv([LI], ["x"], encoding="gbk").split(b"\r\n", 1)[1]


def _entries() -> list[Hostile]:
    big_cell = "长" * 40_000
    return [
        # the used range, however it is spelled
        Hostile("sparse_a1_xfd150000", "a.xlsx", lambda: sparse(150_000, 16_384), COLUMNS),
        Hostile("sparse_20000x2000", "b.xlsx", lambda: sparse(20_000, 2_000), COLUMNS),
        Hostile("sparse_250000_rows", "c.xlsx", lambda: sparse(250_000, 3), ROWS),
        Hostile("sparse_area_over_cells", "d.xlsx", lambda: sparse(199_999, 199), CELLS),
        Hostile("sparse_xfd1048576", "e.xlsx", lambda: sparse(1_048_576, 16_384), (ROWS, COLUMNS)),
        Hostile(
            "dimension_lies_small",
            "f.xlsx",
            lambda: xlsx(ROSTER_XML + '<row r="9"><c r="ZZ9"><v>1</v></c></row>', dimension="A1:L3"),
            COLUMNS,
        ),
        Hostile("dimension_lies_huge", "g.xlsx", lambda: xlsx(ROSTER_XML, dimension="A1:XFD1048576"), None),
        Hostile(
            "formatting_only_far_cell",
            "h.xlsx",
            lambda: xlsx(ROSTER_XML + '<row r="150000"><c r="XFD150000" s="1"/></row>'),
            None,
        ),
        Hostile("cells_without_r", "i.xlsx", lambda: xlsx("<row>" + "<c><v>1</v></c>" * 16_384 + "</row>"), COLUMNS),
        Hostile(
            "rows_without_r",
            "j.xlsx",
            lambda: xlsx("<row><c><v>1</v></c></row>" * 10 + '<row r="300000"/><row><c><v>1</v></c></row>'),
            ROWS,
        ),
        Hostile(
            "prefixed_cells",
            "k.xlsx",
            lambda: xlsx('<x:row xmlns:x="urn:x" r="1"><x:c r="XFD7"><x:v>1</x:v></x:c></x:row>'),
            COLUMNS,
        ),
        Hostile(
            "single_quoted_reference",
            "l.xlsx",
            lambda: xlsx("<row r='1'><c t=' r=\"A1\"' r='XFD1'><v>1</v></c></row>"),
            (COLUMNS, CORRUPT),
        ),
        Hostile("many_sheets_over_cells", "m.xlsx", lambda: xlsx(*[sparse_body(20_000, 150)] * 2), CELLS),
        Hostile(
            "tag_over_1mb", "n.xlsx", lambda: xlsx(f'<row r="1"><c r="A1" x="{"a" * 2_000_000}"><v>1</v></c></row>'), CORRUPT
        ),
        Hostile("long_inline_cell", "o.xlsx", lambda: xlsx(roster_rows_xml([HEADER, [*LI[:2], big_cell, *LI[3:]]])), CELL),
        Hostile(
            "nul_escape_in_cell", "p.xlsx", lambda: xlsx(roster_rows_xml([HEADER, [*LI[:2], "李_x0000_建国", *LI[3:]]])), None
        ),
        Hostile("shared_strings_flood", "q.xlsx", shared_strings_flood, "不同的文字内容", (("IMPORT_MAX_CELLS", 100_000),)),
        # bombs and entities
        Hostile("zip_bomb", "r.xlsx", zip_bomb, "压缩炸弹"),
        Hostile("many_parts_bomb", "s.xlsx", many_parts_bomb, BOMB),
        Hostile("billion_laughs_sheet", "t.xlsx", laughs_sheet, ENTITY),
        Hostile("billion_laughs_shared_strings", "u.xlsx", laughs_shared, ENTITY),
        # broken containers and wrong types
        Hostile("truncated_xlsx", "v.xlsx", lambda: roster_xlsx([LI, WANG])[:3000], CORRUPT),
        Hostile("encrypted_zip_member", "w.xlsx", encrypted_zip_member, (PASSWORD, CORRUPT)),
        Hostile("zip_not_spreadsheet", "x.xlsx", plain_zip, "不是 Excel/WPS 表格"),
        Hostile("docx_renamed", "y.xlsx", docx, "Word 文档"),
        Hostile("xlsb", "z.xlsb", xlsb, ".xlsb"),
        Hostile("empty_file", "empty.xlsx", lambda: b"", EMPTY),
        Hostile(
            "zero_byte_sheet_part",
            "zs.xlsx",
            lambda: with_part(xlsx(ROSTER_XML), "xl/worksheets/sheet1.xml", lambda b: b""),
            (CORRUPT, NO_HEADER),
        ),
        Hostile("html_saved_as_xls", "web.xls", lambda: "<html><table><tr><td>姓名</td></tr></table></html>".encode(), NOT_SHEET),
        Hostile("html_with_bom", "web2.xls", lambda: "\ufeff  <!DOCTYPE html><html></html>".encode(), NOT_SHEET),
        Hostile("pdf_renamed", "p.xlsx", lambda: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", NOT_SHEET),
        Hostile("png_renamed", "png.xlsx", lambda: b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 100, "图片"),
        Hostile("binary_garbage", "g.xlsx", lambda: bytes(range(256)) * 64, NOT_SHEET),
        Hostile("rtf_renamed", "r.xls", lambda: rb"{\rtf1\ansi hello}", NOT_SHEET),
        Hostile("xls_named_xlsx", "real-xls.xlsx", lambda: roster_xls([HEADER, LI, WANG]), None),
        Hostile("xlsx_named_csv", "real-xlsx.csv", lambda: roster_xlsx([LI, WANG]), None),
        # OLE2
        Hostile(
            "encrypted_ooxml",
            "secret.xlsx",
            lambda: cfb({"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": b"\x00" * 600}),
            PASSWORD,
        ),
        Hostile("word_doc_renamed", "doc.xls", lambda: cfb({"WordDocument": b"\xec\xa5" + b"\x00" * 600}), "Word 文档"),
        Hostile("ole_garbage", "ole.xls", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x07" * 3000, CORRUPT),
        Hostile("xls_far_column", "far.xls", lambda: xls_far(65_535, 255), COLUMNS),
        Hostile("xls_area_over_cells", "area.xls", lambda: xls_far(65_535, 199), CELLS),
        Hostile("xls_filepass", "pass.xls", xls_with_filepass, PASSWORD),
        # ODS
        Hostile(
            "ods_far_cell",
            "far.ods",
            lambda: ods(
                _ODS_X
                + '<table:table-row table:number-rows-repeated="20000"><table:table-cell/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="1999"/>'
                + _ODS_VALUE
                + "</table:table-row>"
            ),
            COLUMNS,
        ),
        Hostile(
            "ods_repeated_values",
            "rep.ods",
            lambda: ods(
                '<table:table-row table:number-rows-repeated="3000"><table:table-cell table:number-columns-repeated="1000" office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>'
            ),
            COLUMNS,
        ),
        Hostile(
            "ods_repeated_rows_huge",
            "rows.ods",
            lambda: ods(f'<table:table-row table:number-rows-repeated="1048576">{_ODS_VALUE}</table:table-row>'),
            ROWS,
        ),
        Hostile(
            "ods_trailing_empty_repeats",
            "trail.ods",
            lambda: ods(
                _ODS_X
                + '<table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
            ),
            NO_HEADER,
        ),
        # CSV
        Hostile("csv_utf16le_bom", "u16le.csv", lambda: "\ufeff".encode("utf-16-le") + csv_roster("utf-16-le"), None),
        Hostile("csv_utf16be_bom", "u16be.csv", lambda: "\ufeff".encode("utf-16-be") + csv_roster("utf-16-be"), None),
        Hostile("csv_utf16le_no_bom", "u16.csv", lambda: csv_roster("utf-16-le"), None),
        Hostile("csv_utf8_bom", "bom.csv", lambda: csv_roster("utf-8-sig"), None),
        Hostile("csv_gbk", "gbk.csv", lambda: csv_roster("gbk"), None),
        Hostile("csv_mixed_encodings", "mixed.csv", csv_mixed, (NO_HEADER, "编码")),
        Hostile("csv_nul_early", "nul1.csv", lambda: b"\xe5\xa7\x93\xe5\x90\x8d,a\x00b\n", (NUL, NOT_SHEET)),
        Hostile("csv_nul_late", "nul2.csv", lambda: csv_roster() + b"x,y\n" * 2000 + b"\x00z,w\n", NUL),
        Hostile("csv_cell_over_field_limit", "huge.csv", lambda: csv_roster() + b'"' + b"x" * 200_000 + b'",y\n', CELL),
        Hostile("csv_cell_over_excel_limit", "long.csv", lambda: csv_roster() + b'"' + b"x" * 40_000 + b'",y\n', CELL),
        Hostile("csv_unclosed_quote", "quote.csv", lambda: csv_roster() + b'"' + b"abc,def\n" * 30_000, CELL),
        Hostile("csv_100k_columns", "wide.csv", lambda: csv_roster() + b"," * 100_000 + b"\n", COLUMNS),
        Hostile("csv_commas_over_cells", "commas.csv", lambda: csv_roster() + (b"," * 199 + b"\n") * 100_000, CELLS),
        Hostile("csv_header_only", "head.csv", lambda: roster_csv([], HEADER), NO_ROWS),
        Hostile("csv_control_chars", "ctl.csv", lambda: csv_roster() + "\x01\x02\x1b[31m,\u202e\n".encode(), "行存在错误"),
        # sheets with little or nothing in them
        Hostile("formulas_only", "f.xlsx", lambda: openpyxl_bytes(formulas_only), NO_HEADER),
        Hostile("merged_cells_only", "m.xlsx", lambda: openpyxl_bytes(merged_only), NO_HEADER),
        Hostile("header_only", "h.xlsx", lambda: openpyxl_bytes(header_only), NO_ROWS),
        Hostile("no_rows_at_all", "0.xlsx", lambda: xlsx(""), NO_HEADER),
        Hostile("hidden_sheet", "hidden.xlsx", lambda: openpyxl_bytes(hidden_roster), None),
        Hostile("very_long_sheet_name", "name.xlsx", lambda: xlsx(ROSTER_XML, names=["很长的名字" * 60]), None),
        Hostile("invisible_marks_in_headers", "rtl.xlsx", lambda: openpyxl_bytes(invisible_headers), None),
        Hostile("hyperlink_formula_in_name", "link.xlsx", lambda: openpyxl_bytes(hyperlink_roster), "姓名"),
    ]


def sparse_body(rows: int, cols: int) -> str:
    return f'<row r="1">{text_cell("A1", "x")}</row><row r="{rows}"><c r="{col(cols)}{rows}"><v>1</v></c></row>'


HOSTILE = _entries()
