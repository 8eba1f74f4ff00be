"""The .lrmx exchange file of the 干部任免审批表 software: document (dict) ↔ XML, ORM-free.

A .lrmx (form v3.x) is UTF-8 XML with the root ``<Person>`` and one element per box of the form,
named in pinyin (``XingMing`` 姓名 …), the family table as ``<JiaTingChengYuan><Item>…``, the
photo as base64 in ``<ZhaoPian>`` and the form version in ``<Version>``. Dates are ``yyyyMM``
(出生年月, 入党时间, 参加工作时间, a relative's 出生日期) or ``yyyyMMdd`` (计算年龄时间, 填表时间);
简历 is one text, its lines joined by CRLF, each ``2008.09--2012.07  在某某大学学习``. The element
names, their order and the date forms follow what public readers and writers of the format use (a
Java reader/writer of the form that lists every element in this order and writes Version 3.2.1.x, a
Django export template writing 计算年龄时间/填表时间 as yyyyMMdd and Version 3.2.1.16, test files
with a relative's 出生日期 as yyyyMM).

A *document* here is a plain dict: element name → text for the single boxes, ``"JiaTingChengYuan"``
→ list of dicts (``ChengWei`` …), ``"ZhaoPian"`` → the photo's bytes (or ``b""``). Reading is safe
against hostile input: a size limit per file, no DTD or entity (an entity bomb or an external
entity is refused before anything is expanded), a depth and element-count limit, base64 checked,
and the zip of many files is measured before anything is unpacked. Every refusal is an
:class:`LrmxError` whose message names the box (element) in the department's words.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import io
import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree as ET
from xml.parsers import expat

ROOT = "Person"
VERSION = "3.2.1.16"
FAMILY = "JiaTingChengYuan"
ITEM = "Item"
PHOTO = "ZhaoPian"

# The single boxes in the order the software writes them: element → the form's label.
HEAD: list[tuple[str, str]] = [
    ("XingMing", "姓名"),
    ("XingBie", "性别"),
    ("ChuShengNianYue", "出生年月"),
    ("MinZu", "民族"),
    ("JiGuan", "籍贯"),
    ("ChuShengDi", "出生地"),
    ("RuDangShiJian", "入党时间"),
    ("CanJiaGongZuoShiJian", "参加工作时间"),
    ("JianKangZhuangKuang", "健康状况"),
    ("ZhuanYeJiShuZhiWu", "专业技术职务"),
    ("ShuXiZhuanYeYouHeZhuanChang", "熟悉专业有何专长"),
    ("QuanRiZhiJiaoYu_XueLi", "全日制教育学历"),
    ("QuanRiZhiJiaoYu_XueWei", "全日制教育学位"),
    ("QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi", "全日制教育毕业院校系及专业"),
    ("QuanRiZhiJiaoYu_XueWei_BiYeYuanXiaoXi", "全日制教育学位授予院校系及专业"),
    ("ZaiZhiJiaoYu_XueLi", "在职教育学历"),
    ("ZaiZhiJiaoYu_XueWei", "在职教育学位"),
    ("ZaiZhiJiaoYu_XueLi_BiYeYuanXiaoXi", "在职教育毕业院校系及专业"),
    ("ZaiZhiJiaoYu_XueWei_BiYeYuanXiaoXi", "在职教育学位授予院校系及专业"),
    ("XianRenZhiWu", "现任职务"),
    ("NiRenZhiWu", "拟任职务"),
    ("NiMianZhiWu", "拟免职务"),
    ("JianLi", "简历"),
    ("JiangChengQingKuang", "奖惩情况"),
    ("NianDuKaoHeJieGuo", "年度考核结果"),
    ("RenMianLiYou", "任免理由"),
]
FAMILY_FIELDS: list[tuple[str, str]] = [
    ("ChengWei", "称谓"),
    ("XingMing", "姓名"),
    ("ChuShengRiQi", "出生日期"),
    ("ZhengZhiMianMao", "政治面貌"),
    ("GongZuoDanWeiJiZhiWu", "工作单位及职务"),
]
TAIL: list[tuple[str, str]] = [
    ("ChengBaoDanWei", "呈报单位"),
    ("JiSuanNianLingShiJian", "计算年龄时间"),
    ("TianBiaoShiJian", "填表时间"),
    ("TianBiaoRen", "填表人"),
    ("ShenFenZheng", "身份证号"),
    (PHOTO, "照片"),
    ("Version", "版本"),
]
TEXT_ELEMENTS = [tag for tag, _ in HEAD + TAIL if tag != PHOTO]
LABELS: dict[str, str] = {**dict(HEAD), FAMILY: "家庭主要成员及重要社会关系", **dict(TAIL)}
FAMILY_LABELS = dict(FAMILY_FIELDS)

# Limits (one file of the software is 10–200 KB, most of it the photo).
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_PHOTO_BYTES = 2 * 1024 * 1024
MAX_ELEMENTS = 2_000
MAX_DEPTH = 6
MAX_FAMILY = 30
MAX_ZIP_FILES = 500
MAX_ZIP_TOTAL = 200 * 1024 * 1024
MAX_ZIP_RATIO = 100  # a .lrmx compresses about 1.3:1 (the photo); 100:1 is a bomb

PHOTO_KINDS = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png", b"GIF87a": "gif", b"GIF89a": "gif", b"BM": "bmp"}
GB_ENCODINGS = {"gbk", "gb2312", "gb18030", "gb_2312-80", "cp936", "euc-cn"}
UTF8_NAMES = {"utf-8", "utf8"}

RESUME_SEPARATOR = "\r\n"
_RESUME_LINE = re.compile(
    r"^\s*(\d{4})[.．](\d{1,2})\s*(?:--|—+|–+|-|－－|～|~)\s*(?:(\d{4})[.．](\d{1,2}))?\s*(.*)$",
)
_MONTH = re.compile(r"^(\d{4})(?:[.．/\-年]?(\d{1,2}))(?:[.．/\-月]?(\d{1,2})日?)?$")


class LrmxError(ValueError):
    """A file that cannot be read, or a box whose value is not valid. ``element`` is the element
    name ("" for the whole file), ``value`` what the box holds."""

    def __init__(self, reason: str, *, element: str = "", value: str = ""):
        super().__init__(reason)
        self.reason, self.element, self.value = reason, element, value

    @property
    def label(self) -> str:
        return LABELS.get(self.element) or FAMILY_LABELS.get(self.element) or ""

    def text(self, name: str = "") -> str:
        """文件「张三.lrmx」「出生年月」：1985.13 — 不是有效的年月。"""
        where = f"文件「{name}」" if name else ""
        if self.label:
            return f"{where}「{self.label}」：{self.value or '未填写'} — {self.reason}"
        return f"{where}{self.reason}"


# ---------------------------------------------------------------------------------------------
# Dates and 简历
# ---------------------------------------------------------------------------------------------


def month_text(value: datetime.date | None) -> str:
    """date → ``yyyyMM`` ("" for none)."""
    return f"{value:%Y%m}" if value else ""


def day_text(value: datetime.date | None) -> str:
    """date → ``yyyyMMdd`` ("" for none)."""
    return f"{value:%Y%m%d}" if value else ""


def parse_month(text: str, *, element: str = "") -> datetime.date | None:
    """``198503``, ``19850312``, ``1985.03``, ``1985.03.12``, ``1985-03``, ``1985年3月`` → a date
    (the 1st when no day is given); blank → None; anything else → LrmxError."""
    value = (text or "").strip().replace(" ", "")
    if not value:
        return None
    compact = re.fullmatch(r"(\d{4})(\d{2})(\d{2})?", value)
    m = compact or _MONTH.fullmatch(value.rstrip("月日"))
    if m:
        year, month, day = int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 1)
        try:
            if 1900 <= year <= 2100:
                return datetime.date(year, month, day)
        except ValueError:
            pass
    raise LrmxError("不是有效的年月（应写作 198503 或 1985.03）", element=element, value=text.strip())


def same_month(a: datetime.date | None, b: datetime.date | None) -> bool:
    """The file keeps months only: a date on file equals the file's value when the month does."""
    if a is None or b is None:
        return a is b
    return (a.year, a.month) == (b.year, b.month)


