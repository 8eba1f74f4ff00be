"""First secretaries' spot checks (抽查) and annual grades: the unexcused absences of a year cap
the grade as the year's policy says. Imported by ``cadres.models`` so the models belong to the
cadres app."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.models import HistoricalRecords

from . import choices
from .querysets import FirstSecretaryGradeQuerySet, SpotCheckQuerySet


class SpotCheck(models.Model):
    """An unannounced spot check (抽查) of a first secretary in the village. An absence that was
    on reported leave (请假已报备) is not counted; the unexcused absences of a year cap the annual
    grade as the year's policy says (register.spot_check_caps)."""

    posting = models.ForeignKey(
        "cadres.FirstSecretary", verbose_name="第一书记", on_delete=models.PROTECT, related_name="spot_checks"
    )
    date = models.DateField("抽查日期")
    result = models.CharField("抽查结果", max_length=10, choices=choices.SpotCheckResult.choices)
    excused = models.BooleanField("请假已报备", default=False, help_text="缺勤但已按规定请假报备的，不计入缺勤次数。")
    checker = models.CharField("检查人", max_length=50)
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords(verbose_name="抽查记录变更记录")

    objects = SpotCheckQuerySet.as_manager()

    class Meta:
        verbose_name = "第一书记抽查"
        verbose_name_plural = "第一书记抽查"
        ordering = ["posting", "-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["posting", "date"],
                name="cadres_spotcheck_one_per_day",
                violation_error_message="该第一书记当天已有抽查记录。",
            ),
            models.CheckConstraint(
                condition=Q(result=choices.SpotCheckResult.ABSENT) | Q(excused=False),
                name="cadres_spotcheck_excused_only_if_absent",
                violation_error_message="只有缺勤才有“请假已报备”。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.posting.person} {self.date}：{self.get_result_display()}"

    @property
    def counted(self) -> bool:
        return self.result == choices.SpotCheckResult.ABSENT and not self.excused


class FirstSecretaryGrade(models.Model):
    """The county's annual grade of a first secretary (the opinion sent to the sending unit): the
    grade proposed and the grade that stands once the year's spot-check absences cap it."""

    posting = models.ForeignKey("cadres.FirstSecretary", verbose_name="第一书记", on_delete=models.PROTECT, related_name="grades")
    year = models.PositiveIntegerField("年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    proposed = models.CharField("拟定等次", max_length=20, choices=choices.FirstSecretaryGrade.choices)
    grade = models.CharField("考核等次", max_length=20, choices=choices.FirstSecretaryGrade.choices)
    absences = models.PositiveSmallIntegerField("抽查缺勤次数", default=0)
    reason = models.CharField("等次说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords(verbose_name="第一书记年度考核变更记录")

    objects = FirstSecretaryGradeQuerySet.as_manager()

    class Meta:
        verbose_name = "第一书记年度考核"
        verbose_name_plural = "第一书记年度考核"
        ordering = ["posting", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["posting", "year"],
                name="cadres_firstsecretarygrade_one_per_year",
                violation_error_message="该第一书记本年度已有考核等次。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.posting.person} {self.year}年度：{self.get_grade_display()}"
