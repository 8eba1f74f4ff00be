"""Printable 一人一档: A4 print view and PDF download, scoped like the person page."""

import io
import shutil
import subprocess

import pypdf
import pytest
from django.urls import reverse

from cadres import choices
from cadres.models import ExportLog
from cadres.person_sections import PERSON_SECTIONS, PersonSection, register_person_section
from core.masking import can_see_personal
from tests.factories import AppointmentFactory, PersonFactory, UserFactory


@pytest.fixture
def secretary(village_a):
    person = PersonFactory(name="李文华", education_fulltime=choices.Education.COLLEGE, school_major="湖南农业大学 农学")
    AppointmentFactory(person=person, village=village_a, post=choices.SECRETARY)
    AppointmentFactory(person=person, village=village_a, post=choices.CHAIR)
    return person


@pytest.fixture
def extra_section():
    """A section another app registers on the person page appears on the print too."""
    register_person_section(
        PersonSection(
            key="print_test",
            label="测试分区",
            order=999,
            template="cadres/_history.html",  # any template that renders with an empty context
            context=lambda *, user, person: {},
        )
    )
    yield
    PERSON_SECTIONS.pop("print_test")


def _has_cjk_font() -> bool:
    if shutil.which("fc-list") is None:
        return False
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout  # noqa: S607
    return bool(out.strip())


needs_cjk_font = pytest.mark.skipif(
    not _has_cjk_font(),
    reason="系统未安装中文字体，PDF 中的汉字无法排版：请运行 make deps（安装 Debian fonts-wqy-microhei）",
)


def _pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def test_print_view_has_all_sections_and_no_navigation(client, clerk_a, secretary, extra_section):
    client.force_login(clerk_a)
    response = client.get(reverse("cadres:person_print", args=[secretary.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>李文华 一人一档 · 头雁</title>" in html
    assert 'aria-label="主导航"' not in html  # no app navigation on paper
    assert "/static/css/print.css" in html
    for heading in (
        "基本信息",
        "现任职务",
        "任职经历（含办理中）",
        "资格联审",
        "驻村第一书记",
        "奖惩及发展去向",
        "测试分区",
        "变更记录摘要",
    ):
        assert f"<h2>{heading}" in html, heading
    assert html.count("村党组织书记") >= 1 and "村民委员会主任" in html
    assert "湖南农业大学 农学" in html
    assert reverse("cadres:person_pdf", args=[secretary.pk]) in html


@needs_cjk_font
def test_pdf_downloads_with_the_persons_name_and_is_logged(client, clerk_a, secretary):
    client.force_login(clerk_a)
    response = client.get(reverse("cadres:person_pdf", args=[secretary.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment;" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    assert "李文华" in text
    assert "村党组织书记" in text
    assert "基本信息" in text
    log = ExportLog.objects.get()
    assert (log.user, log.what, log.rows, log.filters) == (clerk_a, "一人一档PDF：李文华", 1, {"person": secretary.pk})


@needs_cjk_font
def test_pdf_masks_the_id_number_for_users_without_the_personal_data_permission(client, secretary):
    reader = UserFactory(username="reader_t", role=choices.Role.AUDITOR)
    reader.groups.clear()  # county-wide scope, no cadres.view_personal_data
    assert not can_see_personal(reader)
    client.force_login(reader)
    text = _pdf_text(client.get(reverse("cadres:person_pdf", args=[secretary.pk])).content)
    assert secretary.id_number not in text.replace(" ", "")
    assert secretary.masked_id_number in text.replace(" ", "")


@pytest.mark.parametrize("url_name", ["cadres:person_print", "cadres:person_pdf"])
def test_clerk_gets_404_for_another_townships_person(client, clerk_b, secretary, url_name):
    client.force_login(clerk_b)
    response = client.get(reverse(url_name, args=[secretary.pk]))
    assert response.status_code == 404
    assert ExportLog.objects.count() == 0


@pytest.mark.parametrize("url_name", ["cadres:person_print", "cadres:person_pdf"])
def test_anonymous_user_is_sent_to_login(client, secretary, url_name):
    response = client.get(reverse(url_name, args=[secretary.pk]))
    assert response.status_code == 302
    assert "/login/" in response["Location"] or "login" in response["Location"]
