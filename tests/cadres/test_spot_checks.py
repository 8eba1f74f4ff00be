"""First-secretary spot checks (抽查缺勤) and the annual grade they cap, by the year's policy:
the pure rule (table-tested), then the same rule through every door — the page form, the API,
the 抽查记录表 import and the admin — with history, scope (clerks read their own township only,
another township's posting answers 404) and the reason shown wherever the grade is shown."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cadres import choices, services
from cadres.models import FirstSecretaryGrade, SpotCheck
from cadres.rules import capped_grade, spot_check_cap
from core.imports.batches import import_batch_apply, import_batch_create, import_batch_preview
from tests.pages import person_page

from ..factories import FirstSecretaryFactory, PersonFactory

pytestmark = pytest.mark.django_db

G = choices.FirstSecretaryGrade
DEFAULT_CAPS = [
    {"absences": 1, "max_grade": "competent"},
    {"absences": 2, "max_grade": "basic"},
    {"absences": 3, "max_grade": "incompetent"},
]


# --- the rule --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("absences", "proposed", "grade", "reason"),
    [
        (0, G.EXCELLENT, G.EXCELLENT, ""),
        (1, G.EXCELLENT, G.COMPETENT, "因抽查缺勤1次，等次不高于称职（拟定优秀）"),
        (1, G.COMPETENT, G.COMPETENT, "抽查缺勤1次，等次不高于称职"),
        (2, G.EXCELLENT, G.BASIC, "因抽查缺勤2次，等次不高于基本称职（拟定优秀）"),
        (2, G.COMPETENT, G.BASIC, "因抽查缺勤2次，等次不高于基本称职（拟定称职）"),
        (2, G.BASIC, G.BASIC, "抽查缺勤2次，等次不高于基本称职"),
        (3, G.COMPETENT, G.INCOMPETENT, "因抽查缺勤3次，定为不称职（拟定称职）"),
        (5, G.EXCELLENT, G.INCOMPETENT, "因抽查缺勤5次，定为不称职（拟定优秀）"),
        (4, G.INCOMPETENT, G.INCOMPETENT, "抽查缺勤4次，按规定定为不称职"),
    ],
)
def test_absences_cap_the_grade_by_the_default_policy(absences, proposed, grade, reason):
    assert capped_grade(proposed=proposed, absences=absences, caps=DEFAULT_CAPS) == (grade, reason)


@pytest.mark.parametrize(
    ("absences", "cap"),
    [(0, None), (1, None), (2, "basic"), (3, "basic"), (4, "incompetent")],
)
def test_a_countys_own_thresholds_are_what_count(absences, cap):
    """The rows are the policy's, in any order: the strictest row reached wins."""
    caps = [{"absences": 4, "max_grade": "incompetent"}, {"absences": 2, "max_grade": "basic"}]
    assert spot_check_cap(absences=absences, caps=caps) == cap


# --- the doors -------------------------------------------------------------------------------


@pytest.fixture
def posting(village_a):
    return FirstSecretaryFactory(village=village_a, term_start=datetime.date(2025, 3, 1), term_end=datetime.date(2027, 3, 1))


def _grade(posting, year=2026):
    return FirstSecretaryGrade.objects.get(posting=posting, year=year)


