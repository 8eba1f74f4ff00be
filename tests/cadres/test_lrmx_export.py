"""Downloading 干部任免审批表 files (.lrmx): one person, a village's or a township's people as a zip;
scoped, refused to masked roles, logged; the XML checked element by element."""

from __future__ import annotations

import base64
import datetime
import io
import zipfile
from xml.etree import ElementTree as ET

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from assessments.models import ReviewResult
from cadres import choices
from cadres.models import ExportLog, FamilyMember, PersonRecord, ResumeEntry
from tests.assessments.factories import ReviewFactory
from tests.factories import AppointmentFactory, PersonFactory, VillageFactory

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


@pytest.fixture
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    return tmp_path


@pytest.fixture
def secretary(village_a, private_media):
    person = PersonFactory(
        name="李建国",
        native_place="湖南长沙",
        birthplace="湖南宁乡",
        party_join_date=datetime.date(2008, 7, 15),
        work_start_date=datetime.date(2003, 9, 1),
        health="健康",
        professional_title="农艺师",
        specialty="农业技术推广",
        education_fulltime=choices.Education.BACHELOR,
        degree_fulltime="农学学士",
        school_major="湖南农业大学农学专业",
        education_inservice=choices.Education.POSTGRAD,
        school_major_inservice="中共湖南省委党校经济管理专业",
    )
    person.photo.save("photo.png", ContentFile(PNG), save=True)
    AppointmentFactory(person=person, village=village_a, post=choices.SECRETARY)
    AppointmentFactory(person=person, village=village_a, post=choices.CHAIR)
    FamilyMember.objects.create(
        person=person,
        relation="妻子",
        name="王芳",
        birth_date=datetime.date(1987, 4, 1),
        political_status="群众",
        work_unit="务农",
        sort=1,
    )
    FamilyMember.objects.create(
        person=person, relation="儿子", name="李明", birth_date=datetime.date(2010, 10, 1), work_unit="学生", sort=2
    )
    ResumeEntry.objects.create(
        person=person, start_date=datetime.date(2003, 9, 1), end_date=datetime.date(2007, 7, 1), text="在湖南农业大学农学专业学习"
    )
    ResumeEntry.objects.create(person=person, start_date=datetime.date(2007, 7, 1), text="甲镇甲一村党支部书记")
    PersonRecord.objects.create(
        person=person,
        kind=choices.RecordKind.HONOUR,
        date=datetime.date(2022, 6, 30),
        title="优秀党务工作者",
        issuer="中共某县委",
    )
    PersonRecord.objects.create(
        person=person, kind=choices.RecordKind.CAREER, date=datetime.date(2023, 1, 1), title="考录乡镇公务员"
    )
    review = ReviewFactory(person=person, village=village_a, year=2024, campaign__year=2024)
    ReviewResult.objects.create(
        review=review,
        year=2024,
        person=person,
        village=village_a,
        township=village_a.township,
        status="graded",
        grade="excellent",
        grade_label="优秀",
        locked=True,
    )
    return person


def _xml(response) -> ET.Element:
    return ET.fromstring(response.content)  # noqa: S314 (our own output)


