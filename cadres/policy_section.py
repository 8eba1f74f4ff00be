"""The register's section of the yearly policy profile."""

from core.policy import Column, Group, Section, Table, policy_for_year, register_section

from .choices import FirstSecretaryGrade

POST_CLASSES = (("principal", "主职"), ("deputy", "副职"), ("general", "一般干部"))
POST_BODIES = (
    ("party", "村党组织"),
    ("committee", "村民委员会"),
    ("supervision", "村务监督委员会"),
    ("group", "村民小组"),
    ("staff", "村级工作人员"),
)
SEVERITIES = (("block", "否决（不得提名）"), ("warn", "关注提示（严格把关）"))

register_section(
    Section(
        key="register",
        label="干部名册：联审部门、负面清单、职务、第一书记",
        app_label="cadres",
        # the first secretaries' grades follow the spot-check thresholds (spot_check_caps)
        on_change="cadres.tasks.first_secretary_regrade_task",
        parts=(
            Table(
                key="vetting_departments",
                label="资格联审部门",
                columns=(Column("code", "代码"), Column("name", "部门名称")),
            ),
            Table(
                key="negative_list",
                label="负面清单（十不选）",
                columns=(
                    Column("code", "代码"),
                    Column("text", "情形"),
                    Column("severity", "性质", kind="choice", choices=SEVERITIES),
                ),
            ),
            Table(
                key="posts",
                label="职务名称与类别",
                columns=(
                    Column("code", "代码"),
                    Column("name", "职务名称"),
                    Column("post_class", "类别", kind="choice", choices=POST_CLASSES),
                    Column("body", "所属组织", kind="choice", choices=POST_BODIES),
                    Column("requires_filing", "须县级备案", kind="bool", required=False),
                    Column("requires_vetting", "须资格联审", kind="bool", required=False),
                    Column("sort", "排序", kind="int", min_value=0, max_value=9999),
                ),
            ),
            Group(
                key="first_secretary",
                label="驻村第一书记",
                fields=(
                    Column("min_days_per_month", "每月最少驻村天数", kind="int", min_value=1, max_value=31),
                    Column("term_months", "默认任期（月）", kind="int", min_value=1, max_value=120),
                    Column("expiry_warning_days", "期满提前提醒（天）", kind="int", min_value=1, max_value=365),
                ),
            ),
            Table(
                key="spot_check_caps",
                label="第一书记抽查缺勤与年度考核等次",
                columns=(
                    Column("absences", "年度内无故缺勤达到（次）", kind="int", min_value=1, max_value=366),
                    Column("max_grade", "考核等次最高为", kind="choice", choices=tuple(FirstSecretaryGrade.choices)),
                ),
                unique_key="absences",
            ),
        ),
    )
)


def spot_check_caps(year: int) -> list[dict]:
    """The year's thresholds of unexcused spot-check absences → best grade (rules.capped_grade)."""
    return list(policy_for_year(year).section("register").get("spot_check_caps") or [])
