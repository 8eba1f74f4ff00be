"""One verdict on an ID number at every door: the browser form, POST /api/v1/people/, the roster
upload (preview and apply in the request), the same upload on the Celery worker (eager here) and
the admin import. A code that ever existed is accepted whatever the birth year; a code that never
existed is a warning (提示) and the person is registered; a wrong check digit or length is an
error and nothing is written. No door may answer with a 500."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from tablib import Dataset

from cadres import resources
from cadres.idcard import parse_id_number
from cadres.models import ImportBatch, Person
from core.imports.batches import import_batch_create, preview_token
from core.imports.tasks import import_batch_apply_task, import_batch_preview_task

from .sheet_files import roster_xlsx
from .test_api import client_for
from .test_import_views import _upload

OK, WARNING, ERROR = "ok", "warning", "error"
UNKNOWN_430199 = "身份证号前6位 430199 不在行政区划代码表中（现行和历年撤销的代码都已查过），请核对号码是否抄错"
UNKNOWN_999999 = UNKNOWN_430199.replace("430199", "999999")

CASES = [
    # number, verdict, the reason every door must show (None for an accepted number)
    ("331122197905116239", OK, None),  # 缙云县 from 2000, born 1979: was refused
    ("33050219880702447X", OK, None),  # 330502 not in force 1988–2002, born 1988: was refused
    ("430112198503090018", OK, None),  # the demo district 望城区 (from 2011), born 1985: was refused
    ("331021198006150022", OK, None),  # 玉环县 1994–2017, re-coded 331083
    ("430199198003136661", WARNING, UNKNOWN_430199),  # was a KeyError (500) at every door
    ("999999198503120018", WARNING, UNKNOWN_999999),  # was refused
    ("430199198003136660", ERROR, "身份证号校验位错误：最后一位应为 1"),
    ("43019919800313666", ERROR, "身份证号应为18位，当前为17位"),
]
IDS = [f"{number}-{verdict}" for number, verdict, _ in CASES]


def _birth(number: str) -> datetime.date:
    return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def _sex_label(number: str) -> str:
    return "男" if int(number[16]) % 2 else "女"


def _roster_row(number: str) -> list:
    """A 两委 roster row that is right in every other column (same layout as test_imports.LI)."""
    birth = f"{_birth(number):%Y.%m}" if len(number) == 18 else "1980.03"
    sex = _sex_label(number) if len(number) == 18 else "男"
    return ["甲镇", "甲一村", "周新", sex, "汉", birth, number, "群众", "", "高中", "委员", "2021.04", ""]


def _preview_status(verdict: str) -> str:
    return ImportBatch.Status.INVALID if verdict == ERROR else ImportBatch.Status.PREVIEWED


def _import_verdict(batch: ImportBatch) -> tuple[str, str]:
    """(verdict, the messages about the ID column) from a previewed batch's summary."""
    errors = [m for m in batch.summary["errors"] if "「身份证号码」" in m]
    warnings = [m for m in batch.summary["warnings"] if "「身份证号码」" in m]
    assert len(batch.summary["errors"]) == len(errors), batch.summary["errors"]  # only the ID is ever wrong
    if errors:
        return ERROR, " ".join(errors)
    return (WARNING if warnings else OK), " ".join(warnings)


@pytest.mark.parametrize(("number", "verdict", "reason"), CASES, ids=IDS)
def test_the_rule_itself(number, verdict, reason):
    if verdict == ERROR:
        with pytest.raises(ValidationError) as exc:
            parse_id_number(number)
        assert exc.value.messages == [f"{reason}。"]
    else:
        assert parse_id_number(number).warnings == ((f"{reason}。",) if reason else ())


