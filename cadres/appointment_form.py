"""The 干部任免审批表 (national A4 form) as text: pure functions from a person's values to what
each box of the form reads. No ORM; the selector ``appointment_form_data`` gathers the rows and
the PDF view lays the boxes out (templates/cadres/appointment_form_pdf.html).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .rules import age_on


def month_text(day: datetime.date | None) -> str:
    """2008-09-01 → "2008.09"; ``None`` → ""."""
    return f"{day.year:04d}.{day.month:02d}" if day else ""


def birth_text(birth_date: datetime.date, on: datetime.date) -> str:
    """出生年月(岁): "1985.03（40岁）", the age on the form's reference date."""
    return f"{month_text(birth_date)}（{age_on(birth_date, on)}岁）"


def resume_span(start: datetime.date, end: datetime.date | None) -> str:
    """ "2008.09—2012.07"; an open line (至今) "2015.03—"."""
    return f"{month_text(start)}—{month_text(end)}"


def resume_line(start: datetime.date, end: datetime.date | None, text: str) -> str:
    """ "2008.09—2012.07  在湖南农业大学农学专业学习" (the .lrmx / plain-text form of a line)."""
    return f"{resume_span(start, end)}  {text}"


def post_title(township: str, village: str, post_name: str) -> str:
    """甲镇 + 甲一村 + 村党组织书记 → "甲镇甲一村党组织书记" (the village already says 村)."""
    if post_name.startswith("村党"):
        post_name = post_name[1:]
    return f"{township}{village}{post_name}"


RECORD_KINDS_ON_FORM = ("honour", "sanction")  # 发展去向 is not 奖惩


def record_lines(records: Iterable[tuple[str, datetime.date, str, str]]) -> list[str]:
    """奖惩情况 from (kind, date, title, issuer), oldest first: "2019.07 县级优秀党务工作者（县委）"."""
    rows = sorted((r for r in records if r[0] in RECORD_KINDS_ON_FORM), key=lambda r: r[1])
    return [f"{month_text(date)} {title}" + (f"（{issuer}）" if issuer else "") for _kind, date, title, issuer in rows]


def assessment_text(results: Sequence[tuple[int, str]]) -> str:
    """年度考核结果 from (year, grade label), any order: "2022年度考核称职；2023年度考核优秀。"."""
    parts = [f"{year}年度考核{label}" for year, label in sorted(results) if label]
    return "；".join(parts) + "。" if parts else ""


def family_age(birth_date: datetime.date | None, on: datetime.date) -> str:
    return str(age_on(birth_date, on)) if birth_date else ""


@dataclass
class Education:
    """One of the two rows of 学历学位: 全日制教育 or 在职教育."""

    label: str
    level: str = ""
    degree: str = ""
    school: str = ""

    @property
    def level_degree(self) -> str:
        return "\n".join(x for x in (self.level, self.degree) if x)


@dataclass
class FamilyRow:
    relation: str
    name: str
    age: str
    political_status: str
    work_unit: str


@dataclass
class FormData:
    """Everything the two pages of the form show, as text."""

    name: str
    sex: str
    birth: str
    ethnicity: str
    native_place: str
    birthplace: str
    party_join: str
    work_start: str
    health: str
    professional_title: str
    specialty: str
    fulltime: Education
    inservice: Education
    current_posts: str
    proposed_post: str
    proposed_removal: str
    resume_spans: list[tuple[str, str]] = field(default_factory=list)  # (2008.09—2012.07, text)
    records: list[str] = field(default_factory=list)
    assessments: str = ""
    reason: str = ""
    family: list[FamilyRow] = field(default_factory=list)
    reporting_unit: str = ""
    reporting_opinion: str = ""
    approval_opinion: str = ""
    filled_by: str = ""
    filled_on: str = ""
    id_number: str = ""
    photo: str = ""  # a data: URI, or "" for the empty box reading 照片

    @property
    def resume(self) -> list[str]:
        return [f"{span}  {text}" for span, text in self.resume_spans]

    @property
    def family_blank_rows(self) -> range:
        """The national form's family table has at least 7 lines."""
        return range(max(0, 7 - len(self.family)))

    @property
    def family_rowspan(self) -> int:
        """The label cell spans the heading line, the members and the blank lines."""
        return 1 + len(self.family) + len(self.family_blank_rows)


def party_join_text(political_status_label: str, party_join_date: datetime.date | None) -> str:
    """入党时间: the month, or the status for non-members (群众 …)."""
    if party_join_date:
        return month_text(party_join_date)
    return political_status_label if political_status_label and "党员" not in political_status_label else ""
