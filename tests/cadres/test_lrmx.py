"""cadres.lrmx: the .lrmx document ↔ XML mapping, dates, 简历, and hostile files (no database)."""

from __future__ import annotations

import base64
import datetime
import io
import zipfile
from xml.etree import ElementTree as ET

import pytest

from cadres import lrmx

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4

EXPECTED_ORDER = [
    "XingMing",
    "XingBie",
    "ChuShengNianYue",
    "MinZu",
    "JiGuan",
    "ChuShengDi",
    "RuDangShiJian",
    "CanJiaGongZuoShiJian",
    "JianKangZhuangKuang",
    "ZhuanYeJiShuZhiWu",
    "ShuXiZhuanYeYouHeZhuanChang",
    "QuanRiZhiJiaoYu_XueLi",
    "QuanRiZhiJiaoYu_XueWei",
    "QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi",
    "QuanRiZhiJiaoYu_XueWei_BiYeYuanXiaoXi",
    "ZaiZhiJiaoYu_XueLi",
    "ZaiZhiJiaoYu_XueWei",
    "ZaiZhiJiaoYu_XueLi_BiYeYuanXiaoXi",
    "ZaiZhiJiaoYu_XueWei_BiYeYuanXiaoXi",
    "XianRenZhiWu",
    "NiRenZhiWu",
    "NiMianZhiWu",
    "JianLi",
    "JiangChengQingKuang",
    "NianDuKaoHeJieGuo",
    "RenMianLiYou",
    "JiaTingChengYuan",
    "ChengBaoDanWei",
    "JiSuanNianLingShiJian",
    "TianBiaoShiJian",
    "TianBiaoRen",
    "ShenFenZheng",
    "ZhaoPian",
    "Version",
]


def sample_doc() -> dict:
    return {
        "XingMing": "李建国",
        "XingBie": "男",
        "ChuShengNianYue": "198503",
        "MinZu": "汉族",
        "JiGuan": "湖南长沙",
        "ChuShengDi": "湖南宁乡",
        "RuDangShiJian": "200807",
        "JianLi": lrmx.resume_text(
            [
                lrmx.ResumeLine(datetime.date(2003, 9, 1), datetime.date(2007, 7, 1), "在湖南农业大学农学专业学习"),
                lrmx.ResumeLine(datetime.date(2007, 7, 1), None, "甲镇甲一村党支部书记"),
            ]
        ),
        lrmx.FAMILY: [
            {
                "ChengWei": "妻子",
                "XingMing": "王芳",
                "ChuShengRiQi": "198704",
                "ZhengZhiMianMao": "群众",
                "GongZuoDanWeiJiZhiWu": "务农",
            },
            {
                "ChengWei": "儿子",
                "XingMing": "李明",
                "ChuShengRiQi": "201010",
                "ZhengZhiMianMao": "",
                "GongZuoDanWeiJiZhiWu": "学生",
            },
        ],
        "JiSuanNianLingShiJian": "20260301",
        "ShenFenZheng": "43012219850312003X",
        lrmx.PHOTO: PNG,
    }


def test_export_writes_every_element_in_the_software_order():
    root = ET.fromstring(lrmx.to_xml(sample_doc()))  # noqa: S314 (our own output)
    assert root.tag == "Person"
    assert [child.tag for child in root] == EXPECTED_ORDER
    assert root.findtext("XingMing") == "李建国"
    assert root.findtext("ChuShengNianYue") == "198503"
    assert root.findtext("Version") == "3.2.1.16"
    items = root.find("JiaTingChengYuan").findall("Item")
    assert [[f.tag for f in item] for item in items] == [
        ["ChengWei", "XingMing", "ChuShengRiQi", "ZhengZhiMianMao", "GongZuoDanWeiJiZhiWu"]
    ] * 2
    assert items[0].findtext("XingMing") == "王芳"
    assert items[0].findtext("ChuShengRiQi") == "198704"
    assert base64.b64decode(root.findtext("ZhaoPian")) == PNG


def test_export_is_utf8_with_declaration_and_crlf_between_resume_lines():
    raw = lrmx.to_xml(sample_doc())
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    raw.decode("utf-8")
    assert "2003.09--2007.07  在湖南农业大学农学专业学习\r\n2007.07--         甲镇甲一村党支部书记".encode() in raw


