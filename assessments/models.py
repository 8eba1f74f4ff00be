"""The annual review (双述双评) of village secretaries: campaign, review, ballots, result, proposals.

Rules that span rows live in services/; scoring rules are pure functions in rules.py driven
by the yearly policy. Every model has a QuerySet that narrows itself to one township, which is
what ``core.scope.scoped`` uses.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from cadres.models import Appointment, Person, ScopedQuerySet, Township, Village, private_storage
from core.models import HistoricalRecords

from . import choices

SCORE = {"max_digits": 6, "decimal_places": 2, "validators": [MinValueValidator(0), MaxValueValidator(1000)]}


# ---------------------------------------------------------------------------------------------
# Campaign
# ---------------------------------------------------------------------------------------------


class ReviewCampaignQuerySet(ScopedQuerySet):
    """A campaign is county-wide: every township sees it (its reviews are scoped)."""

    def for_township(self, township_id: int):
        return self.all()


class ReviewCampaign(models.Model):
    """One year's review campaign with its phase and deadlines."""

    year = models.PositiveIntegerField("考核年度", unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    title = models.CharField("名称", max_length=100)
    phase = models.CharField("阶段", max_length=20, choices=choices.Phase.choices, default=choices.Phase.REPORT)
    report_deadline = models.DateField("述职截止", null=True, blank=True)
    ballot_deadline = models.DateField("测评截止", null=True, blank=True)
    grade_deadline = models.DateField("评定截止", null=True, blank=True)
    publicity_start = models.DateField("公示开始", null=True, blank=True)
    publicity_end = models.DateField("公示结束", null=True, blank=True)
    note = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="考核年度变更记录")

    objects = ReviewCampaignQuerySet.as_manager()

    class Meta:
        verbose_name = "年度考核（双述双评）"
        verbose_name_plural = "年度考核（双述双评）"
        ordering = ["-year"]
        permissions = [
            ("advance_campaign", "推进考核阶段（公示后锁定结果）"),
            ("run_rollup", "运行年度汇总计算"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(publicity_end__isnull=True)
                | Q(publicity_start__isnull=True)
                | Q(publicity_end__gte=models.F("publicity_start")),
                name="assessments_reviewcampaign_publicity_end_after_start",
                violation_error_message="公示结束日期不能早于公示开始日期。",
            )
        ]

    def __str__(self) -> str:
        return self.title or f"{self.year}年度村党组织书记双述双评"

    @property
    def is_locked(self) -> bool:
        return self.phase in choices.LOCKED_PHASES

    @property
    def accepts_entry(self) -> bool:
        return self.phase in choices.ENTRY_PHASES

    @property
    def phase_index(self) -> int:
        return choices.PHASE_ORDER.index(self.phase)


# ---------------------------------------------------------------------------------------------
# Review (one per secretary per year)
# ---------------------------------------------------------------------------------------------


class AnnualReviewQuerySet(ScopedQuerySet):
    township_path = "township_id"

    def for_year(self, year: int):
        return self.filter(year=year)

    def with_related(self):
        return self.select_related("person", "village", "township", "result")


class AnnualReview(models.Model):
    """A secretary's review for one year: snapshot of the post, reports, scores entered."""

    campaign = models.ForeignKey(ReviewCampaign, verbose_name="考核年度", on_delete=models.PROTECT, related_name="reviews")
    year = models.PositiveIntegerField("年度", db_index=True)
    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="annual_reviews")
    village = models.ForeignKey(Village, verbose_name="村(社区)", on_delete=models.PROTECT, related_name="annual_reviews")
    township = models.ForeignKey(Township, verbose_name="乡镇(街道)", on_delete=models.PROTECT, related_name="annual_reviews")
    appointment = models.ForeignKey(
        Appointment, verbose_name="任职记录", on_delete=models.PROTECT, null=True, blank=True, related_name="annual_reviews"
    )
    # Snapshot of the post held at the time of the review (the register may change later).
    post_code = models.CharField("职务代码", max_length=30)
    post_name = models.CharField("职务", max_length=50)
    post_start_date = models.DateField("任职时间", null=True, blank=True)
    service_years = models.PositiveSmallIntegerField("任书记年限", default=0, help_text="截至考核年度末累计任书记的整年数。")
    duty_report = models.TextField("述职报告", blank=True)
    integrity_report = models.TextField("述廉报告", blank=True)
    township_score = models.DecimalField("乡镇考核评分", null=True, blank=True, **SCORE)
    daily_score = models.DecimalField("日常工作考核分", null=True, blank=True, **SCORE)
    village_score = models.DecimalField("村级综合考核分", null=True, blank=True, **SCORE)
    note = models.TextField("备注", blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords(verbose_name="年度考核录入变更记录", excluded_fields=["updated_at"])

    objects = AnnualReviewQuerySet.as_manager()

    class Meta:
        verbose_name = "年度考核对象"
        verbose_name_plural = "年度考核对象"
        ordering = ["year", "township_id", "village_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "year"],
                name="assessments_annualreview_one_per_person_year",
                violation_error_message="此人本年度已有考核记录（每人每年一条）。",
            ),
        ]
        indexes = [
            # Result tables and the rollup: one township's reviews of one year.
            models.Index(fields=["year", "township"], name="assess_review_year_township"),
        ]

    def __str__(self) -> str:
        return f"{self.year}年度 {self.village} {self.person}"


