"""The parts of 一人一档 that the 干部任免审批表 and .lrmx exchange need beyond the register:
家庭主要成员及重要社会关系, 简历 (dated lines) and the free-text parts of one 任免 request.

奖惩情况 come from ``PersonRecord`` and 年度考核结果 from the yearly reviews; they are not copied here.
Imported by ``cadres.models`` so the models belong to the cadres app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import HistoricalRecords, ScopedQuerySet


class PersonPartQuerySet(ScopedQuerySet):
    """Rows that belong to one person: in a township's scope when the person is."""

    def for_township(self, township_id: int):
        from .models import Person

        return self.filter(person__in=Person.objects.for_township(township_id))


class FamilyMember(models.Model):
    """家庭主要成员及重要社会关系: one line of the table on the 干部任免审批表."""

    person = models.ForeignKey("cadres.Person", verbose_name="人员", on_delete=models.CASCADE, related_name="family_members")
    relation = models.CharField("称谓", max_length=20)
    name = models.CharField("姓名", max_length=30)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    political_status = models.CharField("政治面貌", max_length=20, blank=True)
    work_unit = models.CharField("工作单位及职务", max_length=100, blank=True)
    sort = models.PositiveSmallIntegerField("排序", default=0)
    history = HistoricalRecords(verbose_name="家庭成员变更记录")

    objects = PersonPartQuerySet.as_manager()

    class Meta:
        verbose_name = "家庭主要成员及重要社会关系"
        verbose_name_plural = "家庭主要成员及重要社会关系"
        ordering = ["person", "sort", "id"]

    def __str__(self) -> str:
        return f"{self.relation}：{self.name}"


class ResumeEntry(models.Model):
    """One dated line of 简历 (e.g. 2008.09—2012.07 在某某大学某某专业学习)."""

    person = models.ForeignKey("cadres.Person", verbose_name="人员", on_delete=models.CASCADE, related_name="resume_entries")
    start_date = models.DateField("起始时间")
    end_date = models.DateField("截止时间", null=True, blank=True, help_text="空白表示至今。")
    text = models.CharField("经历", max_length=200)
    history = HistoricalRecords(verbose_name="简历变更记录")

    objects = PersonPartQuerySet.as_manager()

    class Meta:
        verbose_name = "简历"
        verbose_name_plural = "简历"
        ordering = ["person", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="cadres_resume_end_after_start",
                violation_error_message="截止时间不能早于起始时间。",
            )
        ]

    def __str__(self) -> str:
        return self.text


class AppointmentRequest(models.Model):
    """The free-text parts of one 任免 request, kept per request (拟任、拟免、任免理由 …)."""

    person = models.ForeignKey(
        "cadres.Person", verbose_name="人员", on_delete=models.CASCADE, related_name="appointment_requests"
    )
    appointment = models.ForeignKey(
        "cadres.Appointment",
        verbose_name="对应任职",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
    )
    proposed_post = models.CharField("拟任职务", max_length=200, blank=True)
    proposed_removal = models.CharField("拟免职务", max_length=200, blank=True)
    reason = models.TextField("任免理由", blank=True)
    reporting_unit = models.CharField("呈报单位", max_length=100, blank=True)
    reporting_opinion = models.TextField("呈报单位意见", blank=True)
    approval_opinion = models.TextField("审批机关意见", blank=True)
    filled_on = models.DateField("填表时间", null=True, blank=True)
    filled_by = models.CharField("填表人", max_length=30, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="任免审批变更记录")

    objects = PersonPartQuerySet.as_manager()

    class Meta:
        verbose_name = "任免审批"
        verbose_name_plural = "任免审批"
        ordering = ["person", "-created_at", "-id"]

    def __str__(self) -> str:
        return self.proposed_post or self.proposed_removal or "任免审批"
