"""Training (培训): sessions, enrolment and daily attendance, education upgrades (学历提升).

Rules that span rows live in services.py and the pure rule module rules.py; models hold fields,
one-row facts and DB invariants. Every QuerySet can narrow itself to one township for
``core.scope.scoped``.

Scope: a session organised by a township belongs to that township; a county-or-above session
(``township`` empty) is visible to every township, but its roster is not — enrolments and
attendance belong to the township of the person's village at enrolment.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from cadres.choices import Education
from cadres.models import Person, ScopedQuerySet, Township, Village
from core.expressions import SubqueryCount
from core.models import HistoricalRecords

from . import rules
from .choices import AttendanceStatus, Audience, Certificate, DayLength, Kind, Level, UpgradeKind, UpgradeStatus


class TrainingSessionQuerySet(ScopedQuerySet):
    def for_township(self, township_id: int):
        return self.filter(Q(township_id=township_id) | Q(township__isnull=True))

    def for_year(self, year: int):
        return self.filter(start_date__year=year)

    def with_related(self):
        return (
            self.select_related("township")
            .annotate(enrolled=SubqueryCount(Enrollment.objects.filter(session=models.OuterRef("pk"))))
            .order_by("-start_date", "-id")
        )


class TrainingSession(models.Model):
    """培训班: one course with its days (full or half), level, kind, topics and audience."""

    code = models.CharField("培训班编号", max_length=20, unique=True, help_text="系统生成，如 PX2025-003；签到表按此编号导入。")
    title = models.CharField("培训班名称", max_length=100)
    level = models.CharField("层级", max_length=20, choices=Level.choices)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    topics = models.JSONField("培训内容", default=list, blank=True, help_text="政策配置中的培训内容代码。")
    audiences = models.JSONField("培训对象", default=list, blank=True)
    organiser = models.CharField("主办单位", max_length=100)
    place = models.CharField("培训地点", max_length=100, blank=True)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    half_days = models.JSONField(
        "半天的日期", default=list, blank=True, help_text="按半天计的日期，如 2026-03-05；其余日期按全天计。"
    )
    off_days = models.JSONField(
        "不安排的日期", default=list, blank=True, help_text="开始至结束之间不安排培训的日期（如周末），如 2026-03-07。"
    )
    hours_override = models.DecimalField(
        "认定总学时",
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.1"))],
        help_text="如网络学习按平台学时认定；留空则按天数折算。",
    )
    capacity = models.PositiveIntegerField("计划人数", null=True, blank=True)
    township = models.ForeignKey(
        Township,
        verbose_name="组织乡镇",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_sessions",
        help_text="乡镇组织的培训填写；县级及以上培训留空。",
    )
    note = models.TextField("备注", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="培训班变更记录")

    objects = TrainingSessionQuerySet.as_manager()

    class Meta:
        verbose_name = "培训班"
        verbose_name_plural = "培训班"
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="training_trainingsession_end_after_start",
                violation_error_message="结束日期不能早于开始日期。",
            ),
        ]
        indexes = [
            # Session list (newest first) and the coverage report (sessions of a year).
            models.Index(fields=["start_date"], name="training_session_start"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def year(self) -> int:
        return self.start_date.year

    @property
    def half_day_dates(self) -> set[datetime.date]:
        return {datetime.date.fromisoformat(d) for d in self.half_days}

    @property
    def off_day_dates(self) -> set[datetime.date]:
        return {datetime.date.fromisoformat(d) for d in self.off_days}

    def days(self) -> list[tuple[datetime.date, str]]:
        """Scheduled days (全天/半天), in order: 第N天 is the Nth."""
        return rules.session_days(self.start_date, self.end_date, self.half_day_dates, self.off_day_dates)

    def schedule(self) -> list[tuple[datetime.date, str]]:
        """Every calendar day from start to end, 不安排 included."""
        return rules.calendar_schedule(self.start_date, self.end_date, self.half_day_dates, self.off_day_dates)

    @property
    def is_county_or_above(self) -> bool:
        return self.level != Level.TOWNSHIP

    def audience_labels(self) -> list[str]:
        labels = dict(Audience.choices)
        return [labels.get(a, a) for a in self.audiences]

    def day_count_label(self) -> str:
        days = self.days()
        full = sum(1 for _, length in days if length == DayLength.FULL)
        half = len(days) - full
        off = sum(1 for _, length in self.schedule() if length == DayLength.OFF)
        return f"{full}个全天" + (f"、{half}个半天" if half else "") + (f"（{off}天不安排）" if off else "")


class EnrollmentQuerySet(ScopedQuerySet):
    township_path = "township_id"

    def for_year(self, year: int):
        return self.filter(session__start_date__year=year)

    def with_related(self):
        return self.select_related("person", "village", "township", "session")


class Enrollment(models.Model):
    """One person on one session's roster, with the hours and certificate computed from the
    attendance by the year's policy (stored, so that reports are one aggregate query)."""

    session = models.ForeignKey(TrainingSession, verbose_name="培训班", on_delete=models.PROTECT, related_name="enrollments")
    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="training_enrollments")
    township = models.ForeignKey(Township, verbose_name="所属乡镇", on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(
        Village, verbose_name="所在村(社区)", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    post_name = models.CharField("职务", max_length=60, blank=True, help_text="报名时的职务。")
    hours_credited = models.DecimalField("认定学时", max_digits=6, decimal_places=1, default=Decimal("0.0"))
    missed = models.PositiveSmallIntegerField("缺勤及迟到早退次数", default=0)
    certificate = models.CharField("结业证书", max_length=20, choices=Certificate.choices, default=Certificate.PENDING)
    note = models.CharField("备注", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("报名时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="参训记录变更记录")

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        verbose_name = "参训记录"
        verbose_name_plural = "参训记录"
        ordering = ["session", "township", "village", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"],
                name="training_enrollment_one_per_session",
                violation_error_message="此人已在该培训班名单中。",
            ),
            models.CheckConstraint(
                condition=Q(hours_credited__gte=0),
                name="training_enrollment_hours_not_negative",
                violation_error_message="学时不能为负。",
            ),
        ]
        indexes = [
            # Person page and coverage report: hours per person.
            models.Index(fields=["person", "session"], name="training_enrol_person"),
        ]

    def __str__(self) -> str:
        # No foreign keys here: the person page lists history rows by their str().
        return f"参训记录#{self.pk}（{self.hours_credited}学时，{self.get_certificate_display()}）"


class AttendanceQuerySet(ScopedQuerySet):
    township_path = "enrollment__township_id"


class Attendance(models.Model):
    """One person's attendance on one day of a session (出勤/请假/缺勤/迟到早退)."""

    enrollment = models.ForeignKey(Enrollment, verbose_name="参训记录", on_delete=models.CASCADE, related_name="attendance")
    date = models.DateField("日期")
    status = models.CharField("考勤", max_length=20, choices=AttendanceStatus.choices)
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords(verbose_name="考勤变更记录")

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = "考勤"
        verbose_name_plural = "考勤"
        ordering = ["enrollment", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "date"],
                name="training_attendance_one_per_day",
                violation_error_message="同一天只能有一条考勤。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_status_display()}"


class EducationUpgradeQuerySet(ScopedQuerySet):
    township_path = "township_id"

    def with_related(self):
        return self.select_related("person", "township", "village")


class EducationUpgrade(models.Model):
    """学历提升 / 农民大学生: one person's programme with its tuition and diploma subsidies."""

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="education_upgrades")
    township = models.ForeignKey(Township, verbose_name="所属乡镇", on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(
        Village, verbose_name="所在村(社区)", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField("类别", max_length=20, choices=UpgradeKind.choices, default=UpgradeKind.FARMER_COLLEGE)
    school = models.CharField("就读院校", max_length=100)
    programme = models.CharField("专业", max_length=100)
    level = models.CharField("学历层次", max_length=20, choices=Education.choices)
    enrolled_on = models.DateField("入学时间")
    expected_graduation = models.DateField("预计毕业时间")
    actual_graduation = models.DateField("实际毕业时间", null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=UpgradeStatus.choices, default=UpgradeStatus.STUDYING, db_index=True)
    tuition_fee = models.DecimalField("学费（元）", max_digits=10, decimal_places=2, null=True, blank=True)
    tuition_subsidy = models.DecimalField("学费补贴（元）", max_digits=10, decimal_places=2, null=True, blank=True)
    tuition_subsidy_date = models.DateField("学费补贴核定日期", null=True, blank=True)
    diploma_subsidy = models.DecimalField("学历补贴（元）", max_digits=10, decimal_places=2, null=True, blank=True)
    diploma_subsidy_date = models.DateField("学历补贴核定日期", null=True, blank=True)
    note = models.TextField("备注", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="学历提升变更记录")

    objects = EducationUpgradeQuerySet.as_manager()

    class Meta:
        verbose_name = "学历提升"
        verbose_name_plural = "学历提升"
        ordering = ["-enrolled_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_graduation__gt=models.F("enrolled_on")),
                name="training_educationupgrade_expected_after_enrolment",
                violation_error_message="预计毕业时间须晚于入学时间。",
            ),
            models.CheckConstraint(
                condition=Q(actual_graduation__isnull=True) | Q(actual_graduation__gt=models.F("enrolled_on")),
                name="training_educationupgrade_graduation_after_enrolment",
                violation_error_message="实际毕业时间须晚于入学时间。",
            ),
            models.CheckConstraint(
                condition=Q(tuition_subsidy__isnull=True) | Q(tuition_subsidy_date__isnull=False),
                name="training_educationupgrade_tuition_dated",
                violation_error_message="学费补贴须有核定日期。",
            ),
            models.CheckConstraint(
                condition=Q(diploma_subsidy__isnull=True) | Q(actual_graduation__isnull=False),
                name="training_educationupgrade_diploma_after_graduation",
                violation_error_message="取得学历后才能核定学历补贴。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school}{self.programme}（{self.get_level_display()}）"
