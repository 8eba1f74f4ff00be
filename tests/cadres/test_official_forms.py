"""村党组织书记备案表 and 资格联审表 (issue #18): PDF (and .xlsx) read back, scoped, masked, logged."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from cadres import choices, services
from cadres.models import ExportLog
from core import dates as core_dates
from tests.factories import AppointmentFactory, PersonFactory, UserFactory
from tests.pdf_text import A4_PORTRAIT, page_sizes, pdf_fonts, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def candidate(db):
    return PersonFactory(name="李文华", native_place="湖南长沙", education_fulltime=choices.Education.COLLEGE)


@pytest.fixture
def vetted(clerk_a, county_user, candidate, village_a):
    """A joint review requested by the township, every department passed (one with a 关注提示)."""
    review = services.qualification_review_request(
        by=clerk_a, person=candidate, village=village_a, post=choices.SECRETARY, cohort=2026
    )
    for i, verdict in enumerate(review.verdicts.order_by("sort")):
        services.department_verdict_record(
            verdict=verdict,
            by=county_user,
            result=choices.VettingResult.PASS,
            warning_text="曾有邻里纠纷，已调解" if i == 1 else "",
            note=f"经查无异常{i + 1}",
        )
    review.refresh_from_db()
    assert review.outcome == choices.VettingResult.PASS
    return review


@pytest.fixture
def filed(clerk_a, county_user, candidate, village_a, vetted):
    """A secretary filing walked through 乡镇审核 → 县级备案; the person is also the village's 主任."""
    AppointmentFactory(person=candidate, village=village_a, post=choices.CHAIR, cohort=2026)
    appointment = services.appointment_create(
        by=clerk_a,
        person=candidate,
        village=village_a,
        post=choices.SECRETARY,
        start_date=core_dates.today(),
        cohort=2026,
        qualification_review=vetted,
    )
    services.appointment_township_approve(appointment=appointment, by=clerk_a, note="经乡镇党委会议研究，同意")
    services.appointment_file(appointment=appointment, by=county_user, note="准予备案")
    appointment.refresh_from_db()
    return appointment


def _get(client, user, name, pk):
    client.force_login(user)
    return client.get(reverse(name, args=[pk]))


def test_filing_form_carries_identity_post_review_opinions_and_history(client, clerk_a, county_user, filed, candidate, vetted):
    response = _get(client, clerk_a, "cadres:appointment_filing_pdf", filed.pk)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment;" in response["Content-Disposition"]
    text = pdf_text(response.content)
    for expected in (
        "村党组织书记备案表",
        "李文华",
        "男",
        "汉族",
        f"{candidate.birth_date:%Y-%m-%d}",
        f"{candidate.age_on(core_dates.today())}岁",
        "2005-07-01",  # 入党时间
        "大专",
        "湖南长沙",
        candidate.id_number,  # the township keeps its people's files: full number
        "甲镇甲一村",
        "是否一肩挑是",
        "2026年换届",
        f"{filed.start_date:%Y-%m-%d}",
        "资格联审结论通过",
        f"{timezone.localtime(vetted.concluded_at):%Y-%m-%d}",
        "乡镇党委意见",
        "经乡镇党委会议研究，同意",
        "县委组织部备案意见",
        "准予备案",
        "（盖章）",
        "备案流程记录",
        "乡镇已审核，待县级备案",
        "已备案（生效）",
        "第1页，共1页",
    ):
        assert expected in text, expected
    assert page_sizes(response.content) == [A4_PORTRAIT]
    log = ExportLog.objects.get()
    assert (log.user, log.what, log.rows, log.filters, log.masked) == (
        clerk_a,
        "备案表PDF：李文华 甲一村村党组织书记",
        1,
        {"appointment": filed.pk},
        False,
    )


def test_filing_form_embeds_the_cjk_font_as_a_subset(client, county_user, filed):
    fonts = pdf_fonts(_get(client, county_user, "cadres:appointment_filing_pdf", filed.pk).content)
    cjk = [f for f in fonts if "CJK" in f["name"] or "Hei" in f["name"]]
    assert cjk, fonts
    assert all(f["embedded"] and f["subset"] for f in fonts), fonts


def test_filing_form_before_the_steps_leaves_the_opinion_boxes_blank(client, clerk_a, candidate, village_a, vetted):
    draft = services.appointment_create(
        by=clerk_a,
        person=candidate,
        village=village_a,
        post=choices.SECRETARY,
        start_date=core_dates.today(),
        qualification_review=vetted,
    )
    text = pdf_text(_get(client, clerk_a, "cadres:appointment_filing_pdf", draft.pk).content)
    assert "是否一肩挑否" in text  # no 主任 post in the village
    assert "届中任职" in text
    assert "待乡镇审核" in text
    assert "年月日" in text  # blank date lines to sign by hand
    assert "准予备案" not in text


def test_filing_form_masks_the_id_number_for_the_auditor(client, auditor, filed, candidate):
    response = _get(client, auditor, "cadres:appointment_filing_pdf", filed.pk)
    text = pdf_text(response.content)
    assert candidate.id_number not in text
    assert candidate.masked_id_number in text
    assert ExportLog.objects.get().masked is True


def test_filing_form_of_another_township_answers_404_and_logs_nothing(client, clerk_b, filed):
    assert _get(client, clerk_b, "cadres:appointment_filing_pdf", filed.pk).status_code == 404
    assert ExportLog.objects.count() == 0


