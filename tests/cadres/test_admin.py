"""Django admin of the register: change lists with search and filters, imports that validate like
the services (bad rows reported, nothing written), export-only models."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse
from tablib import Dataset

from cadres import choices, resources
from cadres.idcard import make_id_number
from cadres.models import Appointment, Person, PersonRecord, Township, Village, VillageFlag

from ..factories import AppointmentFactory, FirstSecretaryFactory, PersonFactory, VillageFlagFactory

pytestmark = pytest.mark.django_db

GOOD_ID = make_id_number("430122", datetime.date(1980, 5, 17), 11, True)


@pytest.mark.parametrize(
    ("model", "query"),
    [
        ("township", "?q=甲&kind__exact=township"),
        ("village", "?q=甲一&kind__exact=village"),
        ("villageflag", "?q=甲一&kind__exact=weak_lax"),
        ("person", "?q=张&sex__exact=M&political_status__exact=member"),
        ("appointment", "?q=张&status__exact=filed&post__exact=secretary"),
        ("firstsecretary", "?q=农业&status__exact=active"),
        ("qualificationreview", "?q=张"),
        ("departmentverdict", "?q=张"),
        ("presencemonth", "?q=张"),
        ("personrecord", "?q=张"),
        ("user", "?q=county&role__exact=county"),
    ],
)
def test_changelists_load_with_search_and_filters(client, admin_user, village_a, county_user, model, query):
    VillageFlagFactory(village=village_a)
    appt = AppointmentFactory(village=village_a)
    FirstSecretaryFactory(village=village_a, sending_unit="县农业农村局")
    client.force_login(admin_user)
    response = client.get(reverse(f"admin:cadres_{model}_changelist") + query)
    assert response.status_code == 200
    cl = response.context["cl"]
    assert cl.query == re.match(r"\?q=([^&]*)", query).group(1)
    expected = {
        "township": 1,
        "village": 1,
        "villageflag": 1,
        "person": 2,
        "appointment": 1,
        "firstsecretary": 1,
        "user": 1,
    }.get(model, 0)
    assert cl.result_count == expected
    if model == "appointment":
        assert list(cl.result_list) == [appt]


def _csv(headers, *rows) -> bytes:
    data = Dataset(headers=headers)
    for row in rows:
        data.append(row)
    return data.export("csv").encode("utf-8")


def _admin_import(client, model, content: bytes):
    url = reverse(f"admin:cadres_{model}_import")
    page = client.get(url).content.decode()
    csv_value = re.search(r'<option value="(\d+)"[^>]*>csv</option>', page).group(1)
    return client.post(
        url, {"format": csv_value, "import_file": SimpleUploadedFile("rows.csv", content, content_type="text/csv")}
    )


PERSON_HEADERS = ["姓名", "民族", "出生日期", "身份证号", "入党时间", "联系电话"]


def test_admin_import_of_a_bad_person_row_writes_nothing_and_reports_the_row(client, admin_user):
    client.force_login(admin_user)
    good = ["王好", "汉族", "", GOOD_ID, "2005-07-01", "13800000000"]
    bad = ["李坏", "火星族", "", "123456789012345678", "2005-07-01", "abc"]
    response = _admin_import(client, "person", _csv(PERSON_HEADERS, good, bad))
    assert response.status_code == 200
    result = response.context["result"]
    assert result.has_validation_errors()
    invalid = result.invalid_rows
    assert [r.number for r in invalid] == [2]
    errors = invalid[0].error_dict
    assert "身份证号" in " ".join(errors["id_number"])
    assert errors["ethnicity"] == ["“火星族”不是56个民族的规范名称。"]
    assert errors["phone"] == ["请输入11位手机号或带区号的固定电话。"]
    html = response.content.decode()
    assert "火星族" in html and "请输入11位手机号" in html
    assert Person.objects.count() == 0


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (["王一", "汉族", "1990-01-01", GOOD_ID, "2005-07-01", ""], "birth_date", "出生日期与身份证号不一致"),
        (["王二", "汉族", "", GOOD_ID, "", "", "中共党员"], "party_join_date", "中共党员（含预备党员）须填写入党时间。"),
        (["王三", "汉族", "", GOOD_ID, "1985-01-01", ""], "party_join_date", "入党时须年满十八周岁"),
        (["王四", "汉族", "", GOOD_ID, "2005-07-01", "", "群众"], "party_join_date", "政治面貌不是中共党员，不应填写入党时间。"),
    ],
)
def test_person_import_runs_the_services_rules(row, field, message):
    headers = PERSON_HEADERS + ["政治面貌"] * (len(row) - len(PERSON_HEADERS))
    result = resources.PersonResource().import_data(Dataset(row, headers=headers), dry_run=True)
    assert result.has_validation_errors()
    assert message in " ".join(result.invalid_rows[0].error_dict[field])
    assert Person.objects.count() == 0


@pytest.mark.parametrize(
    ("join", "status"), [("2005-07-01", choices.PoliticalStatus.MEMBER), ("", choices.PoliticalStatus.MASSES)]
)
def test_person_import_gives_a_new_file_the_services_defaults(join, status):
    """Without a 政治面貌 column a new file is a Party member only when a join date says so."""
    data = Dataset(["王好", "", "", GOOD_ID, join, ""], headers=PERSON_HEADERS)
    result = resources.PersonResource().import_data(data, dry_run=False)
    assert not result.has_validation_errors()
    person = Person.objects.get()
    assert (person.political_status, person.ethnicity) == (status, "汉族")


def test_person_import_derives_sex_and_birth_date_and_normalises_the_id(admin_user):
    raw = GOOD_ID[:-1] + GOOD_ID[-1].lower()
    data = Dataset(["王好", "汉族", "", raw, "2005-07-01", "13800000000"], headers=PERSON_HEADERS)
    result = resources.PersonResource().import_data(data, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    person = Person.objects.get()
    assert (person.id_number, person.birth_date, person.sex) == (GOOD_ID, datetime.date(1980, 5, 17), choices.Sex.MALE)


def test_township_import_checks_code_and_kind_and_accepts_labels(client, admin_user):
    client.force_login(admin_user)
    response = _admin_import(
        client, "township", _csv(["区划代码", "名称", "类型"], ["12ab", "坏镇", "nonsense"], ["430122900", "好镇", "街道"])
    )
    result = response.context["result"]
    assert [r.number for r in result.invalid_rows] == [1]
    errors = result.invalid_rows[0].error_dict
    assert errors["code"] == ["区划代码应为9–12位数字。"]
    assert "nonsense" in errors["kind"][0]
    assert Township.objects.count() == 0
    # the good row alone goes through (label 街道 → value)
    result = resources.TownshipResource().import_data(
        Dataset(["430122900", "好镇", "街道"], headers=["区划代码", "名称", "类型"]), dry_run=False
    )
    assert not result.has_validation_errors()
    assert Township.objects.get().kind == choices.TownshipKind.SUBDISTRICT


def test_village_import_reports_an_unknown_township_and_a_bad_code(township_a):
    headers = ["乡镇(街道)", "村(社区)代码", "名称", "类型", "户籍人口", "户数"]
    data = Dataset(["无此镇", "4301", "新村", "行政村", "100", "30"], headers=headers)
    result = resources.VillageResource().import_data(data, dry_run=True)
    errors = result.invalid_rows[0].error_dict
    assert errors["township"] == ["没有名为“无此镇”的乡镇(街道)。"]
    assert errors["code"] == ["村(社区)代码应为12位统计用区划代码。"]
    assert Village.objects.count() == 0


def test_flag_and_record_imports_validate(village_a):
    VillageFlagFactory(village=village_a, start_date=datetime.date(2024, 3, 1))
    flag = Dataset(
        ["", village_a.code, "软弱涣散村", "2024-06-01", "", ""],
        headers=["id", "村(社区)代码", "类型", "认定日期", "摘帽/销号日期", "认定依据"],
    )
    result = resources.VillageFlagResource().import_data(flag, dry_run=True)
    assert result.invalid_rows[0].error_dict["kind"] == ["该村在2024年06月01日已有此类型标记。"]
    assert VillageFlag.objects.count() == 1
    person = PersonFactory()
    record = Dataset(
        ["", person.id_number, "honour", "2999-01-01", "", "表彰", "", "", ""],
        headers=["id", "身份证号", "类别", "日期", "级别", "名称/事由", "决定机关", "文号", "影响期截止"],
    )
    result = resources.PersonRecordResource().import_data(record, dry_run=True)
    assert result.invalid_rows[0].error_dict["date"] == ["日期不能晚于今天。"]
    assert PersonRecord.objects.count() == 0


def test_workflow_models_are_export_only_and_say_so(client, admin_user, village_a):
    AppointmentFactory(village=village_a)
    client.force_login(admin_user)
    html = client.get(reverse("admin:cadres_appointment_changelist")).content.decode()
    assert reverse("admin:cadres_appointment_export") in html
    assert "此处仅提供导出：任职须在系统页面或“表格导入”中办理" in html
    for name in ("appointment", "firstsecretary", "qualificationreview", "departmentverdict", "presencemonth"):
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:cadres_{name}_import")
    assert Appointment.objects.count() == 1


def test_admin_export_is_logged_and_formula_cells_neutralised(client, admin_user, village_a):
    from cadres.models import ExportLog

    PersonFactory(name="=cmd|' /C calc'!A0")
    client.force_login(admin_user)
    url = reverse("admin:cadres_person_export")
    form = client.get(url).context["form"]
    data = {name: "on" for name, field in form.fields.items() if field.__class__.__name__ == "BooleanField"}
    csv_value = next(value for value, label in form.fields["format"].choices if str(label).lower() == "csv")
    data["format"] = csv_value
    if "resource" in form.fields:
        data["resource"] = form.fields["resource"].choices[0][0]
    response = client.post(url, data)
    assert response.status_code == 200
    body = response.content.decode("utf-8-sig")
    assert "'=cmd" in body
    log = ExportLog.objects.get()
    assert (log.user, log.what, log.rows) == (admin_user, "后台导出：人员", 1)
