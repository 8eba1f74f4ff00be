"""The three ledgers of the reserve pool as .xlsx (一人一档、一村一册、一镇一库, seed 004).

County database (区县后备力量信息库), township archive (乡镇后备力量档案库) and village training
ledger (村级后备力量培养台账). All leave through core.exports.export_queryset: scoped
queryset in, personal data masked by role, every export logged.
"""

from __future__ import annotations

from core.exports import ExportColumn, choice_label

from .selectors import development_summary


def _dev(c, key):
    cache = getattr(c, "_dev_cache", None)
    if cache is None:
        cache = c._dev_cache = development_summary(c)
    return cache[key]


def _next_party(c):
    step = _dev(c, "party_next")
    return f"{step['label']}（最早{step['due']:%Y.%m.%d}）" if step else ""


BASE = [
    ExportColumn("乡镇(街道)", lambda c: c.village.township.name, width=12),
    ExportColumn("村(社区)", lambda c: c.village.name, width=12),
    ExportColumn("姓名", lambda c: c.person.name, width=10),
    ExportColumn("性别", lambda c: c.person.get_sex_display(), width=6),
    ExportColumn("出生日期", lambda c: c.person.birth_date, width=12),
    ExportColumn("身份证号", lambda c: c.person.id_number, personal="id", width=21),
    ExportColumn("民族", lambda c: c.person.ethnicity, width=8),
    ExportColumn("政治面貌", lambda c: c.person.get_political_status_display(), width=12),
    ExportColumn("学历", lambda c: c.person.get_highest_education_display(), width=10),
    ExportColumn("联系电话", lambda c: c.person.phone, personal="phone", width=13),
    ExportColumn("换届届次", lambda c: c.cohort, width=8),
    ExportColumn("来源类别", lambda c: c.source_name, width=14),
    ExportColumn("拟培养职务", lambda c: c.intended_post_name, width=14),
    ExportColumn("状态", choice_label("status"), width=10),
    ExportColumn("摸底日期", lambda c: c.surveyed_on, width=12),
    ExportColumn("资格联审", lambda c: c.qualification_review.get_outcome_display() if c.qualification_review else "", width=10),
]

DEVELOPMENT = [
    ExportColumn("帮带方式", lambda c: _dev(c, "mentor_mode"), width=8),
    ExportColumn("导师帮带", lambda c: _dev(c, "mentors"), width=30),
    ExportColumn("定岗锻炼", lambda c: _dev(c, "practice"), width=30),
    ExportColumn("年度测评", lambda c: _dev(c, "appraisals"), width=20),
    ExportColumn("入党进程", lambda c: _dev(c, "party"), width=30),
    ExportColumn("下一步（入党）", _next_party, width=22),
]

CLOSING = [
    ExportColumn("调整建议", lambda c: c.adjustment_note, width=24),
    ExportColumn("任用/退出日期", lambda c: c.closed_on, width=12),
    ExportColumn("退出原因", choice_label("exit_reason"), width=14),
    ExportColumn("备注", lambda c: c.note, width=16),
]

LEDGERS = {
    # 区(县)委：后备力量信息库 — everything, one row per record.
    "county": ("后备力量信息库", [*BASE, *DEVELOPMENT, *CLOSING]),
    # 乡镇党委：后备力量档案库 — the township's records with their development.
    "township": ("后备力量档案库", [*BASE, *DEVELOPMENT, *CLOSING]),
    # 村级党组织：后备力量培养台账 — training/practice focus, one village.
    "village": ("后备力量培养台账", [*BASE[2:], *DEVELOPMENT, CLOSING[0], CLOSING[3]]),
}