@dataclass(frozen=True)
class ResumeLine:
    start: datetime.date
    end: datetime.date | None
    text: str


def resume_text(lines: list[ResumeLine]) -> str:
    """简历 as the software writes it: ``2008.09--2012.07  text``, an open end padded to the same
    width, lines joined by CRLF."""
    out = []
    for line in lines:
        end = f"{line.end:%Y.%m}" if line.end else " " * 7
        out.append(f"{line.start:%Y.%m}--{end}  {line.text}")
    return RESUME_SEPARATOR.join(out)


def parse_resume(text: str) -> list[ResumeLine]:
    """The lines of 简历. A line without its own dates continues the line before (the software
    wraps long entries); an end before the start or a month 13 is an LrmxError naming the line."""
    lines: list[ResumeLine] = []
    for number, raw in enumerate((text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        if not raw.strip():
            continue
        m = _RESUME_LINE.match(raw)
        if not m:
            if not lines:
                reason = f"第{number}行没有起止时间（应写作 2008.09--2012.07  经历）"
                raise LrmxError(reason, element="JianLi", value=raw.strip()[:40])
            last = lines[-1]
            lines[-1] = ResumeLine(last.start, last.end, last.text + raw.strip())
            continue
        try:
            start = datetime.date(int(m.group(1)), int(m.group(2)), 1)
            end = datetime.date(int(m.group(3)), int(m.group(4)), 1) if m.group(3) else None
        except ValueError:
            raise LrmxError(f"第{number}行的起止时间不是有效的年月", element="JianLi", value=raw.strip()[:40]) from None
        if end is not None and end < start:
            raise LrmxError(f"第{number}行的截止时间早于起始时间", element="JianLi", value=raw.strip()[:40])
        lines.append(ResumeLine(start, end, m.group(5).strip()))
    return lines


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def to_xml(doc: dict) -> bytes:
    """The document as a .lrmx file (UTF-8, every element present, in the software's order)."""
    root = ET.Element(ROOT)

    def add(parent, tag: str, value) -> None:
        ET.SubElement(parent, tag).text = "" if value is None else str(value)

    for tag, _label in HEAD:
        add(root, tag, doc.get(tag, ""))
    family = ET.SubElement(root, FAMILY)
    for member in doc.get(FAMILY) or []:
        item = ET.SubElement(family, ITEM)
        for tag, _label in FAMILY_FIELDS:
            add(item, tag, member.get(tag, ""))
    for tag, _label in TAIL:
        if tag == PHOTO:
            photo = doc.get(PHOTO) or b""
            add(root, tag, base64.b64encode(photo).decode("ascii"))
        elif tag == "Version":
            add(root, tag, doc.get(tag) or VERSION)
        else:
            add(root, tag, doc.get(tag, ""))
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=False)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------

NOT_LRMX = "不是干部任免审批表文件（.lrmx）：内容不是任免审批表软件导出的格式，请用任免审批表软件重新导出后上传"
_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9_.\-]+)[\"'][^>]*\?>", re.S)