def test_a_written_document_reads_back_the_same():
    doc = sample_doc()
    back = lrmx.from_xml(lrmx.to_xml(doc))
    for tag in ("XingMing", "ChuShengNianYue", "RuDangShiJian", "ShenFenZheng", "JiSuanNianLingShiJian"):
        assert back[tag] == doc[tag]
    assert back[lrmx.FAMILY] == doc[lrmx.FAMILY]
    assert back[lrmx.PHOTO] == PNG
    assert lrmx.parse_resume(back["JianLi"]) == lrmx.parse_resume(doc["JianLi"])
    assert back["NiRenZhiWu"] == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("198503", datetime.date(1985, 3, 1)),
        ("19850312", datetime.date(1985, 3, 12)),
        ("1985.03", datetime.date(1985, 3, 1)),
        ("1985.3", datetime.date(1985, 3, 1)),
        ("1985.03.12", datetime.date(1985, 3, 12)),
        ("1985-03", datetime.date(1985, 3, 1)),
        ("1985年3月", datetime.date(1985, 3, 1)),
        (" 198503 ", datetime.date(1985, 3, 1)),
        ("", None),
        ("   ", None),
    ],
)
def test_month_values_the_software_and_people_write(text, expected):
    assert lrmx.parse_month(text) == expected


@pytest.mark.parametrize("text", ["198513", "85.03", "1985.00", "19850231", "一九八五年", "2101.01", "abc"])
def test_invalid_months_name_the_element_and_value(text):
    with pytest.raises(lrmx.LrmxError) as exc:
        lrmx.parse_month(text, element="RuDangShiJian")
    assert (
        exc.value.text("张三.lrmx")
        == f"文件「张三.lrmx」「入党时间」：{text.strip()} — 不是有效的年月（应写作 198503 或 1985.03）"
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [(datetime.date(1985, 3, 12), "198503"), (datetime.date(2000, 11, 1), "200011"), (None, "")],
)
def test_month_text_is_yyyymm(value, text):
    assert lrmx.month_text(value) == text


def test_same_month_ignores_the_day():
    assert lrmx.same_month(datetime.date(2008, 7, 15), datetime.date(2008, 7, 1))
    assert not lrmx.same_month(datetime.date(2008, 7, 15), datetime.date(2008, 8, 1))
    assert lrmx.same_month(None, None)
    assert not lrmx.same_month(None, datetime.date(2008, 8, 1))


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        (
            "2003.09--2007.07  在某大学学习\r\n2007.07--         甲一村书记",
            [("2003-09", "2007-07", "在某大学学习"), ("2007-07", None, "甲一村书记")],
        ),
        ("2003.09—2007.07 在某大学学习", [("2003-09", "2007-07", "在某大学学习")]),
        ("2003.9-2007.7  学习\n", [("2003-09", "2007-07", "学习")]),
        ("2003.09--2007.07  在某大学\n            农学专业学习", [("2003-09", "2007-07", "在某大学农学专业学习")]),
        ("", []),
    ],
)
def test_resume_lines_are_read_in_the_forms_people_write(text, lines):
    got = [(f"{x.start:%Y-%m}", f"{x.end:%Y-%m}" if x.end else None, x.text) for x in lrmx.parse_resume(text)]
    assert got == lines


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("在某大学学习", "第1行没有起止时间"),
        ("2003.13--2007.07  学习", "第1行的起止时间不是有效的年月"),
        ("2003.09--2007.07  学习\n2009.09--2008.07  工作", "第2行的截止时间早于起始时间"),
    ],
)
def test_bad_resume_lines_are_named(text, reason):
    with pytest.raises(lrmx.LrmxError) as exc:
        lrmx.parse_resume(text)
    assert exc.value.element == "JianLi"
    assert exc.value.reason.startswith(reason)
    assert "「简历」" in exc.value.text("a.lrmx")


