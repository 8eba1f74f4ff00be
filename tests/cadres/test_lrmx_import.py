"""Importing 干部任免审批表 files (.lrmx, one or a zip of many) through the import pipeline: preview →
apply → undo, matched by ID number, scoped, hostile files refused; export → import changes nothing."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cadres import choices, lrmx, selectors
from cadres.models import FamilyMember, Person, ResumeEntry
from core.imports.batches import import_batch_apply, import_batch_create, import_batch_preview, import_batch_rollback
from core.models import BatchStatus
from tests.factories import AppointmentFactory, PersonFactory, make_id_number

NEW_ID = make_id_number("430122", datetime.date(1990, 6, 15), 2, False)


def document(**boxes) -> dict:
    doc = {
        "XingMing": "王芳",
        "XingBie": "女",
        "ChuShengNianYue": "199006",
        "MinZu": "汉族",
        "JiGuan": "湖南长沙",
        "RuDangShiJian": "201207",
        "CanJiaGongZuoShiJian": "201207",
        "QuanRiZhiJiaoYu_XueLi": "大专",
        "QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi": "长沙师范学校",
        "JianLi": "2009.09--2012.07  在长沙师范学校学习\r\n2012.07--         甲镇甲一村村民委员会委员",
        lrmx.FAMILY: [
            {
                "ChengWei": "丈夫",
                "XingMing": "李强",
                "ChuShengRiQi": "198801",
                "ZhengZhiMianMao": "群众",
                "GongZuoDanWeiJiZhiWu": "务农",
            }
        ],
        "ShenFenZheng": NEW_ID,
    }
    doc.update(boxes)
    return doc


def upload(user, data: bytes, filename: str = "王芳.lrmx", township=None):
    batch = import_batch_create(by=user, sheet_type="lrmx", filename=filename, data=data, township=township)
    return import_batch_preview(batch=batch)


def zipped(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in files.items():
            archive.writestr(name, body)
    return buf.getvalue()


def history_counts() -> tuple[int, int, int]:
    return Person.history.count(), FamilyMember.history.count(), ResumeEntry.history.count()


@pytest.fixture
def member(village_a):
    """A cadre of township A with a full dossier, as the person page would have it."""
    person = PersonFactory(
        name="李建国",
        native_place="湖南长沙",
        birthplace="湖南宁乡",
        party_join_date=datetime.date(2008, 7, 15),
        work_start_date=datetime.date(2003, 9, 20),
        health="健康",
        professional_title="农艺师",
        specialty="农业技术推广",
        education_fulltime=choices.Education.BACHELOR,
        degree_fulltime="农学学士",
        school_major="湖南农业大学农学专业",
        education_inservice=choices.Education.POSTGRAD,
        school_major_inservice="中共湖南省委党校经济管理专业",
    )
    AppointmentFactory(person=person, village=village_a)
    FamilyMember.objects.create(
        person=person,
        relation="妻子",
        name="王芳",
        birth_date=datetime.date(1987, 4, 9),
        political_status="群众",
        work_unit="务农",
        sort=1,
    )
    ResumeEntry.objects.create(
        person=person, start_date=datetime.date(2003, 9, 1), end_date=datetime.date(2007, 7, 1), text="在湖南农业大学学习"
    )
    ResumeEntry.objects.create(person=person, start_date=datetime.date(2007, 7, 1), text="甲镇甲一村党支部书记")
    return person


def exported(user, person) -> bytes:
    [(_person, doc)] = selectors.lrmx_documents(user=user, people=selectors.lrmx_people(user=user, person=person))
    return lrmx.to_xml(doc)


# --- round trip ----------------------------------------------------------------------------------


def test_exporting_then_importing_changes_nothing(clerk_a, member):
    data = exported(clerk_a, member)
    before = history_counts()
    batch = upload(clerk_a, data, "李建国.lrmx")
    assert batch.status == BatchStatus.PREVIEWED, batch.summary
    assert batch.counts["unchanged"] == 1 and batch.counts["updated"] == 0 and batch.counts["created"] == 0
    [row] = batch.summary["rows"]
    assert (row["s"], row["name"], row["at"], row.get("c")) == ("unchanged", "李建国", "文件「李建国.lrmx」", None)
    import_batch_apply(batch=batch, by=clerk_a)
    assert history_counts() == before
    member.refresh_from_db()
    assert member.party_join_date == datetime.date(2008, 7, 15)  # the day on file is kept


# --- updating a known person, and undoing it -----------------------------------------------------


def test_a_known_person_is_updated_and_family_and_resume_replaced_then_undone(county_user, member):
    doc = lrmx.from_xml(exported(county_user, member))
    doc.update(
        JiGuan="湖南浏阳",
        JianKangZhuangKuang="良好",
        JianLi="2003.09--2007.07  在湖南农业大学学习\r\n2007.07--2015.03  甲镇甲一村党支部书记\r\n2015.03--         甲镇甲一村党总支书记",
    )
    doc[lrmx.FAMILY] = [
        {
            "ChengWei": "妻子",
            "XingMing": "王芳",
            "ChuShengRiQi": "198704",
            "ZhengZhiMianMao": "群众",
            "GongZuoDanWeiJiZhiWu": "务农",
        },
        {"ChengWei": "女儿", "XingMing": "李想", "ChuShengRiQi": "201203", "ZhengZhiMianMao": "", "GongZuoDanWeiJiZhiWu": "学生"},
    ]
    doc["MinZu"] = ""  # a blank box changes nothing
    batch = upload(county_user, lrmx.to_xml(doc), "李建国.lrmx")
    assert batch.status == BatchStatus.PREVIEWED, batch.summary
    [row] = batch.summary["rows"]
    assert row["s"] == "changed"
    assert row["c"] == "籍贯；健康状况；家庭成员（2人）；简历（3条）"
    batch = import_batch_apply(batch=batch, by=county_user)
    assert batch.status == BatchStatus.APPLIED
    member.refresh_from_db()
    assert (member.native_place, member.health, member.ethnicity) == ("湖南浏阳", "良好", "汉族")
    family = list(member.family_members.values_list("relation", "name", "birth_date", "sort"))
    assert family == [("妻子", "王芳", datetime.date(1987, 4, 9), 1), ("女儿", "李想", datetime.date(2012, 3, 1), 2)]
    resume = list(member.resume_entries.values_list("start_date", "end_date", "text"))
    assert resume == [
        (datetime.date(2003, 9, 1), datetime.date(2007, 7, 1), "在湖南农业大学学习"),
        (datetime.date(2007, 7, 1), datetime.date(2015, 3, 1), "甲镇甲一村党支部书记"),
        (datetime.date(2015, 3, 1), None, "甲镇甲一村党总支书记"),
    ]
    reason = f"表格导入 #{batch.pk}"
    assert member.history.first().history_change_reason == reason
    assert member.history.first().history_user == county_user
    assert FamilyMember.history.filter(person_id=member.pk, history_change_reason=reason).count() == 1  # the new daughter only
    assert ResumeEntry.history.filter(person_id=member.pk, history_change_reason=reason).count() == 2  # one changed, one new

    import_batch_rollback(batch=batch, by=county_user)
    member.refresh_from_db()
    assert (member.native_place, member.health) == ("湖南长沙", "健康")
    assert list(member.family_members.values_list("relation", "name")) == [("妻子", "王芳")]
    assert list(member.resume_entries.values_list("end_date", "text")) == [
        (datetime.date(2007, 7, 1), "在湖南农业大学学习"),
        (None, "甲镇甲一村党支部书记"),
    ]


def test_undo_is_refused_when_the_family_was_changed_after_the_import(county_user, member):
    from cadres import services

    doc = lrmx.from_xml(exported(county_user, member))
    doc[lrmx.FAMILY] = [dict(doc[lrmx.FAMILY][0], GongZuoDanWeiJiZhiWu="甲一村合作社会计")]
    batch = import_batch_apply(batch=upload(county_user, lrmx.to_xml(doc)), by=county_user)
    services.family_member_create(person=member, by=county_user, relation="儿子", name="李明")
    with pytest.raises(Exception, match="李建国的家庭成员又有修改，不能整体撤销"):
        import_batch_rollback(batch=batch, by=county_user)
    assert member.family_members.count() == 2


# --- new people --------------------------------------------------------------------------------


def test_an_unknown_id_number_creates_the_person_with_family_and_resume_in_the_clerks_township(clerk_a, township_a):
    batch = upload(clerk_a, lrmx.to_xml(document()))
    assert batch.status == BatchStatus.PREVIEWED, batch.summary
    assert batch.summary["rows"][0]["s"] == "new"
    batch = import_batch_apply(batch=batch, by=clerk_a)
    person = Person.objects.get(id_number=NEW_ID)
    assert (person.name, person.sex, person.birth_date, person.registered_township) == (
        "王芳",
        choices.Sex.FEMALE,
        datetime.date(1990, 6, 15),
        township_a,
    )
    assert (person.political_status, person.party_join_date, person.education_fulltime) == (
        choices.PoliticalStatus.MEMBER,
        datetime.date(2012, 7, 1),
        choices.Education.COLLEGE,
    )
    assert list(person.family_members.values_list("relation", "name", "birth_date")) == [
        ("丈夫", "李强", datetime.date(1988, 1, 1))
    ]
    assert person.resume_entries.count() == 2
    assert person.history.get().history_change_reason == f"表格导入 #{batch.pk}"
    import_batch_rollback(batch=batch, by=clerk_a)
    assert not Person.objects.filter(id_number=NEW_ID).exists()
    assert FamilyMember.objects.count() == ResumeEntry.objects.count() == 0


def test_a_clerk_cannot_import_a_person_of_another_township(clerk_a, village_b):
    other = PersonFactory(name="赵乙")
    AppointmentFactory(person=other, village=village_b)
    before = history_counts()
    batch = upload(clerk_a, lrmx.to_xml(document(XingMing="赵乙", ShenFenZheng=other.id_number)), "赵乙.lrmx")
    assert batch.status == BatchStatus.INVALID
    assert batch.summary["errors"] == [
        f"文件「赵乙.lrmx」「身份证号」：{other.id_number} — 此人已在其他乡镇任职或建档，请联系县委组织部核实"
    ]
    assert history_counts() == before


# --- a zip of many, and the errors ---------------------------------------------------------------


def test_a_zip_with_one_bad_file_names_file_and_box_and_writes_nothing(county_user):
    good = lrmx.to_xml(document())
    second_id = make_id_number("430122", datetime.date(1979, 2, 3), 5, True)
    bad = lrmx.to_xml(
        document(
            XingMing="张三",
            ShenFenZheng=second_id,
            RuDangShiJian="2008.13",
            CanJiaGongZuoShiJian="去年",
            QuanRiZhiJiaoYu_XueLi="私塾",
            JianLi="1998.09--1996.07  在某中学学习",
        )
    )
    batch = upload(county_user, zipped({"王芳.lrmx": good, "张三.lrmx": bad, "说明.txt": b"x"}), "甲镇.zip")
    assert batch.status == BatchStatus.INVALID
    assert batch.counts["total"] == 2 and batch.counts["errors"] == 1
    assert batch.summary["errors"] == [
        "文件「张三.lrmx」「入党时间」：2008.13 — 应为入党年月（如 200807）或政治面貌（如 共青团员、群众）",
        "文件「张三.lrmx」「参加工作时间」：去年 — 不是有效的年月（应写作 198503 或 1985.03）",
        "文件「张三.lrmx」「全日制教育学历」：私塾 — 无法识别的学历，可填：研究生、大学本科、大专、中专、高中、初中、小学",
        "文件「张三.lrmx」「简历」：1998.09--1996.07  在某中学学习 — 第1行的截止时间早于起始时间",
    ]
    assert batch.message == "共有1个文件存在错误，请修改后重新上传。"
    assert Person.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><Person><XingMing>&b;</XingMing></Person>',
            "DTD/实体声明",
        ),
        (b"%PDF-1.4 renamed", "不是干部任免审批表文件"),
        ("<?xml version='1.0'?><Person><XingMing>王芳</XingMing></Person>".encode("gbk"), "不是 UTF-8 文本"),
        (zipped({"a.lrmx": b"<Person>" + b" " * 3_000_000 + b"</Person>"}), "解压后过大"),
        (zipped({"readme.txt": b"x"}), "压缩包中没有 .lrmx 文件"),
    ],
)
def test_hostile_files_get_a_clear_message_and_write_nothing(county_user, data, fragment):
    before = history_counts()
    batch = upload(county_user, data, "王芳.lrmx")
    assert batch.status == BatchStatus.INVALID
    assert fragment in batch.message
    assert history_counts() == before


def test_a_gbk_declared_file_is_read(county_user):
    text = lrmx.to_xml(document()).decode("utf-8").replace('encoding="UTF-8"', 'encoding="GBK"')
    batch = upload(county_user, text.encode("gbk"))
    assert batch.status == BatchStatus.PREVIEWED, batch.summary
    assert batch.summary["rows"][0]["name"] == "王芳"


# --- the import page -------------------------------------------------------------------------------


def test_the_import_page_accepts_lrmx_and_zip_and_offers_a_blank_template(client, clerk_a):
    client.force_login(clerk_a)
    page = client.get(reverse("core:import_list")).content.decode()
    assert 'accept=".xlsx,.xls,.ods,.csv,.lrmx,.zip"' in page
    assert "干部任免审批表（.lrmx）" in page
    template = client.get(reverse("core:import_template", args=["lrmx"]))
    assert template["Content-Type"] == "application/xml; charset=utf-8"
    assert lrmx.from_xml(template.content)["XingMing"] == ""
    upload_file = SimpleUploadedFile("王芳.lrmx", lrmx.to_xml(document()))
    response = client.post(reverse("core:import_list"), {"sheet_type": "lrmx", "file": upload_file})
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert "文件「王芳.lrmx」" in detail
    assert "新增" in detail


def test_an_unreadable_file_inside_a_zip_is_named_and_nothing_is_written(county_user):
    batch = upload(county_user, zipped({"王芳.lrmx": lrmx.to_xml(document()), "坏文件.lrmx": b"%PDF-1.4"}), "甲镇.zip")
    assert batch.status == BatchStatus.INVALID
    assert batch.summary["file_errors"] == ["文件「坏文件.lrmx」" + lrmx.NOT_LRMX]
    assert Person.objects.count() == 0


def test_the_import_command_reads_lrmx_and_reports_errors_without_an_error_workbook(county_user, tmp_path):
    from django.core.management import call_command

    bad = tmp_path / "王芳.lrmx"
    bad.write_bytes(lrmx.to_xml(document(CanJiaGongZuoShiJian="去年")))
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("import_sheet", str(bad), "--type", "lrmx", "--user", county_user.username, stdout=out)
    assert "文件「王芳.lrmx」「参加工作时间」：去年 — 不是有效的年月" in out.getvalue()
    assert not list(tmp_path.glob("*.xlsx"))
    good = tmp_path / "王芳2.lrmx"
    good.write_bytes(lrmx.to_xml(document()))
    out = io.StringIO()
    call_command("import_sheet", str(good), "--type", "lrmx", "--user", county_user.username, stdout=out)
    assert out.getvalue().strip().endswith("created=1 updated=0 unchanged=0 errors=0")
    assert Person.objects.get(id_number=NEW_ID).name == "王芳"


def test_the_preview_page_says_no_change_for_a_re_imported_export_and_offers_no_error_workbook(client, county_user, member):
    batch = upload(county_user, exported(county_user, member), "李建国.lrmx")
    client.force_login(county_user)
    page = client.get(reverse("core:import_detail", args=[batch.pk])).content.decode()
    assert "无变化 1" in page and "修改 0" in page
    assert "文件「李建国.lrmx」" in page
    assert reverse("core:import_errors", args=[batch.pk]) not in page
    assert client.get(reverse("core:import_errors", args=[batch.pk])).status_code == 404