def _text_of(raw: bytes) -> str:
    """The file as text: UTF-8 (with or without BOM), or GBK/GB18030 when the file declares it."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise LrmxError("文件编码无法识别（UTF-16 内容有误），请用任免审批表软件重新导出") from None
    m = _DECLARATION.match(raw[:300])
    declared = m.group(1).decode("ascii").lower() if m else "utf-8"
    if declared in GB_ENCODINGS:
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError:
            raise LrmxError(f"文件声明为 {declared.upper()} 编码，但内容不是有效的 {declared.upper()} 文本") from None
    if declared not in UTF8_NAMES and declared not in {"utf-16", "us-ascii", "ascii"}:
        raise LrmxError(f"不支持文件声明的编码“{declared}”，只接受 UTF-8 和 GBK/GB18030")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise LrmxError(
            "文件编码与声明不符：声明为 UTF-8，但内容不是 UTF-8 文本（可能是 GBK 编码却未声明），请用任免审批表软件重新导出"
        ) from None


class _Refused(Exception):
    pass


def _parse(text: str) -> dict:
    """A minimal tree (tag, text, children) built by expat with DTDs and entities refused."""
    parser = expat.ParserCreate("utf-8")
    stack: list[dict] = []
    top: dict = {}
    count = 0

    def refuse(*_args):
        raise _Refused

    def start(tag, _attrs):
        nonlocal count, top
        count += 1
        if count > MAX_ELEMENTS or len(stack) >= MAX_DEPTH:
            raise _Refused
        node = {"tag": tag, "text": [], "children": []}
        if stack:
            stack[-1]["children"].append(node)
        else:
            top = node
        stack.append(node)

    def end(_tag):
        stack.pop()

    def data(chunk):
        if stack:
            stack[-1]["text"].append(chunk)

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    body = _DECLARATION.sub(b"", text.encode("utf-8"), count=1)
    try:
        parser.Parse(body, True)
    except _Refused:
        raise LrmxError(
            "文件含有 DTD/实体声明，或层级、元素过多，出于安全原因不予读取。请用任免审批表软件重新导出后上传"
        ) from None
    except expat.ExpatError as exc:
        raise LrmxError(f"{NOT_LRMX}（第{exc.lineno}行第{exc.offset + 1}列格式有误）") from None
    return top


def _node_text(node: dict) -> str:
    return "".join(node["text"]).strip()


def from_xml(raw: bytes) -> dict:
    """Read one .lrmx into a document (the shape :func:`to_xml` writes); LrmxError when the file
    is not a readable .lrmx. Box values are returned as written (checked by the importer)."""
    if len(raw) > MAX_FILE_BYTES:
        raise LrmxError(f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB，不是正常的任免审批表文件")
    if not raw.strip():
        raise LrmxError("文件是空的")
    if not raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LrmxError(NOT_LRMX)  # a PDF, a picture, a spreadsheet … renamed .lrmx
    text = _text_of(raw)
    if not text.lstrip("\ufeff \t\r\n").startswith("<"):
        raise LrmxError(NOT_LRMX)
    root = _parse(text)
    if root.get("tag") != ROOT:
        raise LrmxError(NOT_LRMX)
    doc: dict = {tag: "" for tag in TEXT_ELEMENTS}
    doc[FAMILY] = []
    doc[PHOTO] = b""
    seen: set[str] = set()
    for child in root["children"]:
        tag = child["tag"]
        if tag in seen:
            continue  # the first of a repeated box counts, as in the software
        seen.add(tag)
        if tag == FAMILY:
            items = [c for c in child["children"] if c["tag"] == ITEM]
            if len(items) > MAX_FAMILY:
                raise LrmxError(f"家庭成员有{len(items)}人，超过{MAX_FAMILY}人的上限", element=FAMILY, value=str(len(items)))
            for item in items:
                member = {t: "" for t, _label in FAMILY_FIELDS}
                for field in item["children"]:
                    if field["tag"] in member and not member[field["tag"]]:
                        member[field["tag"]] = _node_text(field)
                if any(member.values()):
                    doc[FAMILY].append(member)
        elif tag == PHOTO:
            doc[PHOTO] = _photo(_node_text(child))
        elif tag in doc:
            doc[tag] = _node_text(child) if tag != "JianLi" else "".join(child["text"]).strip("\r\n ")
    return doc


def _photo(text: str) -> bytes:
    compact = re.sub(r"\s+", "", text)
    if not compact:
        return b""
    if len(compact) > MAX_PHOTO_BYTES * 4 // 3 + 4:
        raise LrmxError(f"照片超过 {MAX_PHOTO_BYTES // 1024 // 1024} MB", element=PHOTO, value="（图片数据）")
    try:
        data = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise LrmxError("照片不是有效的图片数据", element=PHOTO, value="（图片数据）") from None
    if photo_kind(data) is None:
        raise LrmxError("照片不是 JPG、PNG、GIF 或 BMP 图片", element=PHOTO, value="（图片数据）")
    return data


def photo_kind(data: bytes) -> str | None:
    """'jpg' | 'png' | 'gif' | 'bmp' by the file's first bytes, None for anything else."""
    return next((kind for magic, kind in PHOTO_KINDS.items() if data.startswith(magic)), None)


