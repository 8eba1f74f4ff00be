"""The training section of the yearly policy profile (key "training").

Defaults with their sources: fixtures/policy/training.json. County staff edit them in the browser
at /policy/<year>/training/edit/.
"""

from __future__ import annotations

from core.policy import Column, Group, Section, Table, policies_for_years, policy_for_year, register_section

from .rules import HourRules

KEY = "training"

register_section(
    Section(
        key=KEY,
        label="教育培训：学时规则、年度学时要求、任职培训时限、培训内容、学历提升补贴",
        app_label="training",
        on_change="training.tasks.training_year_recompute_task",
        parts=(
            Group(
                key="hours",
                label="学时认定与结业",
                fields=(
                    Column("full_day_hours", "全天折算学时", kind="decimal", min_value=0, max_value=24),
                    Column("half_day_hours", "半天折算学时", kind="decimal", min_value=0, max_value=12),
                    Column(
                        "late_credit_percent",
                        "迟到早退计入学时比例（%）",
                        kind="int",
                        min_value=0,
                        max_value=100,
                        help_text="迟到早退的当天按此比例计学时；请假、缺勤不计。",
                    ),
                    Column(
                        "certificate_absence_limit",
                        "缺勤或迟到早退达到几次不发结业证书",
                        kind="int",
                        min_value=1,
                        max_value=99,
                    ),
                    Column("leave_counts_as_absence", "请假也计入上述次数", kind="bool", required=False),
                    Column(
                        "prorate_mid_year",
                        "年中任职按在职月数折算学时要求",
                        kind="bool",
                        required=False,
                        help_text="如7月任职，当年要求为全年学时的6/12。",
                    ),
                ),
            ),
            Table(
                key="requirements",
                label="各职务年度学时要求",
                columns=(
                    Column("code", "职务", kind="choice", choices_from="register.posts"),
                    Column("name", "职务名称"),
                    Column("required_hours", "每年至少学时", kind="int", min_value=0, max_value=500),
                    Column("county_session", "每年须参加县级以上轮训", kind="bool", required=False),
                ),
            ),
            Group(
                key="induction",
                label="新任“两委”成员任职培训",
                fields=(
                    Column("months", "任职后几个月内完成", kind="int", min_value=1, max_value=24),
                    Column("min_hours", "至少学时", kind="int", min_value=0, max_value=200),
                ),
            ),
            Table(key="topics", label="培训内容（专题）", columns=(Column("code", "代码"), Column("name", "名称"))),
            Group(
                key="education",
                label="学历提升补贴",
                fields=(
                    Column("tuition_subsidy_percent", "学费补贴比例（%）", kind="int", min_value=0, max_value=100),
                    Column("tuition_subsidy_cap", "学费补贴上限（元，0为不设上限）", kind="decimal", min_value=0),
                    Column("diploma_subsidy_amount", "取得学历后一次性补贴（元）", kind="decimal", min_value=0),
                ),
            ),
        ),
    )
)


def training_rules(year: int | None = None) -> dict:
    return policy_for_year(year).section(KEY)


def training_rules_for_years(years) -> dict[int, dict]:
    """:func:`training_rules` of several years, read in one query."""
    return {year: profile.section(KEY) for year, profile in policies_for_years(years).items()}


def hour_rules(section: dict) -> HourRules:
    return HourRules.from_policy(section["hours"])


def requirement_table(section: dict) -> dict[str, dict]:
    return {row["code"]: row for row in section.get("requirements", [])}


def topic_choices(section: dict) -> list[tuple[str, str]]:
    return [(t["code"], t["name"]) for t in section.get("topics", [])]