def test_appointment_page_links_the_filing_form(client, clerk_a, filed):
    html = _get(client, clerk_a, "cadres:appointment_detail", filed.pk).content.decode()
    assert reverse("cadres:appointment_filing_pdf", args=[filed.pk]) in html
    assert "书记备案表PDF" in html


def test_vetting_form_for_the_county_has_one_row_per_department(client, county_user, vetted):
    response = _get(client, county_user, "cadres:review_form_pdf", vetted.pk)
    text = pdf_text(response.content)
    verdicts = list(vetted.verdicts.order_by("sort"))
    assert len(verdicts) >= 2
    assert "资格联审表" in text and "各部门审查意见" in text
    for v in verdicts:
        assert v.department_name in text
    assert "关注提示：曾有邻里纠纷，已调解" in text
    assert "经查无异常1" in text and f"经查无异常{len(verdicts)}" in text
    assert "联审结论通过" in text
    log = ExportLog.objects.get()
    assert (log.what, log.rows) == ("资格联审表PDF：李文华", len(verdicts))


def test_vetting_form_township_copy_shows_only_the_overall_result(client, clerk_a, vetted):
    assert not clerk_a.has_perm("cadres.view_vetting_details")
    text = pdf_text(_get(client, clerk_a, "cadres:review_form_pdf", vetted.pk).content)
    assert "联审结论通过" in text and "乡镇留存" in text
    assert "各部门审查意见" not in text
    assert not any(f"{v.department_name}通过" in text for v in vetted.verdicts.all())
    assert "经查无异常" not in text and "邻里纠纷" not in text


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return [list(r) for r in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)]


def test_vetting_form_xlsx_reads_back_department_rows_and_result(client, county_user, clerk_a, vetted):
    rows = _sheet(_get(client, county_user, "cadres:review_form_xlsx", vetted.pk))
    header = next(i for i, r in enumerate(rows) if r[0] == "序号")
    assert rows[header] == ["序号", "审查部门", "审查结果", "负面清单情形/关注提示", "审查意见", "审查时间"]
    body = [r for r in rows[header + 1 :] if isinstance(r[0], int)]
    assert [r[1] for r in body] == [v.department_name for v in vetted.verdicts.order_by("sort")]
    assert {r[2] for r in body} == {"通过"}
    assert body[1][3] == "关注提示：曾有邻里纠纷，已调解" and body[0][3] == "无"
    assert [c for c in rows[-1] if c][:2] == ["联审结论", "通过"]
    assert any(r[0] == "姓名" and r[1] == "李文华" for r in rows)
    # The township's copy: no department rows at all.
    rows = _sheet(_get(client, clerk_a, "cadres:review_form_xlsx", vetted.pk))
    assert not any(r[0] == "序号" for r in rows)
    assert [c for c in rows[-1] if c][:2] == ["联审结论", "通过"]
    assert [log.what for log in ExportLog.objects.order_by("pk")] == ["资格联审表Excel：李文华"] * 2


def test_vetting_xlsx_masks_the_id_number_for_the_auditor(client, auditor, vetted, candidate):
    rows = _sheet(_get(client, auditor, "cadres:review_form_xlsx", vetted.pk))
    cells = [str(c) for r in rows for c in r if c]
    assert candidate.masked_id_number in cells and candidate.id_number not in cells


@pytest.mark.parametrize("name", ["cadres:review_form_pdf", "cadres:review_form_xlsx"])
def test_vetting_form_of_another_township_answers_404(client, clerk_b, vetted, name):
    assert _get(client, clerk_b, name, vetted.pk).status_code == 404
    assert ExportLog.objects.count() == 0


def test_review_page_links_both_forms_and_a_user_without_the_view_permission_gets_403(client, clerk_a, vetted):
    html = _get(client, clerk_a, "cadres:review_detail", vetted.pk).content.decode()
    assert reverse("cadres:review_form_pdf", args=[vetted.pk]) in html
    assert reverse("cadres:review_form_xlsx", args=[vetted.pk]) in html
    nobody = UserFactory(username="no_perms", role=choices.Role.COUNTY)
    nobody.groups.clear()
    assert _get(client, nobody, "cadres:review_form_pdf", vetted.pk).status_code == 403
    assert ExportLog.objects.count() == 0


def test_a_chair_filing_prints_as_the_general_filing_form(client, county_user, village_a):
    chair = AppointmentFactory(person=PersonFactory(name="周明"), village=village_a, post=choices.CHAIR, cohort=None)
    text = pdf_text(_get(client, county_user, "cadres:appointment_filing_pdf", chair.pk).content)
    assert "村（社区）干部任职备案表" in text and "村党组织书记备案表" not in text
    assert "村民委员会主任" in text and "是否一肩挑否" in text and "未关联资格联审" in text
    assert ExportLog.objects.get().what == "备案表PDF：周明 甲一村村民委员会主任"


def test_a_failed_department_shows_the_negative_list_item_it_cites(client, clerk_a, county_user, candidate, village_a):
    review = services.qualification_review_request(by=clerk_a, person=candidate, village=village_a, post=choices.SECRETARY)
    verdict = review.verdicts.order_by("sort").first()
    services.department_verdict_record(
        verdict=verdict, by=county_user, result=choices.VettingResult.FAIL, negative_item_code="n01", note="经核实"
    )
    text = pdf_text(_get(client, county_user, "cadres:review_form_pdf", review.pk).content)
    assert f"{verdict.department_name}不通过政治上不合格、对党不忠诚、搞“两面派”经核实" in text
    assert "联审结论不通过" in text
