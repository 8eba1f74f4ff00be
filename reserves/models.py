"""The reserve pool (村级后备力量): candidates tied to the register's Person, their pipeline steps,
mentoring, practice posts, yearly appraisals and Party path.

Rules that span rows live in services.py; pure rule math in rules.py. Every QuerySet narrows
itself to a township through the candidate's village (``township_path``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

from cadres.models import ScopedQuerySet
from core.models import HistoricalRecords

from .choices import OPEN_STATUSES, ExitReason, MentorMode, PartyStage, Status

COHORT_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]


class ReserveCandidateQuerySet(ScopedQuerySet):
    township_path = "village__township_id"

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def pooled(self):
        """入库: what counts towards a village's target."""
        return self.filter(status=Status.POOLED)

    def for_cohort(self, cohort: int | None):
        return self.filter(cohort=cohort) if cohort else self

    def with_related(self):
        """Everything the list page, API list and ledgers show per row (no per-row queries)."""
        active_mentors = (
            Mentorship.objects.filter(candidate=OuterRef("pk"), end_date__isnull=True)
            .order_by()
            .values("candidate")
            .annotate(n=Count("id"))
            .values("n")
        )
        # A correlated subquery rather than a JOIN + GROUP BY: the COUNT for pagination stays a
        # plain count and the model ordering is kept.
        return self.select_related("person", "village__township", "qualification_review", "appointment").annotate(
            mentor_count=Coalesce(Subquery(active_mentors), 0)
        )

    def with_development(self):
        """with_related() plus the development records (village ledger, person page, detail)."""
        return self.with_related().prefetch_related(
            Prefetch("mentorships", queryset=Mentorship.objects.order_by("start_date", "id")),
            Prefetch("practice_posts", queryset=PracticePost.objects.order_by("start_date", "id")),
            Prefetch("appraisals", queryset=Appraisal.objects.order_by("year", "id")),
            Prefetch("party_stages", queryset=PartyStageRecord.objects.order_by("date", "id")),
        )


