"""Printable 一人一档: A4 print view and PDF download, scoped like the person page."""

import io
import shutil
import subprocess
from html.parser import HTMLParser

import pypdf
import pytest
from django.contrib.staticfiles import finders
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
    ):
        assert f"<h2>{heading}" in html, heading
    assert "附：信息变更记录</h2>" not in html  # the change log is an appendix on request only
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


# ---------------------------------------------------------------------------------------------
# Paper only: no buttons or navigation on the sheet, the change log as an optional appendix, the
# 一寸照 at the top right (inline in the PDF)
# ---------------------------------------------------------------------------------------------


class _Sheet(HTMLParser):
    """Tags inside <main class="sheet"> (what goes on paper) and the classes of what is outside."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.inside: list[str] = []
        self.outside: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "main":
            self.depth += 1
        elif self.depth:
            self.inside.append(tag)
        elif tag in ("a", "button", "form", "input", "nav"):
            self.outside.append((tag, attrs.get("class") or ""))

    def handle_endtag(self, tag):
        if tag == "main":
            self.depth -= 1


def _sheet(html: str) -> _Sheet:
    parser = _Sheet()
    parser.feed(html)
    return parser


@pytest.fixture
def with_photo(secretary, clerk_a, photo_storage):
    from django.core.files.base import ContentFile

    from cadres import services

    from .photo_files import jpeg

    services.person_photo_set(person=secretary, by=clerk_a, upload=ContentFile(jpeg(), name="a.jpg"))
    secretary.refresh_from_db()
    return secretary


def test_the_sheet_has_no_buttons_forms_or_navigation(client, clerk_a, secretary, extra_section):
    client.force_login(clerk_a)
    html = client.get(reverse("cadres:person_print", args=[secretary.pk])).content.decode()
    sheet = _sheet(html)
    assert "h1" in sheet.inside and "table" in sheet.inside  # the parser did read the sheet
    assert not {"button", "form", "input", "nav", "select", "textarea"} & set(sheet.inside)
    # The screen toolbar (back, print, PDF) sits outside the sheet and is hidden on paper.
    assert sheet.outside and all(tag in ("a", "button", "form", "input") for tag, _cls in sheet.outside)
    assert 'class="print-toolbar no-print"' in html
    with open(finders.find("css/print.css"), encoding="utf-8") as fh:
        css = fh.read()
    assert ".no-print { display: none !important; }" in css.split("@media print {", 1)[1]


def test_the_change_log_is_an_appendix_only_when_asked(client, clerk_a, secretary):
    client.force_login(clerk_a)
    url = reverse("cadres:person_print", args=[secretary.pk])
    plain = client.get(url).content.decode()
    assert "附：信息变更记录" in plain  # the option, in the screen toolbar …
    assert 'name="history" value="1" onchange' in plain and "checked" not in plain
    assert "<h2>附：信息变更记录" not in plain  # … but no appendix on the sheet
    asked = client.get(url + "?history=1").content.decode()
    assert "<h2>附：信息变更记录" in asked
    assert 'value="1" checked' in asked
    assert "人员信息：李文华" in asked  # the creation of the file, with who and when


def test_the_change_log_option_is_not_offered_without_the_history_permission(client, secretary):
    reader = UserFactory(username="reader_h", role=choices.Role.AUDITOR)
    reader.groups.clear()
    client.force_login(reader)
    html = client.get(reverse("cadres:person_print", args=[secretary.pk]) + "?history=1").content.decode()
    assert "附：信息变更记录" not in html


def test_print_shows_the_photo_top_right_or_an_empty_frame(client, clerk_a, secretary, photo_storage):
    client.force_login(clerk_a)
    url = reverse("cadres:person_print", args=[secretary.pk])
    assert '<div class="sheet-photo"><span>照片</span></div>' in client.get(url).content.decode()
    from django.core.files.base import ContentFile

    from cadres import services

    from .photo_files import jpeg

    services.person_photo_set(person=secretary, by=clerk_a, upload=ContentFile(jpeg(), name="a.jpg"))
    html = client.get(url).content.decode()
    assert f'<div class="sheet-photo"><img src="{reverse("cadres:person_photo", args=[secretary.pk])}?v=' in html


def test_person_page_offers_the_print_options_with_the_appendix_off(client, clerk_a, secretary):
    client.force_login(clerk_a)
    html = client.get(reverse("cadres:person_detail", args=[secretary.pk])).content.decode()
    assert 'aria-label="打印选项"' in html
    assert '<input class="form-check-input" type="checkbox" name="history" value="1" id="print-history">' in html
    assert f'formaction="{reverse("cadres:person_pdf", args=[secretary.pk])}"' in html


@needs_cjk_font
def test_pdf_embeds_the_photo_and_leaves_the_change_log_out_unless_asked(client, clerk_a, with_photo):
    client.force_login(clerk_a)
    url = reverse("cadres:person_pdf", args=[with_photo.pk])
    plain = client.get(url).content
    first_page = pypdf.PdfReader(io.BytesIO(plain)).pages[0]
    assert len(first_page.images) == 1
    assert first_page.images[0].image.size == (295, 413)
    assert "附：信息变更记录" not in _pdf_text(plain)
    asked = client.get(url + "?history=1").content
    assert "附：信息变更记录" in _pdf_text(asked)


@needs_cjk_font
def test_pdf_without_a_photo_has_no_image(client, clerk_a, secretary):
    client.force_login(clerk_a)
    content = client.get(reverse("cadres:person_pdf", args=[secretary.pk])).content
    assert len(pypdf.PdfReader(io.BytesIO(content)).pages[0].images) == 0
    assert "照片" in _pdf_text(content)