def test_the_page_form_records_checks_and_the_grade_follows(client, county_user, clerk_a, clerk_b, posting):
    client.force_login(county_user)
    url = reverse("cadres:first_secretary_grade", args=[posting.pk])
    assert client.post(url, {"grade-year": 2026, "grade-proposed": "excellent"}).status_code == 302
    assert (_grade(posting).grade, _grade(posting).reason) == ("excellent", "")
    check_url = reverse("cadres:spot_check_record", args=[posting.pk])
    for day, excused in ((datetime.date(2026, 4, 2), ""), (datetime.date(2026, 5, 6), "on"), (datetime.date(2026, 6, 9), "")):
        data = {"check-date": day, "check-result": "absent", "check-checker": "县委组织部 李明"}
        if excused:
            data["check-excused"] = excused
        assert client.post(check_url, data).status_code == 302
    # two unexcused absences (the one on reported leave is not counted): at most 基本称职
    grade = _grade(posting)
    assert (grade.grade, grade.absences, grade.reason) == ("basic", 2, "因抽查缺勤2次，等次不高于基本称职（拟定优秀）")
    html = client.get(reverse("cadres:first_secretary_detail", args=[posting.pk])).content.decode()
    assert "因抽查缺勤2次，等次不高于基本称职（拟定优秀）" in html and "是（不计入）" in html
    # a bad check changes nothing and says why
    response = client.post(check_url, {"check-date": "2026-06-09", "check-result": "absent", "check-checker": "李明"})
    assert response.status_code == 200 and "该第一书记当天已有抽查记录。" in response.content.decode()
    assert SpotCheck.objects.count() == 3
    # history: who and when, on the model and on the person page
    assert SpotCheck.history.filter(history_user=county_user).count() == 3
    person_html = person_page(client, posting.person_id)
    assert "第一书记抽查" in person_html and "第一书记年度考核" in person_html

    client.force_login(clerk_a)  # own township: read only
    html = client.get(reverse("cadres:first_secretary_detail", args=[posting.pk])).content.decode()
    assert "因抽查缺勤2次，等次不高于基本称职（拟定优秀）" in html and "登记抽查结果" not in html
    assert client.post(check_url, {"check-date": "2026-07-01", "check-result": "absent", "check-checker": "x"}).status_code == 403
    client.force_login(clerk_b)  # another township: 404
    assert client.get(reverse("cadres:first_secretary_detail", args=[posting.pk])).status_code == 404
    assert client.post(check_url, {"check-date": "2026-07-01", "check-result": "absent", "check-checker": "x"}).status_code == 404
    assert SpotCheck.objects.count() == 3


