"""The register's rules as pure functions (no ORM): every door — the forms, the API, the admin and
the spreadsheet imports — reaches them through the services (``validate_person``,
``validate_appointment`` and the bulk services), so each rule and its Chinese message exist once.

Each function returns ``{field: message}`` (empty = no problem). Messages end with "。"; an
import shows the same text without it, after the row and column.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import choices

ADULT_AGE = 18
PARTY_STATUSES = (choices.PoliticalStatus.MEMBER, choices.PoliticalStatus.PROBATIONARY)
# How far ahead a post may be recorded (a post decided now that starts next spring).
MAX_START_AHEAD = datetime.timedelta(days=366)

# The values a new person file gets for what the caller left blank. ``political_status``: a file
# states Party membership only when told so — a Party join date implies it, otherwise 群众.
PERSON_DEFAULTS: dict[str, Any] = {
    "ethnicity": "汉族",
    "native_place": "",
    "work_start_date": None,
    "party_join_date": None,
    "education_fulltime": "",
    "education_inservice": "",
    "school_major": "",
    "degree_fulltime": "",
    "school_major_inservice": "",
    "degree_inservice": "",
    "birthplace": "",
    "health": "",
    "professional_title": "",
    "specialty": "",
    "phone": "",
    "is_veteran": False,
    "is_returned_graduate": False,
    "note": "",
}


def person_defaults(values: Mapping[str, Any], fields: Iterable[str] | None = None) -> dict[str, Any]:
    """``values`` (only its ``fields`` when given, None for those it lacks) with every blank
    (None / "") person field replaced by its default."""
    if fields is None:
        out, wanted = dict(PERSON_DEFAULTS), None
    else:
        # An import asks this of every row: start from the blank file (built once per field list)
        # and look only at the values given, not at every field.
        template, wanted = _blank_file(fields if isinstance(fields, tuple) else tuple(fields))
        out = template.copy()
    for field, value in values.items():
        if wanted is not None and field not in wanted:
            continue
        if (value is not None and value != "") or field not in PERSON_DEFAULTS:
            out[field] = value
    if not out.get("political_status"):
        out["political_status"] = choices.PoliticalStatus.MEMBER if out.get("party_join_date") else choices.PoliticalStatus.MASSES
    return out


@functools.lru_cache(maxsize=16)
def _blank_file(fields: tuple[str, ...]) -> tuple[dict[str, Any], frozenset[str]]:
    """``fields`` all None, then every default (the defaults of fields not asked for too)."""
    return {**dict.fromkeys(fields), **PERSON_DEFAULTS}, frozenset(fields)


def age_on(birth_date: datetime.date, on: datetime.date) -> int:
    """Age in full years on ``on``, by the exact birthday (a person born on 29 February turns a
    year older on 1 March in other years)."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def person_errors(values: Mapping[str, Any], *, birth_date: datetime.date | None, today: datetime.date) -> dict[str, str]:
    """Party fields (政治面貌 ↔ 入党时间, age 18 at joining by the exact birthday, not in the
    future) and 民族. ``values`` are the person's values after the change (blank = not given).
    Without a birth date (no valid ID number) the birth-related rules are skipped."""
    errors: dict[str, str] = {}
    status = values.get("political_status")
    join = values.get("party_join_date")
    if status in PARTY_STATUSES and not join:
        errors["party_join_date"] = "中共党员（含预备党员）须填写入党时间。"
    if join and status not in PARTY_STATUSES:
        errors["party_join_date"] = "政治面貌不是中共党员，不应填写入党时间。"
    if join and birth_date and join <= birth_date:
        errors["party_join_date"] = "入党时间不能早于出生日期。"
    elif join and birth_date and age_on(birth_date, join) < ADULT_AGE:
        errors["party_join_date"] = "入党时须年满十八周岁，请核对入党时间。"
    if join and join > today:
        errors["party_join_date"] = "入党时间不能晚于今天。"
    ethnicity = values.get("ethnicity")
    if ethnicity and ethnicity not in choices.ETHNICITY_NAMES:
        errors["ethnicity"] = f"“{ethnicity}”不是56个民族的规范名称。"
    return errors


# ---------------------------------------------------------------------------------------------
# Appointments
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CurrentPost:
    """A post the person holds now (filed, not ended), as the conflict messages need it."""

    township_id: int
    township_name: str
    village_name: str
    post_name: str
    start_date: datetime.date


OTHER_TOWNSHIP_HIDDEN = "此人已在其他乡镇任职或建档，请联系县委组织部核实。"


def other_township_message(post: CurrentPost, *, sees_all: bool) -> str:
    """One person, one current township. County staff are told where; a township clerk is not
    told another township's person, village or post."""
    if not sees_all:
        return OTHER_TOWNSHIP_HIDDEN
    return (
        f"此人现任{post.township_name}{post.village_name}{post.post_name}（{post.start_date:%Y年%m月}起），"
        "同一人不能同时在两个乡镇任职。请先在人员页面为其办理离任，或核对身份证号。"
    )


