"""Vocabulary of the annual review (双述双评): English identifiers, Chinese labels.

Grades, ballot options, village categories and star rules are *policy* (the yearly profile,
section "assessments"); only the workflow vocabulary that code branches on lives here.
"""

from django.db import models


class Phase(models.TextChoices):
    REPORT = "report", "述职"
    BALLOT = "ballot", "测评"
    GRADE = "grade", "评定"
    PUBLICITY = "publicity", "公示"
    ARCHIVE = "archive", "归档"


PHASE_ORDER = [Phase.REPORT, Phase.BALLOT, Phase.GRADE, Phase.PUBLICITY, Phase.ARCHIVE]
# Phases in which the township may still enter and change review data.
ENTRY_PHASES = (Phase.REPORT, Phase.BALLOT, Phase.GRADE)
LOCKED_PHASES = (Phase.PUBLICITY, Phase.ARCHIVE)


class RaterGroup(models.TextChoices):
    TOWNSHIP = "township", "村述镇评（乡镇测评）"
    MEMBERS = "members", "村述民评（党员和村民代表测评）"


class ResultStatus(models.TextChoices):
    GRADED = "graded", "已评定"
    TIE = "tie", "名额并列待乡镇决定"
    INVALID = "invalid", "测评无效待重新测评"
    INCOMPLETE = "incomplete", "数据不全"


class QuotaStatus(models.TextChoices):
    NONE = "", "不涉及名额"
    WITHIN = "within", "名额内"
    OVER = "over", "超出名额已降档"
    TIE = "tie", "边界并列"


class ItemKind(models.TextChoices):
    ADJUST = "adjust", "加减分事项"
    VETO = "veto", "一票否决事项"
    STAR = "star", "星级事项"


class FileKind(models.TextChoices):
    DUTY = "duty", "述职报告"
    INTEGRITY = "integrity", "述廉报告"
    OTHER = "other", "其他材料"


class ProposalKind(models.TextChoices):
    ADMONITION = "admonition", "诫勉谈话"
    ADJUSTMENT = "adjustment", "组织调整"
    REBALLOT = "reballot", "诫勉期满再测评"
    REMOVAL = "removal", "免职（罢免）建议"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", "待县委组织部确认"
    CONFIRMED = "confirmed", "已确认"
    DISMISSED = "dismissed", "不予采纳"
    WITHDRAWN = "withdrawn", "已撤回（重新计算后不再触发）"
    PASSED = "passed", "再测评通过"
    FAILED = "failed", "再测评未通过"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "计算中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class PartStatus(models.TextChoices):
    """One township's share of a split rollup run (RollupRunPart)."""

    PENDING = "pending", "待计算"
    SCORED = "scored", "已计算得分"
    DONE = "done", "已保存结果"
    FAILED = "failed", "失败"


# Full marks of the composite score (the policy's "scoring" group): stored as text in the profile.
SCORE_SCALES = (("100", "百分制（满分100分）"), ("1000", "千分制（满分1000分）"))

# Sources of a composite-score part (the policy's ``parts`` table chooses among them).
PART_SOURCES = (
    ("township_ballot", "乡镇测评票折算分"),
    ("members_ballot", "党员和村民代表测评票折算分"),
    ("township_score", "乡镇考核评分"),
    ("daily_score", "日常工作考核分"),
    ("village_score", "村级综合考核分"),
)
VOTE_GROUPS = (("all", "两类测评合计"), ("township", "乡镇测评"), ("members", "党员和村民代表测评"))
COMPARATORS = (("ge", "≥"), ("gt", ">"))
STAR_ACTIONS = (("grant", "赋星（取最高一条）"), ("add", "加星"), ("remove", "降星"))
STAR_BASES = (
    ("service_years", "任书记年限（值=年数）"),
    ("grade", "年度等次（值=等次代码）"),
    ("category", "村类别（值=类别代码）"),
    ("item", "星级事项（值=事项代码，乡镇录入）"),
)
SCOPES = (("township", "每个乡镇"), ("county", "全县"))
ROUNDINGS = (("floor", "向下取整"), ("half_up", "四舍五入"))
RANK_BASES = (("village_score", "村级综合考核分（未录入时用个人综合得分）"), ("score", "个人综合得分"))


class ReviewEntryStatus(models.TextChoices):
    """Filter of the review entry list (the dashboard's "未录入完毕" opens ``missing``)."""

    MISSING = "missing", "未录入完毕"
    ENTERED = "entered", "已录入"
    GRADED = "graded", "已评定"
