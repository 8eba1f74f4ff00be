"""Vocabulary of the pay ledger: English identifiers, Chinese labels."""

from django.db import models


class EntryType(models.TextChoices):
    BASE = "base", "基本报酬"
    PERFORMANCE = "performance", "绩效报酬"
    PENSION = "pension", "养老保险补贴"
    LIVING = "living", "离任村干部生活补贴"
    EDUCATION = "education", "学历提升补贴"
    AWARD = "award", "奖励"
    ONE_OFF = "one_off", "其他一次性发放"


class EntrySource(models.TextChoices):
    RULE_RUN = "rule_run", "发放批次（按规则计算）"
    IMPORT = "import", "表格导入"
    MANUAL = "manual", "手工录入"
    REVERSAL = "reversal", "冲销更正"


class PeriodKind(models.TextChoices):
    MONTH = "month", "月度"
    YEAR = "year", "年度"


class RunKind(models.TextChoices):
    BASE_MONTHLY = "base_monthly", "月度基本报酬"
    PERFORMANCE_YEARLY = "performance_yearly", "年终绩效报酬"
    SUBSIDY_YEARLY = "subsidy_yearly", "年度补贴（养老保险、离任生活、学历提升）"


RUN_PERIOD_KIND = {
    RunKind.BASE_MONTHLY: PeriodKind.MONTH,
    RunKind.PERFORMANCE_YEARLY: PeriodKind.YEAR,
    RunKind.SUBSIDY_YEARLY: PeriodKind.YEAR,
}


class RunStatus(models.TextChoices):
    QUEUED = "queued", "排队计算"
    COMPUTING = "computing", "计算中"
    PREVIEW = "preview", "待乡镇确认（预览）"
    PREPARED = "prepared", "乡镇已确认，待县级审批"
    POSTING = "posting", "记账中"
    APPROVED = "approved", "县级已审批入账，待发放"
    PAID = "paid", "已发放"
    FAILED = "failed", "计算失败"
    POST_FAILED = "post_failed", "入账未完成，待继续入账"
    CANCELLED = "cancelled", "已作废"


class PartStatus(models.TextChoices):
    """One township's share of a pay run, computed and posted as its own task (PayRunPart)."""

    PENDING = "pending", "待计算"
    COMPUTED = "computed", "已计算"
    POSTED = "posted", "已入账"
    FAILED = "failed", "失败"


# A run in one of these states blocks another run of the same kind, period and township.
OPEN_RUN_STATUSES = (
    RunStatus.QUEUED,
    RunStatus.COMPUTING,
    RunStatus.PREVIEW,
    RunStatus.PREPARED,
    RunStatus.POSTING,
    RunStatus.APPROVED,
    RunStatus.PAID,
    RunStatus.FAILED,
    RunStatus.POST_FAILED,
)


class LivingModel(models.TextChoices):
    BANDS = "bands", "按累计任职年限分档（安龙模式）"
    PER_THREE_YEARS = "per_three_years", "每满3年按月增发（太湖模式）"
    PER_TERM = "per_term", "按届数×职务（主职最高计）"
    PERCENT_OF_SECRETARY = "percent_of_secretary", "按现任书记基本报酬比例"


class CrossPostMode(models.TextChoices):
    HIGHEST = "highest", "只按最高职务计发一份"
    MULTIPLE = "multiple", "按最高职务的倍数计发（如一肩挑2.5倍÷2倍）"
    SUM = "sum", "兼职兼薪（各职务分别计发）"


class PerformanceMode(models.TextChoices):
    GRADE = "grade", "按考核等次系数"
    POINTS = "points", "按考核分数扣减（每低1分扣减）"


class StopReason(models.TextChoices):
    DECEASED = "deceased", "死亡"
    DISCIPLINE = "discipline", "受留党察看以上党纪处分"
    CRIMINAL = "criminal", "受刑事处罚"
    UNQUALIFIED = "unqualified", "民主评议连续两年不合格"
    FRAUD = "fraud", "弄虚作假骗取补贴"
    PETITION = "petition", "组织参与集体上访"
    CIVIL_SERVANT = "civil_servant", "录用为公务员或事业编制人员"
    MOVED = "moved", "户籍迁出"
    OTHER = "other", "其他"


class BenefitKind(models.TextChoices):
    ACCIDENT_INSURANCE = "accident_insurance", "团体意外伤害保险"
    HEALTH_CHECK = "health_check", "免费体检"
    COUNSELLING = "counselling", "心理辅导"
    OTHER = "other", "其他待遇"


class StandardBasis(models.TextChoices):
    FIXED = "fixed", "按村类别档次的固定标准"
    INCOME = "income", "按上年农村居民人均可支配收入的倍数"


class StandardRounding(models.TextChoices):
    FEN = "fen", "精确到分"
    YUAN = "yuan", "四舍五入到元"
    HUNDRED = "hundred", "四舍五入到百元"