class ReviewFileQuerySet(ScopedQuerySet):
    township_path = "review__township_id"


class ReviewFile(models.Model):
    """An uploaded report (述职/述廉) kept in private storage."""

    review = models.ForeignKey(AnnualReview, verbose_name="考核对象", on_delete=models.CASCADE, related_name="files")
    kind = models.CharField("类别", max_length=20, choices=choices.FileKind.choices, default=choices.FileKind.DUTY)
    file = models.FileField("文件", upload_to="reviews/%Y/", storage=private_storage, max_length=300)
    original_name = models.CharField("原文件名", max_length=255)
    size = models.PositiveIntegerField("大小(字节)", default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="述职材料变更记录")

    objects = ReviewFileQuerySet.as_manager()

    class Meta:
        verbose_name = "述职材料"
        verbose_name_plural = "述职材料"
        ordering = ["review", "kind", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.original_name}"


class BallotTallyQuerySet(ScopedQuerySet):
    township_path = "review__township_id"


class BallotTally(models.Model):
    """Paper ballots of one rater group, entered as counts (valid ballots per option)."""

    review = models.ForeignKey(AnnualReview, verbose_name="考核对象", on_delete=models.CASCADE, related_name="tallies")
    group = models.CharField("测评类别", max_length=20, choices=choices.RaterGroup.choices)
    entitled = models.PositiveIntegerField("应到人数")
    attended = models.PositiveIntegerField("实到人数")
    counts = models.JSONField("各选项有效票", default=dict, help_text="选项代码 → 票数（选项取自当年政策配置）。")
    invalid_ballots = models.PositiveIntegerField("废票", default=0)
    meeting_date = models.DateField("测评日期", null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, null=True, related_name="+"
    )
    history = HistoricalRecords(verbose_name="测评票变更记录")

    objects = BallotTallyQuerySet.as_manager()

    class Meta:
        verbose_name = "测评票统计"
        verbose_name_plural = "测评票统计"
        ordering = ["review", "group"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "group"],
                name="assessments_ballottally_one_per_group",
                violation_error_message="该考核对象已录入这一类测评票。",
            ),
            models.CheckConstraint(
                condition=Q(attended__lte=models.F("entitled")),
                name="assessments_ballottally_attended_le_entitled",
                violation_error_message="实到人数不能多于应到人数。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review}：{self.get_group_display()}"

    @property
    def valid_ballots(self) -> int:
        return sum(int(v) for v in (self.counts or {}).values())


class ReviewItemQuerySet(ScopedQuerySet):
    township_path = "review__township_id"


class ReviewItem(models.Model):
    """A bonus/penalty item, a veto item or a star item recorded for one review (label and points
    are copied from the year's policy when recorded)."""

    review = models.ForeignKey(AnnualReview, verbose_name="考核对象", on_delete=models.CASCADE, related_name="items")
    kind = models.CharField("类别", max_length=20, choices=choices.ItemKind.choices)
    code = models.CharField("事项代码", max_length=40)
    label = models.CharField("事项", max_length=200)
    points = models.DecimalField("分值", max_digits=6, decimal_places=2, default=0)
    max_grade = models.CharField("等次不高于", max_length=30, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    history = HistoricalRecords(verbose_name="考核事项变更记录")

    objects = ReviewItemQuerySet.as_manager()

    class Meta:
        verbose_name = "考核事项"
        verbose_name_plural = "考核事项"
        ordering = ["review", "kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["review", "kind", "code"], name="assessments_reviewitem_once_per_review"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.label}"


# ---------------------------------------------------------------------------------------------
# Result (written by the rollup; locked after 公示)
# ---------------------------------------------------------------------------------------------


class ReviewResultQuerySet(ScopedQuerySet):
    township_path = "township_id"

    def for_year(self, year: int):
        return self.filter(year=year)

    def final(self):
        """Locked (published) results with a grade: what pay and the register may use."""
        return self.filter(locked=True).exclude(grade="")

    def with_related(self):
        return self.select_related("person", "village", "township", "review")


class ReviewResult(models.Model):
    """The computed (and possibly overridden or amended) result of one review, with explanations."""

    review = models.OneToOneField(AnnualReview, verbose_name="考核对象", on_delete=models.CASCADE, related_name="result")
    year = models.PositiveIntegerField("年度")
    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="review_results")
    village = models.ForeignKey(Village, verbose_name="村(社区)", on_delete=models.PROTECT, related_name="review_results")
    township = models.ForeignKey(Township, verbose_name="乡镇(街道)", on_delete=models.PROTECT, related_name="review_results")
    status = models.CharField("状态", max_length=20, choices=choices.ResultStatus.choices)
    score = models.DecimalField("综合得分", max_digits=6, decimal_places=2, null=True, blank=True)
    score_explanation = models.TextField("得分计算过程", blank=True)
    computed_grade = models.CharField("计算等次", max_length=30, blank=True)
    grade_explanation = models.TextField("等次依据", blank=True)
    quota_status = models.CharField("名额", max_length=20, choices=choices.QuotaStatus.choices, blank=True)
    override_grade = models.CharField("人工确定等次", max_length=30, blank=True)
    override_reason = models.CharField("人工确定理由", max_length=300, blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="确定人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    override_at = models.DateTimeField("确定时间", null=True, blank=True)
    grade = models.CharField("等次", max_length=30, blank=True, db_index=True)
    grade_label = models.CharField("等次名称", max_length=30, blank=True)
    rank = models.PositiveIntegerField("村排名", null=True, blank=True)
    rank_total = models.PositiveIntegerField("参与排名村数", null=True, blank=True)
    village_category = models.CharField("村类别", max_length=20, blank=True)
    village_category_label = models.CharField("村类别名称", max_length=30, blank=True)
    category_explanation = models.CharField("类别依据", max_length=300, blank=True)
    stars = models.PositiveSmallIntegerField("星级", default=0)
    star_reasons = models.JSONField("星级理由", default=list, blank=True)
    locked = models.BooleanField("已锁定（公示后）", default=False)
    computed_at = models.DateTimeField("计算时间", null=True, blank=True)
    history = HistoricalRecords(verbose_name="考核结果变更记录", excluded_fields=["computed_at"])

    objects = ReviewResultQuerySet.as_manager()

    class Meta:
        verbose_name = "考核结果"
        verbose_name_plural = "考核结果"
        ordering = ["year", "township_id", "rank", "id"]
        permissions = [
            ("override_result", "人工确定等次（须填写理由）"),
            ("resolve_tie", "乡镇决定名额边界并列人选"),
            ("amend_result", "公示后更正结果（须填写理由）"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(override_grade="") | ~Q(override_reason=""),
                name="assessments_reviewresult_override_has_reason",
                violation_error_message="人工确定等次须填写理由。",
            ),
        ]
        indexes = [
            # Result tables (per township and county), ordered by rank; the pay ledger.
            models.Index(fields=["year", "township", "rank"], name="assess_result_year_township"),
            models.Index(fields=["person", "year"], name="assess_result_person_year"),
        ]

    def __str__(self) -> str:
        return f"{self.year}年度 {self.person}：{self.grade_label or self.get_status_display()}"

    @property
    def stars_text(self) -> str:
        return "★" * self.stars


class ResultAmendmentQuerySet(ScopedQuerySet):
    township_path = "result__township_id"


class ResultAmendment(models.Model):
    """A correction of a locked result: what changed, from what to what, why, who, when."""

    result = models.ForeignKey(ReviewResult, verbose_name="考核结果", on_delete=models.CASCADE, related_name="amendments")
    field = models.CharField("更正项目", max_length=40)
    old_value = models.CharField("原值", max_length=100, blank=True)
    new_value = models.CharField("新值", max_length=100, blank=True)
    reason = models.CharField("更正理由", max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="更正人", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("更正时间", auto_now_add=True)

    objects = ResultAmendmentQuerySet.as_manager()

    class Meta:
        verbose_name = "结果更正"
        verbose_name_plural = "结果更正"
        ordering = ["result", "at", "id"]

    def __str__(self) -> str:
        return f"{self.result}：{self.field} {self.old_value} → {self.new_value}"


# ---------------------------------------------------------------------------------------------
# Consequence proposals
# ---------------------------------------------------------------------------------------------


class ConsequenceProposalQuerySet(ScopedQuerySet):
    township_path = "review__township_id"

    def open(self):
        return self.filter(status=choices.ProposalStatus.PROPOSED)

    def with_related(self):
        return self.select_related("person", "review__village", "review__township", "decided_by")


class ConsequenceProposal(models.Model):
    """A consequence the rollup proposes and county staff confirm (诫勉、调整、再测评、免职)."""

    review = models.ForeignKey(AnnualReview, verbose_name="考核对象", on_delete=models.CASCADE, related_name="proposals")
    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="review_proposals")
    year = models.PositiveIntegerField("年度")
    kind = models.CharField("处理", max_length=20, choices=choices.ProposalKind.choices)
    status = models.CharField(
        "状态", max_length=20, choices=choices.ProposalStatus.choices, default=choices.ProposalStatus.PROPOSED, db_index=True
    )
    reason = models.CharField("依据", max_length=300)
    start_date = models.DateField("开始日期", null=True, blank=True)
    end_date = models.DateField("截止日期", null=True, blank=True)
    votes_for = models.PositiveIntegerField("再测评满意票", null=True, blank=True)
    votes_total = models.PositiveIntegerField("再测评有效票", null=True, blank=True)
    decision_note = models.CharField("处理意见", max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="处理人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    created_at = models.DateTimeField("提出时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="考核后续处理变更记录")

    objects = ConsequenceProposalQuerySet.as_manager()

    class Meta:
        verbose_name = "考核后续处理"
        verbose_name_plural = "考核后续处理"
        ordering = ["-year", "status", "id"]
        permissions = [("decide_proposal", "确认或不采纳考核后续处理建议")]
        constraints = [
            models.UniqueConstraint(fields=["review", "kind"], name="assessments_consequenceproposal_once_per_kind"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(start_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="assessments_consequenceproposal_end_after_start",
                violation_error_message="截止日期不能早于开始日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}年度 {self.person}：{self.get_kind_display()}（{self.get_status_display()}）"


# ---------------------------------------------------------------------------------------------
# Rollup runs (progress of the Celery computation)
# ---------------------------------------------------------------------------------------------


class RollupRunQuerySet(ScopedQuerySet):
    township_path = "township_id"


class RollupRun(models.Model):
    """One run of the year rollup for the county (township empty) or one township."""

    year = models.PositiveIntegerField("年度", db_index=True)
    township = models.ForeignKey(
        Township, verbose_name="范围（乡镇）", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField("状态", max_length=20, choices=choices.RunStatus.choices, default=choices.RunStatus.QUEUED)
    scheduled = models.BooleanField("定时任务", default=False)
    progress_done = models.PositiveIntegerField("已处理", default=0)
    progress_total = models.PositiveIntegerField("总数", default=0)
    step = models.CharField("当前步骤", max_length=100, blank=True)
    counts = models.JSONField("统计", default=dict, blank=True)
    message = models.TextField("说明", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("发起时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = RollupRunQuerySet.as_manager()

    class Meta:
        verbose_name = "年度汇总计算"
        verbose_name_plural = "年度汇总计算"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        scope = self.township.name if self.township_id else "全县"
        return f"{self.year}年度汇总（{scope}）：{self.get_status_display()}"

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 100 if self.status == choices.RunStatus.DONE else 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def is_running(self) -> bool:
        return self.status in (choices.RunStatus.QUEUED, choices.RunStatus.RUNNING)


class RollupRunPart(models.Model):
    """One township's share of a rollup run, computed by its own Celery task: first its scores
    (``standing``, what the county-wide quota and ranking need), then, after the final step has
    ranked every township, its results (``assigned`` → ReviewResult rows, one transaction).
    A re-run of a failed run does again only the townships not yet done."""

    run = models.ForeignKey(RollupRun, verbose_name="汇总计算", on_delete=models.CASCADE, related_name="parts")
    township = models.ForeignKey(Township, verbose_name="乡镇(街道)", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=20, choices=choices.PartStatus.choices, default=choices.PartStatus.PENDING)
    standing = models.JSONField("得分和等次（排名前）", default=list, blank=True)
    assigned = models.JSONField("名额和排名结果", default=dict, blank=True)
    counts = models.JSONField("统计", default=dict, blank=True)
    message = models.CharField("说明", max_length=500, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "年度汇总计算（乡镇）"
        verbose_name_plural = "年度汇总计算（乡镇）"
        ordering = ["run", "township_id"]
        constraints = [models.UniqueConstraint(fields=["run", "township"], name="assessments_rolluprunpart_once_per_township")]

    def __str__(self) -> str:
        return f"{self.run_id} {self.township_id} {self.get_status_display()}"