def test_a_persons_file_holds_every_element_with_its_value(client, county_user, secretary):
    client.force_login(county_user)
    response = client.get(reverse("cadres:person_lrmx", args=[secretary.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert (
        "attachment; filename*=UTF-8''%E6%9D%8E%E5%BB%BA%E5%9B%BD-%E4%BB%BB%E5%85%8D%E5%AE%A1%E6%89%B9%E8%A1%A8-"
        in (response["Content-Disposition"])
    )
    root = _xml(response)
    assert root.tag == "Person"
    expected = {
        "XingMing": "李建国",
        "XingBie": "男",
        "ChuShengNianYue": f"{secretary.birth_date:%Y%m}",
        "MinZu": "汉族",
        "JiGuan": "湖南长沙",
        "ChuShengDi": "湖南宁乡",
        "RuDangShiJian": "200807",
        "CanJiaGongZuoShiJian": "200309",
        "JianKangZhuangKuang": "健康",
        "ZhuanYeJiShuZhiWu": "农艺师",
        "ShuXiZhuanYeYouHeZhuanChang": "农业技术推广",
        "QuanRiZhiJiaoYu_XueLi": "大学本科",
        "QuanRiZhiJiaoYu_XueWei": "农学学士",
        "QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi": "湖南农业大学农学专业",
        "QuanRiZhiJiaoYu_XueWei_BiYeYuanXiaoXi": "湖南农业大学农学专业",
        "ZaiZhiJiaoYu_XueLi": "研究生",
        "ZaiZhiJiaoYu_XueWei": "",
        "ZaiZhiJiaoYu_XueLi_BiYeYuanXiaoXi": "中共湖南省委党校经济管理专业",
        "ZaiZhiJiaoYu_XueWei_BiYeYuanXiaoXi": "",
        "XianRenZhiWu": "甲镇甲一村党组织书记、村民委员会主任",
        "NiRenZhiWu": "",
        "NiMianZhiWu": "",
        "JiangChengQingKuang": "2022.06 优秀党务工作者（中共某县委）",
        "NianDuKaoHeJieGuo": "2024年度考核优秀。",
        "RenMianLiYou": "",
        "ChengBaoDanWei": "",
        "TianBiaoRen": county_user.full_name,
        "ShenFenZheng": secretary.id_number,
        "Version": "3.2.1.16",
    }
    assert {tag: (root.findtext(tag) or "") for tag in expected} == expected
    assert root.findtext("JianLi").replace("\n", "\r\n") == (
        "2003.09--2007.07  在湖南农业大学农学专业学习\r\n2007.07--         甲镇甲一村党支部书记"
    )
    assert b"2003.09--2007.07  \xe5\x9c\xa8" in response.content and b"\r\n2007.07--" in response.content
    assert len(root.findtext("JiSuanNianLingShiJian")) == 8
    items = root.find("JiaTingChengYuan").findall("Item")
    assert [[(f.tag, f.text or "") for f in item] for item in items] == [
        [
            ("ChengWei", "妻子"),
            ("XingMing", "王芳"),
            ("ChuShengRiQi", "198704"),
            ("ZhengZhiMianMao", "群众"),
            ("GongZuoDanWeiJiZhiWu", "务农"),
        ],
        [
            ("ChengWei", "儿子"),
            ("XingMing", "李明"),
            ("ChuShengRiQi", "201010"),
            ("ZhengZhiMianMao", ""),
            ("GongZuoDanWeiJiZhiWu", "学生"),
        ],
    ]
    assert base64.b64decode(root.findtext("ZhaoPian")) == PNG


def test_every_download_is_logged(client, county_user, secretary, village_a):
    client.force_login(county_user)
    client.get(reverse("cadres:person_lrmx", args=[secretary.pk]))
    client.get(reverse("cadres:village_lrmx", args=[village_a.pk]))
    logs = list(ExportLog.objects.order_by("id").values_list("what", "rows", "masked", "filters"))
    assert logs == [
        ("任免审批表(.lrmx)：李建国", 1, False, {"person": secretary.pk}),
        ("任免审批表(.lrmx)：甲一村", 1, False, {"village": village_a.pk}),
    ]


def _zip_names(response) -> dict[str, bytes]:
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_townships_zip_holds_one_file_per_current_cadre_and_nobody_else(
    client, clerk_a, secretary, village_a, village_b, township_a, django_assert_max_num_queries
):
    second_village = VillageFactory(township=township_a, name="甲二村", code="430122100002")
    namesake = PersonFactory(name="李建国")
    AppointmentFactory(person=namesake, village=second_village, post=choices.CHAIR)
    ended = PersonFactory(name="赵离任")
    AppointmentFactory(
        person=ended, village=village_a, post="committee_member", end_date=datetime.date(2024, 1, 1), end_reason="resigned"
    )
    AppointmentFactory(person=PersonFactory(name="钱乙镇"), village=village_b)
    client.force_login(clerk_a)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("cadres:township_lrmx", args=[township_a.pk]))
    files = _zip_names(response)
    assert sorted(files) == ["李建国-" + namesake.id_number[-4:] + ".lrmx", "李建国.lrmx"]
    ids = {ET.fromstring(body).findtext("ShenFenZheng") for body in files.values()}  # noqa: S314
    assert ids == {secretary.id_number, namesake.id_number}
    village_files = _zip_names(client.get(reverse("cadres:village_lrmx", args=[village_a.pk])))
    assert list(village_files) == ["李建国.lrmx"]


def test_the_zip_costs_a_fixed_number_of_queries_whatever_the_number_of_people(
    client, county_user, village_a, django_assert_num_queries
):
    """People, posts, family, 简历, 奖惩, 任免 requests and the yearly results are read once for
    the whole zip."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(county_user)
    url = reverse("cadres:village_lrmx", args=[village_a.pk])
    AppointmentFactory(village=village_a, post=choices.SECRETARY)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for post in (choices.CHAIR, "committee_member", "deputy_secretary"):
        AppointmentFactory(village=village_a, post=post)
    with django_assert_num_queries(len(one)):
        response = client.get(url)
    assert len(_zip_names(response)) == 4


def test_another_townships_person_village_and_township_answer_404_to_a_clerk(client, clerk_b, secretary, village_a, township_a):
    client.force_login(clerk_b)
    for url in (
        reverse("cadres:person_lrmx", args=[secretary.pk]),
        reverse("cadres:village_lrmx", args=[village_a.pk]),
        reverse("cadres:township_lrmx", args=[township_a.pk]),
    ):
        assert client.get(url).status_code == 404
    assert ExportLog.objects.count() == 0


def test_masked_roles_are_not_offered_the_file(client, auditor, secretary, village_a):
    client.force_login(auditor)
    response = client.get(reverse("cadres:person_lrmx", args=[secretary.pk]))
    assert response.status_code == 403
    assert secretary.id_number.encode() not in response.content
    assert client.get(reverse("cadres:village_lrmx", args=[village_a.pk])).status_code == 403
    page = client.get(reverse("cadres:person_detail", args=[secretary.pk])).content.decode()
    assert reverse("cadres:person_lrmx", args=[secretary.pk]) not in page
    assert ExportLog.objects.count() == 0


def test_the_buttons_are_on_the_person_village_and_township_pages(client, clerk_a, secretary, village_a, township_a):
    client.force_login(clerk_a)
    for page, url in (
        (reverse("cadres:person_detail", args=[secretary.pk]), reverse("cadres:person_lrmx", args=[secretary.pk])),
        (reverse("cadres:village_detail", args=[village_a.pk]), reverse("cadres:village_lrmx", args=[village_a.pk])),
        (reverse("cadres:township_detail", args=[township_a.pk]), reverse("cadres:township_lrmx", args=[township_a.pk])),
    ):
        body = client.get(page).content.decode()
        assert f'href="{url}"' in body
        assert "任免审批表(.lrmx)" in body