def test_the_api_records_checks_and_shows_the_capped_grade(county_user, clerk_a, clerk_b, posting):
    services.first_secretary_grade_set(posting=posting, year=2026, proposed="excellent", by=county_user)
    api = APIClient()
    api.force_authenticate(county_user)
    body = {"posting": posting.pk, "date": "2026-04-02", "result": "absent", "checker": "县委组织部 李明"}
    response = api.post("/api/v1/spot-checks/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["counted"] is True and response.json()["result_display"] == "缺勤"
    bad = api.post("/api/v1/spot-checks/", {**body, "date": "2026-04-03", "result": "present", "excused": True}, format="json")
    assert bad.status_code == 400 and bad.json()["excused"] == ["只有缺勤才有“请假已报备”。"]
    grades = api.get("/api/v1/first-secretary-grades/").json()["results"]
    assert [(g["grade_display"], g["reason"]) for g in grades] == [("称职", "因抽查缺勤1次，等次不高于称职（拟定优秀）")]

    api.force_authenticate(clerk_a)
    assert api.get("/api/v1/spot-checks/").json()["count"] == 1
    assert api.post("/api/v1/spot-checks/", {**body, "date": "2026-05-01"}, format="json").status_code == 403
    api.force_authenticate(clerk_b)
    assert api.get("/api/v1/spot-checks/").json()["count"] == 0
    assert api.get(f"/api/v1/spot-checks/{SpotCheck.objects.get().pk}/").status_code == 404
    assert api.get("/api/v1/first-secretary-grades/").json()["count"] == 0
    assert SpotCheck.objects.count() == 1


def _sheet(rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["第一书记抽查记录表"])
    ws.append(["序号", "姓名", "身份证号", "抽查日期", "抽查结果", "请假已报备", "检查人", "备注"])
    for i, row in enumerate(rows, start=1):
        ws.append([i, *row])
    for cell in ws["C"][2:]:
        cell.number_format = "@"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_the_import_records_checks_matched_by_id_number_and_caps_the_grade(county_user, clerk_a, posting):
    services.first_secretary_grade_set(posting=posting, year=2026, proposed="competent", by=county_user)
    name, number = posting.person.name, posting.person.id_number
    rows = [
        [name, number, "2026-04-02", "缺勤", "否", "县委组织部 李明", ""],
        [name, number, "2026-05-06", "缺勤", "是", "县委组织部 李明", "事先请假"],
        [name, number, "2026-06-09", "缺勤", "", "县委组织部 王刚", ""],
        [name, number, "2026-06-20", "在岗", "", "县委组织部 王刚", ""],
    ]
    stranger = PersonFactory()
    bad = _sheet([*rows, ["", stranger.id_number, "2026-06-09", "缺勤", "", "李明", ""]])
    batch = import_batch_preview(
        batch=import_batch_create(by=county_user, sheet_type="spot_checks", filename="抽查.xlsx", data=bad)
    )
    assert batch.status == batch.Status.INVALID
    assert any("2026年6月9日没有此身份证号的在村第一书记" in e for e in batch.summary["errors"]), batch.summary["errors"]
    assert SpotCheck.objects.count() == 0

    data = _sheet(rows)
    batch = import_batch_preview(
        batch=import_batch_create(by=county_user, sheet_type="spot_checks", filename="抽查.xlsx", data=data)
    )
    assert batch.status == batch.Status.PREVIEWED, batch.summary["errors"]
    batch = import_batch_apply(batch=batch, by=county_user)
    assert batch.counts["created"] == 4
    assert sorted(SpotCheck.objects.values_list("date", "result", "excused")) == [
        (datetime.date(2026, 4, 2), "absent", False),
        (datetime.date(2026, 5, 6), "absent", True),
        (datetime.date(2026, 6, 9), "absent", False),
        (datetime.date(2026, 6, 20), "present", False),
    ]
    grade = _grade(posting)
    assert (grade.grade, grade.reason) == ("basic", "因抽查缺勤2次，等次不高于基本称职（拟定称职）")
    # the same file again changes nothing
    again = import_batch_preview(
        batch=import_batch_create(by=county_user, sheet_type="spot_checks", filename="抽查.xlsx", data=data)
    )
    assert again.counts.get("unchanged") == 4, again.counts
    # clerks do not record spot checks
    from core.imports.batches import import_allowed
    from core.imports.pipeline import REGISTRY

    assert not import_allowed(clerk_a, REGISTRY["spot_checks"])


def test_the_admin_adds_a_check_through_the_same_rules(client, admin_user, county_user, posting):
    services.first_secretary_grade_set(posting=posting, year=2026, proposed="excellent", by=county_user)
    client.force_login(admin_user)
    url = reverse("admin:cadres_spotcheck_add")
    form = {"posting": posting.pk, "date": "2026-04-02", "result": "present", "excused": "on", "checker": "李明", "note": ""}
    response = client.post(url, form)
    assert response.status_code == 200 and "只有缺勤才有“请假已报备”。" in response.content.decode()
    assert SpotCheck.objects.count() == 0
    assert client.post(url, {**form, "result": "absent", "excused": ""}).status_code == 302
    check = SpotCheck.objects.get()
    assert (check.recorded_by, check.history.get().history_user) == (admin_user, admin_user)
    assert _grade(posting).grade == "competent"


def test_the_thresholds_are_edited_on_the_policy_page_and_the_grade_follows(
    client, county_user, posting, django_capture_on_commit_callbacks
):
    import re

    from core import dates as core_dates
    from core import services as core_services
    from core.policy import SECTIONS
    from core.policy_forms import SectionEditor
    from tests.policy_post import editor_post

    year = core_dates.today().year
    profile = core_services.policy_profile_create(by=county_user, year=year)
    client.force_login(county_user)
    page = client.get(reverse("core:policy_detail", args=[year])).content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "第一书记抽查缺勤与年度考核等次" in text and "年度内无故缺勤达到（次）" in text
    assert "依据驻村第一书记管理办法：年度内抽查无故缺勤1次的不得评为优秀" in text
    table = text[text.index("第一书记抽查缺勤与年度考核等次") : text.index("依据驻村第一书记管理办法")]
    assert " 1 称职 2 基本称职 3 不称职 " in table  # grades by name, not by code
    assert "competent" not in table and "basic" not in table
    url = reverse("core:policy_section_edit", args=[year, "register"])
    edit = client.get(url).content.decode()
    assert re.search(r'<input type="number" name="spot_check_caps-0-absences" value="1"', edit)

    services.spot_check_record(posting=posting, by=county_user, date=datetime.date(year, 4, 2), result="absent", checker="李明")
    services.first_secretary_grade_set(posting=posting, year=year, proposed="excellent", by=county_user)
    assert _grade(posting, year).grade == "competent"
    # this county: one unexcused absence already means at most 基本称职
    editor = SectionEditor(SECTIONS["register"], profile.section("register"), profile_data=profile.data)
    data = editor_post(editor)
    data["spot_check_caps-0-max_grade"] = "basic"
    with django_capture_on_commit_callbacks(execute=True):  # the grades are capped again at once
        response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    grade = _grade(posting, year)
    assert (grade.grade, grade.reason) == ("basic", "因抽查缺勤1次，等次不高于基本称职（拟定优秀）")
    assert grade.history.count() == 2  # set, then capped again by the policy change
    assert services.first_secretary_regrade_from_year(year=year) == 0  # a second run changes nothing
