"""The 干部任免审批表 exchange (.lrmx) in a real browser: county staff download a cadre's .lrmx from the
person page, the file comes back from another department with a changed box, and is imported
through the import page (preview naming the file, confirm, undo offered)."""

import datetime
import re

import pytest

from cadres import choices, lrmx
from cadres.models import ImportBatch

from ..factories import AppointmentFactory, PersonFactory
from .conftest import expect, login, nav, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_county_downloads_a_cadres_lrmx_and_imports_it_back_changed(page, site, county_user, village_a, tmp_path):
    person = PersonFactory(name="李建国", native_place="湖南长沙", party_join_date=datetime.date(2008, 7, 1))
    AppointmentFactory(person=person, village=village_a, post=choices.SECRETARY)
    login(page, site, county_user.username)
    page.goto(f"{site}/people/{person.pk}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="任免审批表(.lrmx)").click()
    name = download.value.suggested_filename
    assert name.startswith("李建国-任免审批表-") and name.endswith(".lrmx")
    path = tmp_path / "李建国.lrmx"
    download.value.save_as(path)
    doc = lrmx.from_xml(path.read_bytes())
    assert (doc["XingMing"], doc["ShenFenZheng"], doc["RuDangShiJian"]) == ("李建国", person.id_number, "200807")
    assert doc["XianRenZhiWu"] == "甲镇甲一村党组织书记"

    doc["JiGuan"] = "湖南浏阳"
    path.write_bytes(lrmx.to_xml(doc))
    nav(page, "表格导入")
    page.locator("#id_sheet_type").select_option("lrmx")
    page.locator("input[type=file][name=file]").set_input_files(str(path))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("干部任免审批表")
    expect(page.get_by_role("link", name="修改 1")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("文件「李建国.lrmx」 李建国"))).to_contain_text("籍贯")
    shot(page, "import-lrmx-preview")
    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_role("button", name="撤销本次导入")).to_be_visible()
    assert dialogs == ["确认导入？将新增 0 个文件、修改 1 个文件。"]
    assert ImportBatch.objects.latest("id").status == ImportBatch.Status.APPLIED
    person.refresh_from_db()
    assert person.native_place == "湖南浏阳"
    assert page.js_errors == []
