"""Cell normalisers of the register's coded values (民族, 学历, 政治面貌, 性别, 身份证号), beside
the frame's generic ones (core.imports.normalize), so a sheet type needs one module: ``n.text``,
``n.parse_date``, ``n.parse_ethnicity`` …"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from core.imports.normalize import (  # noqa: F401  (the generic normalisers, re-exported for the sheet types)
    CellError,
    CsvText,
    NotedText,
    display,
    is_blank,
    optional,
    parse_bool,
    parse_date,
    parse_int,
    parse_phone,
    parse_posts,
    post_aliases,
    text,
)

from . import choices
from .idcard import parse_id_number

_ETHNICITY = {name: name for name in choices.ETHNICITY_NAMES}
_ETHNICITY.update({name[:-1]: name for name in choices.ETHNICITY_NAMES if name.endswith("族") and len(name) > 2})
_ETHNICITY.update({"汉": "汉族", "维吾尔": "维吾尔族", "蒙古": "蒙古族", "维族": "维吾尔族", "蒙族": "蒙古族"})


def parse_ethnicity(value) -> str:
    s = text(value)
    if not s:
        return ""
    if s in _ETHNICITY:
        return _ETHNICITY[s]
    raise CellError("不是56个民族的规范名称（如“汉族”“土家族”）")


_EDU = {
    choices.Education.POSTGRAD: ["研究生", "硕士", "博士", "硕士研究生", "博士研究生", "研究生学历"],
    choices.Education.BACHELOR: ["大学本科", "本科", "大学", "本科学历", "大本"],
    choices.Education.COLLEGE: ["大专", "专科", "大学专科", "高职", "大专学历", "高等专科"],
    choices.Education.VOCATIONAL: ["中专", "中技", "中职", "技校", "职高", "中等专科", "中专/中技"],
    choices.Education.SENIOR: ["高中", "普高", "高级中学"],
    choices.Education.JUNIOR: ["初中", "初级中学", "初小"],
    choices.Education.PRIMARY: ["小学", "小学及以下", "文盲", "半文盲", "无"],
}
_EDU_MAP = {alias: code for code, aliases in _EDU.items() for alias in aliases}


def parse_education(value) -> str:
    s = text(value).replace("（", "(").replace("）", ")")
    s = re.sub(r"\(.*?\)", "", s)
    if not s:
        return ""
    if s in _EDU_MAP:
        return _EDU_MAP[s]
    for alias in sorted(_EDU_MAP, key=len, reverse=True):
        if alias in s and len(alias) >= 2:
            return _EDU_MAP[alias]
    raise CellError("无法识别的学历，可填：研究生、大学本科、大专、中专、高中、初中、小学")


_POLITICAL = {
    "中共党员": choices.PoliticalStatus.MEMBER,
    "党员": choices.PoliticalStatus.MEMBER,
    "中国共产党党员": choices.PoliticalStatus.MEMBER,
    "共产党员": choices.PoliticalStatus.MEMBER,
    "中共预备党员": choices.PoliticalStatus.PROBATIONARY,
    "预备党员": choices.PoliticalStatus.PROBATIONARY,
    "共青团员": choices.PoliticalStatus.LEAGUE,
    "团员": choices.PoliticalStatus.LEAGUE,
    "群众": choices.PoliticalStatus.MASSES,
    "无党派人士": choices.PoliticalStatus.MASSES,
    "无党派": choices.PoliticalStatus.MASSES,
    "民主党派": choices.PoliticalStatus.DEMOCRATIC,
}


def parse_political(value) -> str:
    s = text(value)
    if not s:
        return ""
    if s in _POLITICAL:
        return _POLITICAL[s]
    for party in ("民革", "民盟", "民建", "民进", "农工党", "致公党", "九三学社", "台盟"):
        if party in s:
            return choices.PoliticalStatus.DEMOCRATIC
    raise CellError("无法识别的政治面貌，可填：中共党员、中共预备党员、共青团员、民主党派、群众")


def parse_sex(value) -> str:
    s = text(value)
    if not s:
        return ""
    if s in ("男", "M", "m", "男性"):
        return choices.Sex.MALE
    if s in ("女", "F", "f", "女性"):
        return choices.Sex.FEMALE
    raise CellError("性别应填“男”或“女”")


def id_number_cell(value, *, today=None) -> str:
    """The ID column. A number cell means Excel already dropped the last digits: refuse. A number
    whose area code never existed is kept, as a NotedText whose note is the 提示. ``today`` as
    for parse_id_number."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellError(
            "身份证号被Excel存成了数字，第16位以后的数字已丢失、无法还原。"
            "请把该列设为“文本”格式，重新录入完整的18位号码（或从原始资料粘贴为文本）"
        )
    try:
        facts = parse_id_number(value, today=today)
    except ValidationError as exc:
        raise CellError(exc.messages[0].rstrip("。")) from None
    if facts.warnings:
        return NotedText.with_note(facts.number, "；".join(w.rstrip("。") for w in facts.warnings))
    return facts.number