def review_errors(*, post_info: Mapping[str, Any] | None, review_outcome: str | None, becomes_current: bool) -> dict[str, str]:
    """凡进必审 for the posts the year's policy marks 须资格联审 (a post unknown to the policy is
    treated as needing it). ``review_outcome``: the joint review linked to (or latest for) this
    person × village × post, None when there is none.

    A failed review refuses the post outright; an unfinished one refuses a post that would be
    current at once (a post that needs filing is recorded as a draft and the review is checked
    again at 乡镇审核 and 县级备案). A post with no review on record is allowed here (sitting
    cadres vetted before this register); the filing steps demand one (``filing_review_errors``)."""
    if post_info is not None and not post_info.get("requires_vetting"):
        return {}
    if review_outcome == choices.VettingResult.FAIL:
        return {"qualification_review": "资格联审未通过，不能任此职务。"}
    if review_outcome == choices.VettingResult.PENDING and becomes_current:
        return {"qualification_review": "资格联审尚未办结（仍有部门未出具意见），联审通过后才能任此职务。"}
    return {}


def filing_review_errors(*, post_info: Mapping[str, Any] | None, review_outcome: str | None) -> dict[str, str]:
    """乡镇审核 and 县级备案 of a post that needs vetting: a passed review must be linked."""
    if post_info is not None and not post_info.get("requires_vetting"):
        return {}
    if review_outcome is None:
        return {"qualification_review": "该职务实行“凡进必审”，须先关联资格联审结果。"}
    if review_outcome == choices.VettingResult.FAIL:
        return {"qualification_review": "资格联审未通过，不能备案。"}
    if review_outcome != choices.VettingResult.PASS:
        return {"qualification_review": "资格联审尚未办结（仍有部门未出具意见），不能备案。"}
    return {}


def appointment_errors(
    *,
    birth_date: datetime.date,
    start_date: datetime.date,
    today: datetime.date,
    post_info: Mapping[str, Any] | None,
    review_outcome: str | None,
    township_id: int,
    current_posts: list[CurrentPost],
    sees_all: bool,
) -> dict[str, str]:
    """Every rule of a new post: dates, age at the start by the exact birthday, 凡进必审, and one
    current township per person. ``post_info`` is the post in the policy of the start year
    (None: unknown post, reported on its own); ``current_posts`` the person's current posts."""
    errors = start_date_errors(birth_date=birth_date, start_date=start_date, today=today)
    becomes_current = post_info is not None and not post_info.get("requires_filing")
    errors.update(review_errors(post_info=post_info, review_outcome=review_outcome, becomes_current=becomes_current))
    if becomes_current:
        errors.update(township_conflict_errors(township_id=township_id, current_posts=current_posts, sees_all=sees_all))
    return errors


def start_date_errors(*, birth_date: datetime.date, start_date: datetime.date, today: datetime.date) -> dict[str, str]:
    """任职时间: not more than a year ahead, and 18 full years old on that day."""
    if age_on(birth_date, start_date) < ADULT_AGE:
        return {"start_date": "任职时未满十八周岁。"}
    if start_date > today + MAX_START_AHEAD:
        return {"start_date": "任职时间不能晚于一年以后。"}
    return {}


def township_conflict_errors(*, township_id: int, current_posts: list[CurrentPost], sees_all: bool) -> dict[str, str]:
    elsewhere = [p for p in current_posts if p.township_id != township_id]
    if not elsewhere:
        return {}
    return {"person": other_township_message(elsewhere[0], sees_all=sees_all)}


def one_shoulder_warning(*, claimed: bool | None, posts: list[str]) -> str:
    """“是否一肩挑”=是 while the posts do not include both secretary and chair (a warning)."""
    if claimed is True and not {choices.SECRETARY, choices.CHAIR} <= set(posts):
        return "填了“一肩挑”，但现任职务中没有同时包含书记和主任"
    return ""


# ---------------------------------------------------------------------------------------------
# First secretaries: spot-check absences cap the annual grade (register.spot_check_caps)
# ---------------------------------------------------------------------------------------------

GRADE_ORDER = tuple(choices.FirstSecretaryGrade.values)  # best first


def grade_label(code: str) -> str:
    return choices.FirstSecretaryGrade(code).label


def spot_check_cap(*, absences: int, caps: Iterable[Mapping[str, Any]]) -> str | None:
    """The best grade a first secretary with ``absences`` unexcused absences in the year may get:
    the strictest row of the policy whose threshold is reached; None when no row is reached."""
    reached = [str(row["max_grade"]) for row in caps if absences >= int(row["absences"]) and row["max_grade"] in GRADE_ORDER]
    return max(reached, key=GRADE_ORDER.index) if reached else None


def capped_grade(*, proposed: str, absences: int, caps: Iterable[Mapping[str, Any]]) -> tuple[str, str]:
    """(grade, reason): the proposed grade, lowered to the cap the absences reach. The reason is
    shown wherever the grade is: ``因抽查缺勤2次，等次不高于基本称职``."""
    cap = spot_check_cap(absences=absences, caps=caps)
    if cap is None:
        return proposed, ""
    worst = cap == GRADE_ORDER[-1]
    if GRADE_ORDER.index(proposed) < GRADE_ORDER.index(cap):
        if worst:
            return cap, f"因抽查缺勤{absences}次，定为{grade_label(cap)}（拟定{grade_label(proposed)}）"
        return cap, f"因抽查缺勤{absences}次，等次不高于{grade_label(cap)}（拟定{grade_label(proposed)}）"
    if worst:
        return proposed, f"抽查缺勤{absences}次，按规定定为{grade_label(cap)}"
    return proposed, f"抽查缺勤{absences}次，等次不高于{grade_label(cap)}"