# ---------------------------------------------------------------------------------------------
# One upload: a .lrmx, or a zip of many
# ---------------------------------------------------------------------------------------------


def _member_name(info: zipfile.ZipInfo) -> str:
    """Chinese Windows writes zip names in GBK without the UTF-8 flag (Python reads them as cp437)."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def upload_files(data: bytes, filename: str) -> list[tuple[str, bytes]]:
    """(name, bytes) of every .lrmx in the upload: the file itself, or each .lrmx of a zip (other
    members are skipped). The zip is measured before anything is unpacked: member count, the
    declared sizes and ratios, and each member is read no further than its limit."""
    if not data.startswith(b"PK\x03\x04"):
        return [(filename, data)]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
            wanted = [i for i in infos if _member_name(i).lower().endswith(".lrmx") and "__MACOSX" not in i.filename]
            if not wanted:
                raise LrmxError("压缩包中没有 .lrmx 文件")
            if len(wanted) > MAX_ZIP_FILES:
                raise LrmxError(f"压缩包中有{len(wanted)}个 .lrmx 文件，超过{MAX_ZIP_FILES}个的上限，请拆分后上传")
            total = 0
            for info in wanted:
                total += info.file_size
                name = _member_name(info)
                if info.flag_bits & 0x1:
                    raise LrmxError(f"压缩包设有密码（{name}），请去掉密码后重新压缩")
                if info.file_size > MAX_FILE_BYTES or info.file_size > max(info.compress_size, 1) * MAX_ZIP_RATIO:
                    raise LrmxError(f"压缩包中的「{name}」解压后过大，已拒绝（不是正常的任免审批表文件）")
            if total > MAX_ZIP_TOTAL:
                raise LrmxError(f"压缩包解压后超过 {MAX_ZIP_TOTAL // 1024 // 1024} MB，请拆分后上传")
            files = []
            for info in wanted:
                with archive.open(info) as fh:
                    body = fh.read(MAX_FILE_BYTES + 1)
                if len(body) > MAX_FILE_BYTES:
                    raise LrmxError(f"压缩包中的「{_member_name(info)}」解压后过大（与压缩包记录的大小不符），已拒绝")
                files.append((_member_name(info).rsplit("/", 1)[-1], body))
            return files
    except LrmxError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError, RuntimeError):
        raise LrmxError("压缩包已损坏或格式不受支持，请重新压缩（.zip）后上传") from None
