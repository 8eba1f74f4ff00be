"""The assessments section of the yearly policy profile (key "assessments").

Defaults with their sources: fixtures/policy/assessments.json. County staff edit them in the
browser at /policy/<year>/assessments/edit/. Read them as :class:`assessments.rules.Rules`
through :func:`rules_for_year`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from core.policy import Column, Group, Section, Table, policy_for_year, register_section

from . import choices
from .rules import Rules, dec, plain, rules_from_policy, score_scale

KEY = "assessments"

register_section(
    Section(
        key=KEY,
        label="年度考核（双述双评）：权重、等次、测评票规则、优秀名额、村类别、星级、后续处理",
        app_label="assessments",
        # Unlocked results of that year follow the edited rules (never locked, published ones).
        on_change="assessments.tasks.review_policy_changed_task",
        validate=lambda values: validate_section(values),
        parts=(
            Group(
                key="scoring",
                label="考核分制",
                fields=(
                    Column(
                        "scale",
                        "综合得分的分制",
                        kind="choice",
                        choices=choices.SCORE_SCALES,
                        help_text="乡镇考核评分、日常工作考核分、村级综合考核分、测评票折算分值、等次分数线、加减分及其上限，"
                        "都按这里选定的分制填写；绩效报酬“按分数扣减”的全额分数线也按同一分制。"
                        "如改为千分制，请同时把等次分数线（如90分改为900分）和测评票折算分值改为千分制。",
                    ),
                ),
            ),
            Group(
                key="schedule",
                label="年度汇总计算日期",
                fields=(
                    Column("rollup_month", "月", kind="int", min_value=1, max_value=12),
                    Column("rollup_day", "日", kind="int", min_value=1, max_value=31),
                    Column("rollup_next_year", "在考核年度的次年", kind="bool", required=False),
                ),
            ),
            Table(
                key="parts",
                label="综合得分组成与权重",
                columns=(
                    Column("code", "代码"),
                    Column("name", "名称"),
                    Column("source", "数据来源", kind="choice", choices=choices.PART_SOURCES),
                    Column("weight", "权重", kind="decimal", min_value=0, max_value=100),
                ),
            ),
            Table(
                key="grades",
                label="等次",
                columns=(
                    Column("code", "代码"),
                    Column("name", "名称"),
                    Column("rank", "档次（1为最好）", kind="int", min_value=1, max_value=9),
                    Column(
                        "min_score",
                        "综合得分分数线",
                        kind="decimal",
                        min_value=0,
                        max_value=1000,
                        help_text="按上面选定的分制填写，不能超过满分。",
                    ),
                    Column("quota_limited", "受名额限制", kind="bool", required=False),
                    Column("poor", "属较差等次", kind="bool", required=False, help_text="用于连续较差等次的调整建议。"),
                ),
            ),
            Table(
                key="ballot_options",
                label="测评票选项及折算分值",
                columns=(
                    Column("code", "代码"),
                    Column("name", "选项"),
                    Column(
                        "points", "折算分值", kind="decimal", min_value=0, max_value=1000, help_text="按选定分制，不超过满分。"
                    ),
                ),
            ),
            Table(
                key="vote_rules",
                label="测评票定等次规则（按顺序，先触发者生效）",
                columns=(
                    Column("code", "代码"),
                    Column("name", "名称"),
                    Column("options", "计入的测评票选项", kind="codes", choices_from="assessments.ballot_options"),
                    Column("group", "测评类别", kind="choice", choices=choices.VOTE_GROUPS),
                    Column("comparator", "比较", kind="choice", choices=choices.COMPARATORS),
                    Column("percent", "比例（%）", kind="decimal", min_value=0, max_value=100),
                    Column("grade", "定为等次", kind="choice", choices_from="assessments.grades"),
                ),
            ),
            Group(
                key="meeting",
                label="测评会议有效人数",
                fields=(
                    Column("quorum_numerator", "实到人数须达应到的（分子）", kind="int", min_value=1, max_value=99),
                    Column("quorum_denominator", "（分母）", kind="int", min_value=1, max_value=99),
                    Column("quorum_strict", "须“超过”该比例（不勾选为“达到”）", kind="bool", required=False),
                ),
            ),
            Group(
                key="quota",
                label="优秀名额",
                fields=(
                    Column("excellent_percent", "优秀比例上限（%）", kind="decimal", min_value=0, max_value=100),
                    Column("scope", "名额范围", kind="choice", choices=choices.SCOPES),
                    Column("rounding", "名额取整", kind="choice", choices=choices.ROUNDINGS),
                ),
            ),
            Group(
                key="grading",
                label="加减分上限",
                fields=(
                    Column("max_bonus", "加分上限（0为不限）", kind="decimal", min_value=0, max_value=1000),
                    Column("max_penalty", "减分上限（0为不限）", kind="decimal", min_value=0, max_value=1000),
                ),
            ),
            Table(
                key="adjust_items",
                label="加减分事项（负数为减分）",
                columns=(
                    Column("code", "代码"),
                    Column("name", "事项"),
                    Column("points", "分值", kind="decimal", min_value=-1000, max_value=1000),
                ),
            ),
            Table(
                key="veto_items",
                label="一票否决事项",
                columns=(
                    Column("code", "代码"),
                    Column("name", "事项"),
                    Column("max_grade", "等次不高于", kind="choice", choices_from="assessments.grades"),
                ),
            ),
            Group(
                key="ranking",
                label="村排名",
                fields=(
                    Column("scope", "排名范围", kind="choice", choices=choices.SCOPES),
                    Column("basis", "排名依据", kind="choice", choices=choices.RANK_BASES),
                ),
            ),
            Table(
                key="categories",
                label="村类别（按排名累计比例）",
                columns=(
                    Column("code", "代码"),
                    Column("name", "名称"),
                    Column("top_percent", "排名前（%）", kind="decimal", min_value=0, max_value=100),
                ),
            ),
            Group(
                key="stars",
                label="星级",
                fields=(
                    Column("max_stars", "最高星级", kind="int", min_value=1, max_value=10),
                    Column("min_service_years", "任书记满几年方可评星", kind="int", min_value=0, max_value=30),
                ),
            ),
            Table(
                key="star_rules",
                label="星级规则（赋星、加星、降星）",
                columns=(
                    Column("code", "代码"),
                    Column("name", "名称"),
                    Column("action", "方式", kind="choice", choices=choices.STAR_ACTIONS),
                    Column("basis", "依据", kind="choice", choices=choices.STAR_BASES),
                    Column("value", "值"),
                    Column("stars", "星数", kind="int", min_value=0, max_value=10),
                ),
            ),
            Group(
                key="consequences",
                label="后续处理建议",
                fields=(
                    Column("admonition_grades", "诫勉：等次", kind="codes", choices_from="assessments.grades", required=False),
                    Column(
                        "admonition_vote_options",
                        "诫勉：计入的测评票选项",
                        kind="codes",
                        choices_from="assessments.ballot_options",
                        required=False,
                    ),
                    Column("admonition_vote_percent", "诫勉：上述票数比例达到（%）", kind="decimal", min_value=0, max_value=100),
                    Column("admonition_months", "诫勉期（月）", kind="int", min_value=1, max_value=24),
                    Column("admonition_min_months", "诫勉期最短（月）", kind="int", min_value=1, max_value=24),
                    Column("poor_consecutive_years", "连续几年较差等次建议调整", kind="int", min_value=0, max_value=10),
                    Column("reballot_pass_percent", "再测评满意票须超过（%）", kind="decimal", min_value=0, max_value=100),
                ),
            ),
        ),
    )
)


def validate_section(values: dict) -> None:
    """Every figure on the score scale must fit within the chosen full marks (百分制 100,
    千分制 1000): a 千分制 threshold under a 百分制 setting would make every grade unreachable."""
    scale = score_scale(values)
    full = plain(scale)
    checks = (
        ("grades", "min_score", "等次“{}”的分数线"),
        ("ballot_options", "points", "测评票选项“{}”的折算分值"),
        ("adjust_items", "points", "加减分事项“{}”的分值"),
    )
    errors = [
        f"{label.format(row.get('name'))} {plain(dec(row.get(key)))} 分超过满分 {full} 分。"
        for part, key, label in checks
        for row in values.get(part) or []
        if abs(dec(row.get(key))) > scale
    ]
    grading = values.get("grading") or {}
    for key, label in (("max_bonus", "加分上限"), ("max_penalty", "减分上限")):
        if dec(grading.get(key)) > scale:
            errors.append(f"{label} {plain(dec(grading.get(key)))} 分超过满分 {full} 分。")
    if errors:
        errors.append(f"当前分制为满分 {full} 分，请按该分制填写，或先改选分制。")
        raise ValidationError(errors)


def section_for_year(year: int) -> dict:
    return policy_for_year(year).section(KEY)


def rules_for_year(year: int) -> Rules:
    return rules_from_policy(section_for_year(year))
