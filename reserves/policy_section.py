"""The reserve pool's section of the yearly policy profile (key "reserves").

Defaults with their sources: fixtures/policy/reserves.json. County staff edit them in the
browser at /policy/<year>/reserves/edit/.
"""

from cadres.choices import Education
from core.policy import Column, Group, Section, Table, register_section, section_defaults

KEY = "reserves"

register_section(
    Section(
        key=KEY,
        label="后备力量：年龄学历条件、每村目标、来源类别、导师类型、定岗岗位、测评结果",
        app_label="reserves",
        parts=(
            Group(
                key="eligibility",
                label="入库条件与目标",
                fields=(
                    Column("current_cohort", "当前换届届次（年份）", kind="int", min_value=2000, max_value=2100),
                    Column(
                        "target_per_village",
                        "每村后备力量目标（人）",
                        kind="int",
                        min_value=0,
                        max_value=20,
                        help_text="覆盖率统计中达不到目标的村标红。",
                    ),
                    Column("max_age", "年龄上限（周岁）", kind="int", min_value=18, max_value=70),
                    Column(
                        "max_age_college",
                        "大专及以上学历年龄上限（周岁）",
                        kind="int",
                        required=False,
                        min_value=0,
                        max_value=70,
                        help_text="0 或留空表示与上一项相同。",
                    ),
                    Column(
                        "age_cutoff",
                        "年龄计算截止日（月-日）",
                        help_text="按换届当年的该日计算年龄，如 01-01 表示换届当年1月1日。",
                    ),
                    Column("min_education", "最低学历", kind="choice", choices=tuple(Education.choices)),
                ),
            ),
            Table(
                key="source_categories",
                label="来源类别",
                columns=(Column("code", "代码"), Column("name", "名称")),
            ),
            Table(
                key="mentor_types",
                label="导师类型",
                columns=(Column("code", "代码"), Column("name", "名称")),
            ),
            Table(
                key="practice_posts",
                label="定岗锻炼岗位",
                columns=(Column("code", "代码"), Column("name", "名称")),
            ),
            Table(
                key="appraisal_results",
                label="年度测评结果",
                columns=(
                    Column("code", "代码"),
                    Column("name", "名称"),
                    Column("poor", "较差（建议调整）", kind="bool", required=False),
                ),
            ),
        ),
    )
)


def reserve_rules(year: int | None = None) -> dict:
    """The reserves section for ``year`` (merged over the defaults)."""
    from core.policy import policy_for_year

    section = policy_for_year(year).section(KEY)
    defaults = section_defaults(KEY)
    eligibility = dict(defaults.get("eligibility", {}))
    eligibility.update({k: v for k, v in (section.get("eligibility") or {}).items() if v not in (None, "")})
    from .rules import valid_cutoff

    if not valid_cutoff(eligibility.get("age_cutoff", "")):
        # The generic editor stores free text; a malformed month-day falls back to the default.
        eligibility["age_cutoff"] = defaults.get("eligibility", {}).get("age_cutoff", "01-01")
    section["eligibility"] = eligibility
    return section


def codes(section: dict, table: str) -> dict[str, dict]:
    return {row["code"]: row for row in section.get(table, [])}