@pytest.mark.parametrize(("number", "verdict", "reason"), CASES, ids=IDS)
def test_browser_form(client, clerk_a, number, verdict, reason):
    client.force_login(clerk_a)
    data = {
        "id_number": number,
        "name": "周新",
        "ethnicity": "汉族",
        "political_status": "masses",
        "education_fulltime": "3_senior",
        "phone": "",
    }
    response = client.post(reverse("cadres:person_create"), data, follow=True)
    assert response.status_code == 200
    shown = [(m.level_tag, str(m)) for m in response.context["messages"]]
    if verdict == ERROR:
        assert response.redirect_chain == []
        assert response.context["form"].errors["id_number"] == [f"{reason}。"]
        assert Person.objects.count() == 0
        return
    person = Person.objects.get()
    assert response.redirect_chain == [(reverse("cadres:person_detail", args=[person.pk]), 302)]
    assert (person.id_number, person.birth_date) == (number, _birth(number))
    if verdict == WARNING:
        assert shown == [("warning", f"提示：{reason}。"), ("success", "已建档。")]
        assert f"提示：{reason}。" in response.content.decode()
    else:
        assert shown == [("success", "已建档。")]


@pytest.mark.parametrize(("number", "verdict", "reason"), CASES, ids=IDS)
def test_api(clerk_a, number, verdict, reason):
    payload = {"id_number": number, "name": "周新", "political_status": "masses"}
    response = client_for(clerk_a).post("/api/v1/people/", payload, format="json")
    body = response.json()
    if verdict == ERROR:
        assert response.status_code == 400
        assert body == {"id_number": [f"{reason}。"]}
        assert Person.objects.count() == 0
        return
    assert response.status_code == 201, body
    assert body["id_number"] == number and body["birth_date"] == _birth(number).isoformat()
    assert body["warnings"] == ([f"{reason}。"] if verdict == WARNING else [])
    assert Person.objects.get().id_number == number


@pytest.mark.parametrize(("number", "verdict", "reason"), CASES, ids=IDS)
def test_roster_upload_in_the_browser(client, clerk_a, village_a, number, verdict, reason):
    client.force_login(clerk_a)
    response = _upload(client, roster_xlsx([_roster_row(number)]))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and batch.status == _preview_status(verdict)
    got, messages = _import_verdict(batch)
    assert got == verdict
    page = client.get(reverse("core:import_detail", args=[batch.pk]))
    assert page.status_code == 200
    if verdict == OK:
        assert messages == ""
    else:
        line = f"第4行「身份证号码」：{number} — {reason}"
        assert messages == line
        assert line in page.content.decode()
    if verdict != ERROR:
        client.post(reverse("core:import_apply", args=[batch.pk]), {"preview": preview_token(batch)})
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.APPLIED
        assert Person.objects.get().id_number == number
    else:
        assert Person.objects.count() == 0


@pytest.mark.parametrize(("number", "verdict", "reason"), CASES, ids=IDS)
def test_roster_upload_on_the_worker(clerk_a, village_a, number, verdict, reason):
    batch = import_batch_create(by=clerk_a, sheet_type="cadres", filename="花名册.xlsx", data=roster_xlsx([_roster_row(number)]))
    assert import_batch_preview_task.delay(batch.pk).get(timeout=60) == _preview_status(verdict)
    batch.refresh_from_db()
    got, messages = _import_verdict(batch)
    assert got == verdict
    assert messages == ("" if verdict == OK else f"第4行「身份证号码」：{number} — {reason}")
    if verdict != ERROR:
        assert import_batch_apply_task.delay(batch.pk, clerk_a.pk).get(timeout=60) == ImportBatch.Status.APPLIED
        assert Person.objects.get().id_number == number
    else:
        assert Person.objects.count() == 0


@pytest.mark.parametrize(("number", "verdict", "reason"), CASES, ids=IDS)
def test_admin_import(admin_user, number, verdict, reason):
    row = ["周新", "汉族", "", number.lower(), "2015-07-01", ""]  # a Party member (the model's default)
    data = Dataset(row, headers=["姓名", "民族", "出生日期", "身份证号", "入党时间", "联系电话"])
    result = resources.PersonResource().import_data(data, dry_run=False)
    assert not result.has_errors()
    if verdict == ERROR:
        assert result.has_validation_errors()
        assert result.invalid_rows[0].error_dict["id_number"] == [f"{reason}。"]
        assert Person.objects.count() == 0
    else:
        assert not result.has_validation_errors(), [r.error_dict for r in result.invalid_rows]
        assert Person.objects.get().id_number == number
