"""The pay ledger's section of the yearly policy profile (key "subsidies").

Defaults with their sources: fixtures/policy/subsidies.json. County staff edit them in the browser
at /policy/<year>/subsidies/edit/ (the generic section editor); ``pay_rules(year)`` reads them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from core.policy import Column, Group, Section, Table, register_section, section_defaults

from .choices import CrossPostMode, LivingModel, PerformanceMode, StandardBasis, StandardRounding

KEY = "subsidies"

register_section(
    Section(
        key=KEY,
        label="报酬与补贴：报酬档次、职务比例、绩效、养老保险补贴、离任生活补贴、奖励",
        app_label="subsidies",
        validate=lambda values: validate_section(values),
        parts=(
            Group(
                key="standards",
                label="报酬标准",
                fields=(
                    Column("uplift", "年度增资（元/年）", kind="decimal", min_value=0),
                    Column(
                        "default_tier",
                        "默认档次",
                        kind="choice",
                        choices_from="subsidies.tiers",
                        help_text="村无考核类别时采用的档次。",
                    ),
                    Column("deputy_percent", "副职为书记的（%）", kind="int", min_value=0, max_value=100),
                    Column("general_percent", "一般干部为书记的（%）", kind="int", min_value=0, max_value=100),
                    Column("cross_post_mode", "一肩挑、交叉任职计酬方式", kind="choice", choices=tuple(CrossPostMode.choices)),
                    Column(
                        "cross_post_multiple_percent",
                        "一人多岗倍数（%）",
                        kind="int",
                        min_value=100,
                        max_value=300,
                        help_text="仅在“按最高职务的倍数计发”时使用，如白河县 2.5倍÷2倍 = 125%。",
                    ),
                    Column("base_percent", "基本报酬占比（%）", kind="int", min_value=0, max_value=100),
                    Column("rural_income_per_head", "上年农村居民人均可支配收入（元）", kind="decimal", min_value=0),
                    Column(
                        "basis",
                        "书记报酬标准的确定方式",
                        kind="choice",
                        choices=tuple(StandardBasis.choices),
                        help_text="“固定标准”按下方书记报酬档次加年度增资；“收入倍数”按上年农村居民人均可支配收入乘以下面的倍数，"
                        "不再区分档次和增资，其他职务仍按为书记的比例计发。",
                    ),
                    Column(
                        "secretary_multiple",
                        "书记报酬为人均可支配收入的倍数",
                        kind="decimal",
                        min_value=0,
                        max_value=10,
                        help_text="仅在按收入倍数确定时使用，如白河县书记、主任为2倍。",
                    ),
                    Column(
                        "one_shoulder_multiple",
                        "一肩挑报酬为人均可支配收入的倍数",
                        kind="decimal",
                        min_value=0,
                        max_value=10,
                        help_text="仅在按收入倍数确定时使用：同一人担任书记和主任时按此倍数计发一份（白河县为2.5倍），不得低于书记倍数。",
                    ),
                    Column(
                        "income_rounding",
                        "按收入倍数计算后的取整",
                        kind="choice",
                        choices=tuple(StandardRounding.choices),
                    ),
                    Column("floor_multiple", "主职保底倍数", kind="decimal", min_value=0, max_value=10),
                    Column("floor_minimum", "主职保底最低额（元/年）", kind="decimal", min_value=0),
                    Column(
                        "deputy_floor_percent",
                        "副职保底为主职保底的（%）",
                        kind="int",
                        min_value=0,
                        max_value=100,
                        help_text="如湖北省副职不低于主职的70%；填0为不按比例设保底。低于保底的副职在报酬标准和发放明细中提示。",
                    ),
                    Column(
                        "deputy_floor_minimum",
                        "副职保底最低额（元/年）",
                        kind="decimal",
                        min_value=0,
                        help_text="副职自己的最低年报酬；填0为不设。与上项同时填写时取较高者。",
                    ),
                ),
            ),
            Table(
                key="post_ratios",
                label="各职务报酬系数（为书记的%，未列出的职务按主职/副职/一般干部比例）",
                columns=(
                    Column("code", "职务", kind="choice", choices_from="register.posts"),
                    Column("name", "职务"),
                    Column("percent", "为书记报酬的（%）", kind="decimal", min_value=0, max_value=100),
                ),
            ),
            Table(
                key="tiers",
                label="书记报酬档次（按村类别）",
                columns=(
                    Column("code", "村类别", kind="choice", choices_from="assessments.categories"),
                    Column("name", "名称"),
                    Column("secretary_amount", "书记年报酬（元，增资前）", kind="decimal", min_value=0),
                ),
            ),
            Group(
                key="performance",
                label="绩效报酬",
                fields=(
                    Column("mode", "计发方式", kind="choice", choices=tuple(PerformanceMode.choices)),
                    Column(
                        "full_score",
                        "全额分数线（考核综合得分）",
                        kind="decimal",
                        min_value=0,
                        max_value=1000,
                        help_text="与年度考核选定的分制一致（百分制满分100分，千分制满分1000分）：得分达到即全额发放，"
                        "每低1分按下项扣减，扣完为止。如千分制900分以上全额，在年度考核中选千分制并在此填900。",
                    ),
                    Column("per_point", "每低1分扣减（元）", kind="decimal", min_value=0),
                    Column("use_village_category", "按村类别系数调整", kind="bool", required=False),
                ),
            ),
            Table(
                key="grades",
                label="考核等次系数",
                columns=(
                    Column("code", "等次", kind="choice", choices_from="assessments.grades"),
                    Column("name", "等次"),
                    Column("percent", "发放比例（%）", kind="int", min_value=0, max_value=200),
                ),
            ),
            Table(
                key="categories",
                label="村类别系数",
                columns=(
                    Column("code", "村类别", kind="choice", choices_from="assessments.categories"),
                    Column("name", "村类别"),
                    Column("percent", "系数（%）", kind="int", min_value=0, max_value=200),
                ),
            ),
            Group(
                key="pension",
                label="养老保险补贴",
                fields=(
                    Column("amount", "每年补贴（元）", kind="decimal", min_value=0),
                    Column("posts", "享受职务", kind="codes", choices_from="register.posts"),
                ),
            ),
            Group(
                key="living",
                label="离任村干部生活补贴",
                fields=(
                    Column("model", "计发模式", kind="choice", choices=tuple(LivingModel.choices)),
                    Column("eligible_posts", "享受职务", kind="codes", choices_from="register.posts"),
                    Column("min_continuous_years", "连续任职满（年）", kind="int", min_value=0, max_value=60),
                    Column("min_cumulative_years", "或累计任职满（年）", kind="int", min_value=0, max_value=60),
                    Column("age_male", "男性年龄（岁）", kind="int", min_value=40, max_value=80),
                    Column("age_female", "女性年龄（岁）", kind="int", min_value=40, max_value=80),
                    Column("monthly_per_three_years", "每满3年每月（元）", kind="decimal", min_value=0),
                    Column("term_years", "每届按（年）", kind="int", min_value=1, max_value=10),
                    Column("extra_amount", "孤寡/无子女加发（元/年）", kind="decimal", min_value=0, required=False),
                    Column("chair_percent", "主任为书记标准的（%）", kind="int", min_value=0, max_value=100),
                ),
            ),
            Table(
                key="living_bands",
                label="分档标准（按累计任职年限）",
                columns=(
                    Column("code", "代码"),
                    Column("min_years", "年限下限", kind="int", min_value=0, max_value=60),
                    Column("max_years", "年限上限（0=以上）", kind="int", min_value=0, max_value=60),
                    Column("amount", "每年（元）", kind="decimal", min_value=0),
                ),
            ),
            Table(
                key="living_term_rates",
                label="按届数×职务标准",
                columns=(
                    Column("code", "职务", kind="choice", choices_from="register.posts"),
                    Column("name", "职务"),
                    Column("rank", "职务高低（0最高）", kind="int", min_value=0, max_value=99),
                    Column("monthly", "每届每月（元）", kind="decimal", min_value=0),
                ),
            ),
            Table(
                key="living_percent_steps",
                label="按书记基本报酬比例",
                columns=(
                    Column("code", "代码"),
                    Column("continuous_years", "连续任职满（年）", kind="int", min_value=0, max_value=60),
                    Column("cumulative_years", "或累计满（年）", kind="int", min_value=0, max_value=60),
                    Column("percent", "比例（%）", kind="int", min_value=0, max_value=100),
                ),
            ),
            Table(
                key="awards",
                label="奖励及一次性发放项目",
                columns=(
                    Column("code", "代码"),
                    Column("name", "名称"),
                    Column("amount", "每人金额（元）", kind="decimal", min_value=0),
                ),
            ),
            # Separation of duties in a pay run (subsidies/services/payruns.py); kept last.
            Group(
                key="approval",
                label="发放审批",
                fields=(
                    Column(
                        "separate_approver",
                        "审批人须不同于创建人和乡镇确认人",
                        kind="bool",
                        required=False,
                        help_text="开启后，同一账号创建或确认的发放批次不能由其本人审批。",
                    ),
                ),
            ),
        ),
    )
)


def validate_section(values: dict) -> None:
    """Checks across fields: income-based standards need the income and a multiple, and 一肩挑
    is never paid below a single principal post."""
    from decimal import Decimal, InvalidOperation

    merged = {**section_defaults(KEY).get("standards", {}), **(values.get("standards") or {})}

    def num(key):
        try:
            return Decimal(str(merged.get(key) or 0))
        except InvalidOperation:
            return Decimal(0)

    errors = []
    if merged.get("basis") == StandardBasis.INCOME:
        if num("rural_income_per_head") <= 0:
            errors.append("按收入倍数确定报酬标准时，须填写上年农村居民人均可支配收入。")
        if num("secretary_multiple") <= 0:
            errors.append("按收入倍数确定报酬标准时，书记报酬倍数须大于0。")
        if num("one_shoulder_multiple") < num("secretary_multiple"):
            errors.append(
                f"一肩挑倍数（{num('one_shoulder_multiple').normalize():f}）不能低于书记倍数"
                f"（{num('secretary_multiple').normalize():f}）。"
            )
    if errors:
        raise ValidationError(errors)


def pay_rules(year: int | None = None) -> dict:
    """The subsidies section for ``year``, groups merged over the defaults field by field."""
    from core.policy import policy_for_year

    section = policy_for_year(year).section(KEY)
    defaults = section_defaults(KEY)
    for group in ("standards", "performance", "pension", "living"):
        merged = dict(defaults.get(group, {}))
        merged.update(section.get(group) or {})
        section[group] = merged
    return section


def code_list(value: str) -> list[str]:
    return [c.strip() for c in str(value or "").replace("，", ",").split(",") if c.strip()]


def separate_approver(year: int | None = None) -> bool:
    """Whether the approver of a pay run must differ from its creator and confirmer (default on)."""
    from core.policy import policy_for_year

    return bool(policy_for_year(year).section(KEY).get("approval", {}).get("separate_approver", True))
