"""Import and report pages in the browser: upload → preview → apply → undo; scope doors; reports."""

import datetime
import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cadres.models import ExportLog, ImportBatch, Person, QualificationReview
from core.imports.batches import import_batch_create, import_batch_preview, preview_token

from ..factories import AppointmentFactory, PersonFactory
from .sheet_files import roster_xlsx
from .test_imports import LI, WANG


def _upload(client, data, name="花名册.xlsx", **extra):
    return client.post(
        reverse("core:import_list"),
        {"sheet_type": "cadres", "file": SimpleUploadedFile(name, data), **extra},
    )


def test_clerk_uploads_sees_preview_with_errors_fixes_and_applies(client, clerk_a, village_a, django_capture_on_commit_callbacks):
    client.force_login(clerk_a)
    bad = [*WANG]
    bad[6] = "430122199006150025"
    response = _upload(client, roster_xlsx([LI, bad]))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("core:import_detail", args=[batch.pk])
    page = client.get(response["Location"]).content.decode()
    assert "第5行「身份证号码」：430122199006150025 — 身份证号校验位错误：最后一位应为 1" in page
    assert "确认导入" not in page
    errors = client.get(reverse("core:import_errors", args=[batch.pk]))
    ws = openpyxl.load_workbook(io.BytesIO(errors.content))["花名册"]
    assert "校验位" in ws.cell(5, ws.max_column).value
    assert Person.objects.count() == 0

    response = _upload(client, roster_xlsx([LI, WANG]))
    batch = ImportBatch.objects.latest("id")
    page = client.get(response["Location"]).content.decode()
    assert "确认导入" in page and "新增 2" in page
    response = client.post(reverse("core:import_apply", args=[batch.pk]), {"preview": preview_token(batch)})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert set(Person.objects.values_list("name", flat=True)) == {"李建国", "王芳"}
    people = client.get(reverse("cadres:person_list")).content.decode()
    assert "李建国" in people and "王芳" in people

    with django_capture_on_commit_callbacks(execute=True):  # the undo job is queued once committed
        client.post(reverse("core:import_rollback", args=[batch.pk]), {"confirm": "yes"})
    assert Person.objects.count() == 0


