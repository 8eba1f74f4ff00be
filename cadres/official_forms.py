"""Official forms of the register (issue #18): 村党组织书记备案表 and 资格联审表.

Reads only: every object comes from the scoped selectors (a clerk never reaches another township's
row), ID numbers are masked for roles without the personal-data permission, and the per-department
rows of a joint review are shown only to users holding ``cadres.view_vetting_details`` (a township's
copy carries the overall result alone). The views render these contexts as PDF (core.pdf) and the
joint review also as .xlsx.
"""

from __future__ import annotations

import io

import xlsxwriter
from django.utils import timezone

from core import dates as core_dates
from core.access import can
from core.imports.workbooks import neutralise
from core.masking import can_see_personal, id_number_for

from . import choices, selectors
from .models import Appointment, QualificationReview

ONE_SHOULDER_POSTS = {choices.SECRETARY, choices.CHAIR}


def filing_form_title(appointment: Appointment) -> str:
    return "村党组织书记备案表" if appointment.is_secretary else "村（社区）干部任职备案表"


def _term_label(cohort: int | None) -> str:
    return f"{cohort}年换届" if cohort else "届中任职"


def filing_form_context(*, user, appointment: Appointment) -> dict:
    """The filing form of one appointment: identity block, post, 一肩挑 (the person also holds the
    other of 书记/主任 in the same village, open and not returned), term, joint review, the two
    opinion boxes (filled from the filing steps once taken) and the filing history."""
    person = appointment.person
    held = [
        a
        for a in selectors.person_appointments(user=user, person=person)
        if a.village_id == appointment.village_id and a.end_date is None and a.status != choices.FilingStatus.REJECTED
    ]
    posts = {a.post for a in held} | {appointment.post}
    events = list(selectors.filing_events(appointment=appointment))
    township_event = next((e for e in reversed(events) if e.to_status == choices.FilingStatus.TOWNSHIP_APPROVED), None)
    county_event = next((e for e in reversed(events) if e.to_status == choices.FilingStatus.FILED), None)
    review = appointment.qualification_review
    return {
        "appointment": appointment,
        "person": person,
        "age": person.age_on(core_dates.today()),
        "id_number": id_number_for(user, person.id_number),
        "masked": not can_see_personal(user),
        "one_shoulder": appointment.post in ONE_SHOULDER_POSTS and posts >= ONE_SHOULDER_POSTS,
        "term_label": _term_label(appointment.cohort),
        "review_result": review.get_outcome_display() if review else "未关联资格联审",
        "review_date": review.concluded_at if review else None,
        "township_event": township_event,
        "county_event": county_event,
        "events": events,
        "form_title": filing_form_title(appointment),
        "printed_by": user,
        "printed_at": timezone.now(),
        "title": f"{person.name} {filing_form_title(appointment)}",
    }


# --- 资格联审表 ---------------------------------------------------------------------------------

VERDICT_HEADERS = ["序号", "审查部门", "审查结果", "负面清单情形/关注提示", "审查意见", "审查时间"]


def _concern(v) -> str:
    return "；".join(t for t in (v.negative_item_text, v.warning_text and f"关注提示：{v.warning_text}") if t) or "无"


def vetting_form_context(*, user, review: QualificationReview) -> dict:
    """One row per department for users who may see the details; the township's copy (no
    ``cadres.view_vetting_details``) shows the overall result only."""
    details = can(user, "cadres.view_vetting_details")
    verdicts = list(selectors.qualification_review_verdicts(user=user, review=review)) if details else []
    rows = [
        {
            "department": v.department_name,
            "result": v.get_result_display(),
            "concern": _concern(v),
            "note": v.note or "—",
            "at": v.reviewed_at,
        }
        for v in verdicts
    ]
    person = review.person
    return {
        "review": review,
        "person": person,
        "id_number": id_number_for(user, person.id_number),
        "masked": not can_see_personal(user),
        "details": details,
        "rows": rows,
        "term_label": _term_label(review.cohort),
        "printed_by": user,
        "printed_at": timezone.now(),
        "title": f"{person.name} 资格联审表",
    }


def vetting_form_xlsx(context: dict) -> bytes:
    """The same form as a worksheet: the candidate, one row per department (when shown) and the
    overall result."""
    review, person = context["review"], context["person"]
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False})
    ws = wb.add_worksheet("资格联审表")
    title = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center"})
    cell = wb.add_format({"border": 1, "text_wrap": True, "valign": "top", "num_format": "@"})
    label = wb.add_format({"bold": True, "border": 1, "bg_color": "#F2F2F2"})
    ws.merge_range(0, 0, 0, 5, "村（社区）“两委”人选资格联审表", title)
    facts = [
        ("姓名", person.name, "身份证号", context["id_number"]),
        ("拟任村(社区)", f"{review.village.township.name}{review.village.name}", "拟任职务", review.post_name),
        ("届次", context["term_label"], "提请时间", _date_text(review.requested_at)),
    ]
    r = 1
    for a, b, c, d in facts:
        ws.write_string(r, 0, a, label)
        ws.merge_range(r, 1, r, 2, neutralise(b), cell)
        ws.write_string(r, 3, c, label)
        ws.merge_range(r, 4, r, 5, neutralise(d), cell)
        r += 1
    if context["details"]:
        r += 1
        for c, h in enumerate(VERDICT_HEADERS):
            ws.write_string(r, c, h, head)
        for i, row in enumerate(context["rows"], start=1):
            r += 1
            ws.write_number(r, 0, i, cell)
            values = [row["department"], row["result"], row["concern"], row["note"], _date_text(row["at"])]
            for c, value in enumerate(values, start=1):
                ws.write_string(r, c, neutralise(value), cell)
    r += 2
    ws.write_string(r, 0, "联审结论", label)
    ws.merge_range(r, 1, r, 2, review.get_outcome_display(), cell)
    ws.write_string(r, 3, "办结时间", label)
    ws.merge_range(r, 4, r, 5, _date_text(review.concluded_at), cell)
    for c, width in enumerate([8, 18, 12, 36, 30, 14]):
        ws.set_column(c, c, width)
    wb.close()
    return buf.getvalue()


def _date_text(value) -> str:
    """A date or moment as 2025-03-01 in the county's time zone; "—" when empty."""
    if not value:
        return "—"
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        value = timezone.localtime(value)
    return f"{value:%Y-%m-%d}"