class ReserveCandidate(models.Model):
    """One person in one village's reserve for one election cohort (一人一档: the register's Person)."""

    person = models.ForeignKey("cadres.Person", verbose_name="人员", on_delete=models.PROTECT, related_name="reserve_records")
    village = models.ForeignKey(
        "cadres.Village", verbose_name="村(社区)", on_delete=models.PROTECT, related_name="reserve_candidates"
    )
    cohort = models.PositiveIntegerField("换届届次(年份)", validators=COHORT_VALIDATORS, help_text="如 2026 年换届。")
    source = models.CharField("来源类别", max_length=30, help_text="取自当年政策配置的来源类别代码。")
    source_name = models.CharField("来源类别名称", max_length=50)
    intended_post = models.CharField("拟培养职务", max_length=30)
    intended_post_name = models.CharField("拟培养职务名称", max_length=50)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.SURVEYED, db_index=True)
    surveyed_on = models.DateField("摸底日期")
    qualification_review = models.ForeignKey(
        "cadres.QualificationReview",
        verbose_name="资格联审",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reserve_candidates",
    )
    appointment = models.ForeignKey(
        "cadres.Appointment", verbose_name="任用记录", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_on = models.DateField("任用/退出日期", null=True, blank=True)
    exit_reason = models.CharField("退出原因", max_length=30, choices=ExitReason.choices, blank=True)
    adjustment_proposed_on = models.DateField(
        "建议调整日期", null=True, blank=True, help_text="年度测评较差时系统提出“调整出库并补充”的建议。"
    )
    adjustment_note = models.CharField("调整建议", max_length=300, blank=True)
    note = models.TextField("备注", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="后备力量变更记录")

    objects = ReserveCandidateQuerySet.as_manager()

    class Meta:
        verbose_name = "后备力量"
        verbose_name_plural = "后备力量"
        ordering = ["village__township__sort_order", "village__code", "cohort", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "cohort"],
                condition=Q(status__in=OPEN_STATUSES),
                name="reserves_reservecandidate_one_open_per_cohort",
                violation_error_message="此人在该届次已是后备力量（尚未任用或退出）。",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[Status.POOLED, Status.APPOINTED]) | Q(qualification_review__isnull=False),
                name="reserves_reservecandidate_pool_needs_review",
                violation_error_message="入库须有资格联审记录。",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.APPOINTED) | Q(appointment__isnull=False),
                name="reserves_reservecandidate_appointed_has_appointment",
                violation_error_message="已任用须关联任职记录。",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.EXITED) | ~Q(exit_reason=""),
                name="reserves_reservecandidate_exit_has_reason",
                violation_error_message="退出须填写退出原因。",
            ),
        ]
        indexes = [
            # Coverage page and village ledger: pool members per village and cohort.
            models.Index(fields=["village", "cohort", "status"], name="reserves_cand_village_cohort"),
            # Candidate list filtered by cohort and status.
            models.Index(fields=["cohort", "status"], name="reserves_cand_cohort_status"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.village} {self.cohort}届后备"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ReserveEventQuerySet(ScopedQuerySet):
    township_path = "candidate__village__township_id"


class ReserveEvent(models.Model):
    """One dated, attributed step of the pipeline (村级摸底 → 乡镇推荐 → 县级审核 → 入库 → 已任用/退出)."""

    candidate = models.ForeignKey(ReserveCandidate, verbose_name="后备力量", on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField("原状态", max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField("新状态", max_length=20, choices=Status.choices)
    date = models.DateField("办理日期")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="办理人", on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField("录入时间", auto_now_add=True)
    note = models.CharField("意见", max_length=300, blank=True)

    objects = ReserveEventQuerySet.as_manager()

    class Meta:
        verbose_name = "后备力量流程记录"
        verbose_name_plural = "后备力量流程记录"
        ordering = ["candidate", "at", "id"]

    def __str__(self) -> str:
        return f"{self.candidate}: {self.get_to_status_display()}"


class ChildQuerySet(ScopedQuerySet):
    township_path = "candidate__village__township_id"

    def active(self):
        return self.filter(end_date__isnull=True)


class Mentorship(models.Model):
    """导师帮带: a mentor (township leader, village-contact cadre, first secretary, 两委 member …) for a reserve."""

    candidate = models.ForeignKey(ReserveCandidate, verbose_name="后备力量", on_delete=models.CASCADE, related_name="mentorships")
    mentor_type = models.CharField("导师类型", max_length=30)
    mentor_type_name = models.CharField("导师类型名称", max_length=50)
    mentor_name = models.CharField("导师姓名", max_length=30)
    mentor_title = models.CharField("导师职务", max_length=100, blank=True)
    mentor_person = models.ForeignKey(
        "cadres.Person", verbose_name="导师档案", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    start_date = models.DateField("帮带开始")
    end_date = models.DateField("帮带结束", null=True, blank=True)
    note = models.CharField("帮带内容", max_length=300, blank=True)
    history = HistoricalRecords(verbose_name="导师帮带变更记录")

    objects = ChildQuerySet.as_manager()

    class Meta:
        verbose_name = "导师帮带"
        verbose_name_plural = "导师帮带"
        ordering = ["candidate", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="reserves_mentorship_end_after_start",
                violation_error_message="帮带结束日期不能早于开始日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mentor_name}（{self.mentor_type_name}）带 {self.candidate.person}"


class PracticePost(models.Model):
    """定岗锻炼: a practice post with dates and an assessment note."""

    candidate = models.ForeignKey(
        ReserveCandidate, verbose_name="后备力量", on_delete=models.CASCADE, related_name="practice_posts"
    )
    post = models.CharField("锻炼岗位", max_length=30)
    post_name = models.CharField("锻炼岗位名称", max_length=50)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", null=True, blank=True)
    assessment = models.CharField("锻炼评价", max_length=300, blank=True)
    history = HistoricalRecords(verbose_name="定岗锻炼变更记录")

    objects = ChildQuerySet.as_manager()

    class Meta:
        verbose_name = "定岗锻炼"
        verbose_name_plural = "定岗锻炼"
        ordering = ["candidate", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="reserves_practicepost_end_after_start",
                violation_error_message="结束日期不能早于开始日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate.person} {self.post_name}"


class AppraisalQuerySet(ScopedQuerySet):
    township_path = "candidate__village__township_id"


class Appraisal(models.Model):
    """年度测评 by the village Party organisation; a poor result proposes removal and replacement."""

    candidate = models.ForeignKey(ReserveCandidate, verbose_name="后备力量", on_delete=models.CASCADE, related_name="appraisals")
    year = models.PositiveIntegerField("年度", validators=COHORT_VALIDATORS)
    result = models.CharField("测评结果", max_length=30)
    result_name = models.CharField("测评结果名称", max_length=50)
    is_poor = models.BooleanField("结果较差", default=False)
    date = models.DateField("测评日期")
    note = models.CharField("测评意见", max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords(verbose_name="年度测评变更记录")

    objects = AppraisalQuerySet.as_manager()

    class Meta:
        verbose_name = "年度测评"
        verbose_name_plural = "年度测评"
        ordering = ["candidate", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "year"],
                name="reserves_appraisal_one_per_year",
                violation_error_message="该后备力量本年度已有测评结果。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.candidate.person} {self.year}年度 {self.result_name}"


class PartyStageQuerySet(ScopedQuerySet):
    township_path = "candidate__village__township_id"


class PartyStageRecord(models.Model):
    """A dated stage of the Party path of a non-member reserve (申请入党 … 正式党员)."""

    candidate = models.ForeignKey(
        ReserveCandidate, verbose_name="后备力量", on_delete=models.CASCADE, related_name="party_stages"
    )
    stage = models.CharField("阶段", max_length=20, choices=PartyStage.choices)
    date = models.DateField("日期")
    until = models.DateField("延长至", null=True, blank=True, help_text="仅“延长预备期”填写。")
    note = models.CharField("备注", max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords(verbose_name="入党进程变更记录")

    objects = PartyStageQuerySet.as_manager()

    class Meta:
        verbose_name = "入党进程"
        verbose_name_plural = "入党进程"
        ordering = ["candidate", "date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "stage"],
                name="reserves_partystagerecord_one_per_stage",
                violation_error_message="该阶段已记录。",
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(stage=PartyStage.EXTENSION),
                name="reserves_partystagerecord_until_only_for_extension",
                violation_error_message="只有“延长预备期”需要填写截止日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate.person} {self.get_stage_display()} {self.date}"


def mentor_mode(active_mentors: int) -> str:
    """一带一 with one active mentor, 多带一 with several."""
    return MentorMode.MANY_TO_ONE.label if active_mentors > 1 else MentorMode.ONE_TO_ONE.label