def test_big_files_go_through_the_worker_and_show_progress(
    client, clerk_a, village_a, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_ASYNC_BYTES = 10  # every file is "big": dispatched to Celery (eager here)
    client.force_login(clerk_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _upload(client, roster_xlsx([LI, WANG]))
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.PREVIEWING  # the page shows a live progress bar meanwhile
    partial = client.get(reverse("core:import_detail", args=[batch.pk]), headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in partial and "progress-bar" in partial
    assert len(callbacks) == 1
    callbacks[0]()  # the worker runs the preview task
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    partial = client.get(reverse("core:import_detail", args=[batch.pk]), headers={"HX-Request": "true"}).content.decode()
    assert 'id="import-progress"' in partial and "<html" not in partial
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("core:import_apply", args=[batch.pk]), {"preview": preview_token(batch)})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED


def test_template_download_is_an_xlsx_with_instructions(client, clerk_a):
    client.force_login(clerk_a)
    response = client.get(reverse("core:import_template", args=["cadres"]))
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert "填写说明" in wb.sheetnames


def test_other_townships_batches_are_404(client, clerk_a, clerk_b, village_a, village_b):
    client.force_login(clerk_a)
    _upload(client, roster_xlsx([LI]))
    batch = ImportBatch.objects.get()
    client.force_login(clerk_b)
    for name in ("core:import_detail", "core:import_errors", "core:import_original"):
        assert client.get(reverse(name, args=[batch.pk])).status_code == 404
    for name in ("core:import_apply", "core:import_rollback"):
        assert client.post(reverse(name, args=[batch.pk])).status_code == 404
    assert "花名册.xlsx" not in client.get(reverse("core:import_list")).content.decode()
    assert Person.objects.count() == 0


def test_auditor_cannot_upload(client, auditor, village_a):
    client.force_login(auditor)
    assert _upload(client, roster_xlsx([LI])).status_code == 403
    assert ImportBatch.objects.count() == 0


def test_structure_table_counts_by_township(client, county_user, village_a, village_b):
    sec = PersonFactory(political_status="member", is_veteran=True)
    AppointmentFactory(person=sec, village=village_a, post="secretary")
    AppointmentFactory(person=sec, village=village_a, post="chair", post_name="村民委员会主任")
    woman = PersonFactory(male=False, political_status="masses", party_join_date=None)
    AppointmentFactory(person=woman, village=village_a, post="committee_member", post_name="村民委员会委员")
    AppointmentFactory(village=village_b, post="secretary")
    from cadres.reports import structure_table

    rows = {r["township"]: r for r in structure_table(user=county_user)}
    a = rows["甲镇"]
    assert a["total"] == 2
    assert a["counts"]["女性"] == 1
    assert a["counts"]["一肩挑"] == 1
    assert a["counts"]["退役军人"] == 1
    assert a["counts"]["中共党员"] == 1
    assert a["shares"]["女性"] == "50.0%"
    assert rows["合计"]["total"] == 3
    client.force_login(county_user)
    page = client.get(reverse("cadres:reports")).content.decode()
    assert "结构分析表" in page and "甲镇" in page
    export = client.get(reverse("cadres:reports") + "?export=structure")
    assert export.status_code == 200
    assert ExportLog.objects.filter(what="结构分析表").count() == 1


def test_clerk_structure_table_and_roster_are_own_township_only(client, clerk_a, village_a, village_b):
    AppointmentFactory(village=village_a, person__name="甲书记")
    AppointmentFactory(village=village_b, person__name="乙书记")
    client.force_login(clerk_a)
    page = client.get(reverse("cadres:reports")).content.decode()
    assert "乙镇" not in page
    response = client.get(reverse("cadres:roster_export"))
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    names = [c.value for c in ws["C"]]
    assert "甲书记" in names and "乙书记" not in names
    assert client.get(reverse("cadres:roster_export") + f"?village={village_b.pk}").status_code == 404


@pytest.mark.parametrize(("persona", "masked"), [("auditor", True), ("county_user", False)])
def test_roster_export_masks_personal_data_for_auditors(client, request, persona, masked, village_a):
    a = AppointmentFactory(village=village_a, person__phone="13807310001")
    client.force_login(request.getfixturevalue(persona))
    ws = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("cadres:roster_export") + f"?village={village_a.pk}").content)
    ).active
    values = [c.value for c in ws[3]]
    assert (a.person.id_number in values) is not masked
    assert ("13807310001" in values) is not masked
    assert ExportLog.objects.get().masked is masked


def test_formula_like_cells_are_neutralised_in_exports(client, county_user, village_a):
    AppointmentFactory(village=village_a, person__name="=HYPERLINK(1)")
    client.force_login(county_user)
    ws = openpyxl.load_workbook(io.BytesIO(client.get(reverse("cadres:roster_export")).content)).active
    names = [c.value for c in ws["C"]]
    assert "'=HYPERLINK(1)" in names


def test_rollback_refused_for_a_protected_reference_shows_the_reason_not_a_500(
    client, clerk_a, village_a, django_capture_on_commit_callbacks
):
    client.force_login(clerk_a)
    _upload(client, roster_xlsx([LI, WANG]))
    batch = ImportBatch.objects.get()
    client.post(reverse("core:import_apply", args=[batch.pk]), {"preview": preview_token(batch)})
    li = Person.objects.get(name="李建国")
    QualificationReview.objects.create(person=li, village=village_a, post="chair", post_name="主任")
    with django_capture_on_commit_callbacks(execute=True):  # the undo job runs once committed
        client.post(reverse("core:import_rollback", args=[batch.pk]), {"confirm": "yes"})
    response = client.get(reverse("core:import_detail", args=[batch.pk]))
    assert response.status_code == 200
    assert "李建国 已有" in response.content.decode() and "资格联审" in response.content.decode()
    assert Person.objects.count() == 2
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED


def test_roster_export_has_one_row_per_person_and_re_imports_unchanged(client, county_user, village_a):
    """书记 and 主任 in one row ("书记、主任"); the same file uploaded back changes nothing."""
    both = PersonFactory(name="赵书记", is_veteran=True, party_join_date=datetime.date(2005, 7, 12), phone="13807310001")
    AppointmentFactory(person=both, village=village_a, post="secretary", start_date=datetime.date(2018, 3, 1))
    AppointmentFactory(person=both, village=village_a, post="chair", start_date=datetime.date(2021, 4, 15))
    AppointmentFactory(person__name="钱委员", village=village_a, post="committee_member")
    AppointmentFactory(person__name="孙委员", village=village_a, post="committee_member")
    client.force_login(county_user)
    response = client.get(reverse("cadres:roster_export") + f"?village={village_a.pk}")
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in ws[2]]
    rows = [dict(zip(header, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=3)]
    assert [r["姓名"] for r in rows] == ["孙委员", "赵书记", "钱委员"]
    zhao = rows[1]
    assert zhao["现任职务"] == "村党组织书记、村民委员会主任"
    assert zhao["任职时间"] == "2018.03、2021.04.15"
    assert (zhao["是否一肩挑"], zhao["是否退役军人"], zhao["入党时间"]) == ("是", "是", "2005.07.12")
    assert (rows[0]["是否一肩挑"], rows[0]["是否退役军人"]) == ("否", "否")
    assert ExportLog.objects.get().rows == 3

    batch = import_batch_preview(
        batch=import_batch_create(by=county_user, sheet_type="cadres", filename="花名册.xlsx", data=response.content)
    )
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.summary["errors"]
    assert {k: batch.counts[k] for k in ("total", "created", "updated", "unchanged", "errors")} == {
        "total": 3,
        "created": 0,
        "updated": 0,
        "unchanged": 3,
        "errors": 0,
    }


@pytest.mark.parametrize("mixin", ["LoggedExportMixin", "LoggedImportExportMixin"])
def test_admin_exports_neutralise_formula_cells_and_are_logged(rf, admin_user, village_a, mixin):
    from django.contrib import admin
    from import_export.formats.base_formats import XLSX

    from core import exports

    LoggedExportMixin = getattr(exports, mixin)

    for i, name in enumerate(["=HYPERLINK(1)", "+1", "-2", "@SUM", "正常"]):
        PersonFactory(name=name, native_place=f"{i}")

    class PersonExportAdmin(LoggedExportMixin, admin.ModelAdmin):
        pass

    request = rf.get("/admin/cadres/person/export/?registered_township__id__exact=1")
    request.user = admin_user
    data = PersonExportAdmin(Person, admin.site).get_export_data(XLSX(), request, Person.objects.order_by("native_place"))
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [c.value for c in ws[1]]
    names = [r[header.index("name")].value for r in ws.iter_rows(min_row=2)]
    assert names == ["'=HYPERLINK(1)", "'+1", "'-2", "'@SUM", "正常"]
    assert all(r[header.index("id")].data_type == "n" for r in ws.iter_rows(min_row=2))  # numbers stay numbers
    log = ExportLog.objects.get()
    assert (log.user, log.rows, log.what) == (admin_user, 5, "后台导出：人员")
    assert log.filters == {"registered_township__id__exact": "1"}


def _batch(user, township, status, sheet_type="cadres", name="x.xlsx"):
    return ImportBatch.objects.create(
        sheet_type=sheet_type, original_name=name, checksum="0" * 64, township=township, uploaded_by=user, status=status
    )


def _listed(client, query=""):
    page = client.get(reverse("core:import_list") + query)
    assert page.status_code == 200
    return sorted(b.original_name for b in page.context["rows"])


def test_import_list_filters_errors_status_sheet_type_and_township(client, county_user, clerk_a, township_a, township_b):
    S = ImportBatch.Status
    _batch(county_user, township_a, S.INVALID, name="a-invalid.xlsx")
    _batch(county_user, township_a, S.APPLIED, name="a-applied.xlsx")
    _batch(county_user, township_a, S.FAILED, sheet_type="first_secretaries", name="a-failed-fs.xlsx")
    _batch(county_user, township_b, S.INVALID, name="b-invalid.xlsx")
    _batch(county_user, None, S.PREVIEWED, name="county.xlsx")
    client.force_login(county_user)
    assert _listed(client, "?errors=1") == ["a-failed-fs.xlsx", "a-invalid.xlsx", "b-invalid.xlsx"]
    assert _listed(client, f"?errors=1&township={township_a.pk}") == ["a-failed-fs.xlsx", "a-invalid.xlsx"]
    assert _listed(client, "?status=applied") == ["a-applied.xlsx"]
    assert _listed(client, "?sheet_type=first_secretaries") == ["a-failed-fs.xlsx"]
    assert _listed(client, "?status=bogus&sheet_type=nope") == _listed(client)  # unknown values are ignored
    assert len(_listed(client)) == 5
    page = client.get(reverse("core:import_list") + "?sheet_type=first_secretaries").content.decode()
    assert '<option value="first_secretaries" selected>' in page  # the upload form keeps its preselect
    client.force_login(clerk_a)
    assert _listed(client, "?errors=1") == ["a-failed-fs.xlsx", "a-invalid.xlsx"]
    assert _listed(client, f"?township={township_b.pk}") == ["a-applied.xlsx", "a-failed-fs.xlsx", "a-invalid.xlsx"]


@pytest.mark.parametrize("n", [1, 12])
def test_import_list_query_count_does_not_grow_with_rows(client, county_user, township_a, n, django_assert_num_queries):
    for i in range(n):
        _batch(county_user, township_a, ImportBatch.Status.INVALID, name=f"{i}.xlsx")
    client.force_login(county_user)
    # session, user, COUNT of the filtered batches, user permissions + group permissions (which
    # sheet types this user may upload), townships for the filter, townships for the upload form,
    # the page of batches (uploader and township joined)
    with django_assert_num_queries(8):
        response = client.get(reverse("core:import_list") + f"?errors=1&township={township_a.pk}")
    assert len(response.context["rows"]) == n


def _structure_rows(html: str) -> list[str]:
    body = html.split('id="structure-table"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        row.split("</th>", 1)[0].rsplit(">", 1)[1] + ":" + row.split("<td>", 2)[1].split("</td>", 1)[0]
        for row in body.split("<tr")[1:]
    ]


def test_reports_page_figures_are_cached_until_the_register_changes(
    client, county_user, village_a, village_b, django_assert_max_num_queries
):
    AppointmentFactory(village=village_a, post="secretary")
    client.force_login(county_user)
    first = client.get(reverse("cadres:reports")).content.decode()
    assert _structure_rows(first) == ["甲镇:1", "乙镇:0", "合计:1"]
    assert 'class="fw-bold table-light"><th scope="row">合计</th>' in first
    # cached: session, user, the data version, 2× permissions (nav), the roster form's townships and villages
    with django_assert_max_num_queries(7):
        client.get(reverse("cadres:reports"))
    AppointmentFactory(village=village_b, post="secretary")  # a write moves the data version
    again = client.get(reverse("cadres:reports"))
    assert _structure_rows(again.content.decode()) == ["甲镇:1", "乙镇:1", "合计:2"]
    assert [f["value"] for f in again.context["headline"] if f["key"] == "secretaries"] == [2]


def test_roster_form_labels_each_village_with_its_township(client, county_user, village_a, village_b):
    """The roster form's villages carry their township (narrowed in the browser by the chosen
    township; tests/cadres/test_village_narrowing.py) and read 名称（乡镇） when none is chosen."""
    client.force_login(county_user)
    html = client.get(reverse("cadres:reports")).content.decode()
    select = re.search(r'<select name="village".*?</select>', html, re.S).group(0)
    for village in (village_a, village_b):
        option = re.search(rf'<option value="{village.pk}"([^>]*)>([^<]*)</option>', select)
        assert option is not None
        assert f'data-township="{village.township_id}"' in option.group(1)
        assert option.group(2) == f"{village.name}（{village.township.name}）"