# --- hostile and odd files ---------------------------------------------------------------------

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Person><XingMing>&lol3;</XingMing></Person>"""
EXTERNAL = (
    b"""<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><Person><XingMing>&x;</XingMing></Person>"""
)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (BOMB, "DTD/实体声明"),
        (EXTERNAL, "DTD/实体声明"),
        (b"PK\x03\x04 not really", "不是干部任免审批表文件"),
        (b"%PDF-1.4 a pdf renamed", "不是干部任免审批表文件"),
        (b"\x89PNG\r\n\x1a\n....", "不是干部任免审批表文件"),
        (b"<html><body>hi</body></html>", "不是干部任免审批表文件"),
        (b"<Person><XingMing>unclosed</Person>", "格式有误"),
        (b"", "文件是空的"),
        ("<?xml version='1.0' encoding='UTF-8'?><Person><XingMing>张三</XingMing></Person>".encode("gbk"), "不是 UTF-8 文本"),
        (b"<?xml version='1.0' encoding='Shift_JIS'?><Person/>", "不支持文件声明的编码"),
        (b"<Person>" + b"<a>" * 10 + b"</a>" * 10 + b"</Person>", "层级"),
        (b"<Person><ZhaoPian>not base64!!</ZhaoPian></Person>", "照片不是有效的图片数据"),
        (b"<Person><ZhaoPian>" + base64.b64encode(b"MZ an exe") + b"</ZhaoPian></Person>", "照片不是 JPG"),
        (b"<Person>" + b"<XingMing>x</XingMing>" * 3000 + b"</Person>", "元素过多"),
        (b" " * (lrmx.MAX_FILE_BYTES + 1), "超过 5 MB"),
    ],
)
def test_hostile_or_wrong_files_are_refused_with_a_chinese_message(raw, message):
    with pytest.raises(lrmx.LrmxError) as exc:
        lrmx.from_xml(raw)
    assert message in str(exc.value)


def test_gbk_declared_files_are_read():
    raw = "<?xml version='1.0' encoding='GB2312'?><Person><XingMing>张三</XingMing><MinZu>汉族</MinZu></Person>".encode("gbk")
    doc = lrmx.from_xml(raw)
    assert (doc["XingMing"], doc["MinZu"]) == ("张三", "汉族")
    assert doc[lrmx.FAMILY] == [] and doc[lrmx.PHOTO] == b""


def test_utf8_with_bom_and_missing_elements_read_as_blank():
    doc = lrmx.from_xml(
        b"\xef\xbb\xbf<?xml version='1.0' encoding='utf-8'?><Person><XingMing> \xe5\xbc\xa0\xe4\xb8\x89 </XingMing></Person>"
    )
    assert doc["XingMing"] == "张三"
    assert doc["ShenFenZheng"] == "" and doc["JianLi"] == ""


class GbkNamed(zipfile.ZipInfo):
    """A member named in GBK without the UTF-8 flag, as Windows' built-in zip writes Chinese names."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def _zip(members: dict[str, bytes], *, gbk_names: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            info = (GbkNamed if gbk_names else zipfile.ZipInfo)(name)
            archive.writestr(info, body, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def test_a_zip_yields_its_lrmx_files_and_skips_the_rest():
    body = lrmx.to_xml(sample_doc())
    files = lrmx.upload_files(_zip({"甲一村/李建国.lrmx": body, "说明.txt": b"x", "王芳.LRMX": body}), "甲一村.zip")
    assert [name for name, _ in files] == ["李建国.lrmx", "王芳.LRMX"]
    assert files[0][1] == body
    assert lrmx.upload_files(body, "李建国.lrmx") == [("李建国.lrmx", body)]


def test_zip_names_written_in_gbk_by_windows_are_read():
    files = lrmx.upload_files(_zip({"李建国.lrmx": b"<Person/>"}, gbk_names=True), "a.zip")
    assert files[0][0] == "李建国.lrmx"


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"说明.txt": b"x"}, "压缩包中没有 .lrmx 文件"),
        ({"bomb.lrmx": b"<Person>" + b" " * (6 * 1024 * 1024) + b"</Person>"}, "解压后过大"),
        ({"ratio.lrmx": b"<Person>" + b"a" * 2_000_000 + b"</Person>"}, "解压后过大"),
        ({f"{i}.lrmx": b"<Person/>" for i in range(lrmx.MAX_ZIP_FILES + 1)}, "超过500个的上限"),
    ],
)
def test_zip_bombs_and_empty_zips_are_refused_before_unpacking(members, message):
    with pytest.raises(lrmx.LrmxError) as exc:
        lrmx.upload_files(_zip(members), "a.zip")
    assert message in str(exc.value)


def test_a_broken_zip_is_refused():
    with pytest.raises(lrmx.LrmxError, match="压缩包已损坏"):
        lrmx.upload_files(b"PK\x03\x04" + b"\x00" * 100, "a.zip")
