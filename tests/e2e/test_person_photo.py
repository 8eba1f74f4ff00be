"""In the browser: upload the 一寸照 on the person page (shown at the top right), see it on the
print preview, and print: nothing but the sheet on paper (no buttons, no toolbar), the change log
only when 附：信息变更记录 is ticked. Screenshots: person-detail-photo, person-print-photo."""

import pytest

from cadres.models import Person
from tests.cadres.photo_files import EXE, jpeg

from .conftest import DESKTOP, expect, login, shot
from .county import build_county

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def photo_storage(tmp_path, monkeypatch):
    storage = Person._meta.get_field("photo").storage
    monkeypatch.setitem(storage.__dict__, "base_location", str(tmp_path / "private"))
    monkeypatch.setitem(storage.__dict__, "location", str(tmp_path / "private"))
    return storage


def test_upload_the_photo_and_print_the_dossier(page, site, photo_storage):
    county = build_county()
    person = county.people["陈志远"]
    login(page, site, "zhou_jh", next_url=f"/people/{person.pk}/")

    page.get_by_role("link", name="上传照片").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("上传一寸照：陈志远")
    page.get_by_label("一寸照").set_input_files({"name": "setup.jpg", "mimeType": "image/jpeg", "buffer": EXE})
    page.get_by_role("button", name="上传").click()
    expect(page.locator("main")).to_contain_text("照片须为 JPG 或 PNG 图片：所选文件「setup.jpg」不是 JPG 或 PNG 图片")

    page.get_by_label("一寸照").set_input_files({"name": "证件照.jpg", "mimeType": "image/jpeg", "buffer": jpeg((900, 1200))})
    page.get_by_role("button", name="上传").click()
    expect(page.locator(".alert-success, .toast, [role=status]").first).to_contain_text("已保存一寸照")
    photo = page.get_by_role("img", name="陈志远的一寸照")
    expect(photo).to_be_visible()
    assert page.evaluate("img => img.naturalWidth", photo.element_handle()) == 295
    box = photo.bounding_box()
    assert box["x"] > DESKTOP["width"] / 2  # top right of the page
    expect(page.get_by_role("link", name="更换照片")).to_be_visible()
    expect(page.locator("#history")).to_contain_text("一寸照：（空） → 已上传")
    shot(page, "person-detail-photo")

    # the print preview: photo on the sheet, the change log only when asked
    page.goto(f"{site}/people/{person.pk}/print/")
    sheet = page.locator("main.sheet")
    expect(sheet.get_by_role("img", name="一寸照")).to_be_visible()
    expect(sheet).not_to_contain_text("附：信息变更记录")
    page.get_by_label("附：信息变更记录").check()  # reloads the preview with the appendix
    expect(sheet.get_by_role("heading", name="附：信息变更记录")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("button:visible, input:visible, select:visible, nav:visible")).to_have_count(0)
    # links left on paper are table content (a session's title), printed as plain text; the
    # sections' action links (列入后备力量, 登记补贴终止 …) and the toolbar are gone
    outside = page.locator("a:visible").evaluate_all("els => els.filter(e => !e.closest('td, th')).length")
    assert outside == 0
    expect(page.get_by_text("登记补贴终止")).to_be_hidden()
    expect(sheet.get_by_role("img", name="一寸照")).to_be_visible()
    shot(page, "person-print-photo", full_page=True)
    page.emulate_media(media="screen")
    assert page.js_errors == []
