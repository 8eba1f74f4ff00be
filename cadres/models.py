"""The register: townships, villages, people (一人一档), appointments, joint review, first secretaries.

Rules that span rows live in services.py; models hold fields, one-row facts and DB invariants.
Every model's QuerySet knows how to narrow itself to one township (``for_township``), which is
what the single scoping function in ``core.scope`` uses.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, NullIf

from core import dates as core_dates
from core.models import (
    AbstractExportLog,
    AbstractImportBatch,
    AbstractPolicyProfile,
    HistoricalRecords,
    ScopedQuerySet,
    private_storage,
)

from . import choices
from .idcard import id_number_validator
from .querysets import (  # noqa: F401  (the current-on-date helpers are imported from here too)
    AppointmentQuerySet,
    DepartmentVerdictQuerySet,
    ExportLogQuerySet,
    FilingEventQuerySet,
    FirstSecretaryQuerySet,
    ImportBatchQuerySet,
    PersonQuerySet,
    PresenceMonthQuerySet,
    QualificationReviewQuerySet,
    TownshipQuerySet,
    UserQuerySet,
    VillageFlagQuerySet,
    VillageQuerySet,
    appointment_current_q,
    appointment_pending_q,
    first_secretary_current_q,
    holds_on,
    register_person_township_link,
)

# ---------------------------------------------------------------------------------------------
# Users
# ---------------------------------------------------------------------------------------------


class TouyanUserManager(UserManager.from_queryset(UserQuerySet)):
    """Django's user manager (create_user …) with the scope filter ``for_township``."""


class User(AbstractUser):
    """A department or township user. The role decides the data scope (see core.scope)."""

    full_name = models.CharField("姓名", max_length=50, blank=True)
    role = models.CharField("角色", max_length=20, choices=choices.Role.choices, default=choices.Role.COUNTY)
    township = models.ForeignKey(
        "cadres.Township",
        verbose_name="所属乡镇",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text="乡镇组织委员必填：只能查看和维护本乡镇数据。",
    )
    phone = models.CharField("联系电话", max_length=20, blank=True)
    must_change_password = models.BooleanField(
        "须修改密码", default=False, help_text="管理员设置临时密码后，用户下次登录须先修改密码。"
    )
    # Who changed a user's role, township or status, and when (系统管理 → 操作日志). The password
    # hash and the login time are not kept (a login is in the login log, not a change).
    history = HistoricalRecords(verbose_name="用户变更记录", excluded_fields=["password", "last_login"])

    objects = TouyanUserManager()

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        permissions = [("view_history", "查看变更记录和登录日志")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=choices.Role.CLERK) | Q(township__isnull=False),
                name="cadres_user_clerk_has_township",
                violation_error_message="乡镇组织委员必须指定所属乡镇。",
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @staticmethod
    def name_expression(path: str):
        """``str(user)`` in SQL for the user at ``path`` (``"reviewed_by"``): read with the rows
        that name a user, instead of a user instance each. NULL where there is no user."""
        return Coalesce(NullIf(F(f"{path}__full_name"), Value("")), F(f"{path}__username"))

    @property
    def is_clerk(self) -> bool:
        return self.role == choices.Role.CLERK and not self.is_superuser

    @property
    def is_county(self) -> bool:
        return self.is_superuser or self.role in (choices.Role.COUNTY, choices.Role.ADMIN)

    @property
    def is_auditor(self) -> bool:
        return self.role == choices.Role.AUDITOR and not self.is_superuser

    @property
    def sees_all_townships(self) -> bool:
        return self.is_superuser or self.role in (
            choices.Role.COUNTY,
            choices.Role.AUDITOR,
            choices.Role.ADMIN,
        )


# ---------------------------------------------------------------------------------------------
# Townships and villages
# ---------------------------------------------------------------------------------------------


class Township(models.Model):
    """乡镇/街道."""

    name = models.CharField("名称", max_length=50, unique=True)
    code = models.CharField(
        "区划代码",
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^\d{9,12}$", "区划代码应为9–12位数字。")],
    )
    kind = models.CharField("类型", max_length=20, choices=choices.TownshipKind.choices, default=choices.TownshipKind.TOWNSHIP)
    sort_order = models.PositiveIntegerField("排序", default=0)
    history = HistoricalRecords(verbose_name="乡镇变更记录")

    objects = TownshipQuerySet.as_manager()

    class Meta:
        verbose_name = "乡镇(街道)"
        verbose_name_plural = "乡镇(街道)"
        ordering = ["sort_order", "code"]
        # Lists in the register's order (township, then village) walk the townships in this
        # index and stop at the page's last row instead of sorting every row of a prefecture.
        indexes = [models.Index(fields=["sort_order", "code"], name="cadres_township_order")]

    def __str__(self) -> str:
        return self.name


class Village(models.Model):
    """村/社区 with its statistical code and population."""

    township = models.ForeignKey(Township, verbose_name="乡镇(街道)", on_delete=models.PROTECT, related_name="villages")
    name = models.CharField("名称", max_length=50)
    code = models.CharField(
        "村(社区)代码",
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^\d{12}$", "村(社区)代码应为12位统计用区划代码。")],
    )
    kind = models.CharField("类型", max_length=20, choices=choices.VillageKind.choices, default=choices.VillageKind.VILLAGE)
    population = models.PositiveIntegerField("户籍人口", default=0)
    households = models.PositiveIntegerField("户数", default=0)
    party_members = models.PositiveIntegerField("党员数", default=0)
    note = models.TextField("备注", blank=True)
    history = HistoricalRecords(verbose_name="村(社区)变更记录")

    objects = VillageQuerySet.as_manager()

    class Meta:
        verbose_name = "村(社区)"
        verbose_name_plural = "村(社区)"
        permissions = [("manage_village", "修改村(社区)名称、代码和所属乡镇")]
        ordering = ["township__sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "name"],
                name="cadres_village_unique_name_in_township",
                violation_error_message="本乡镇已有同名村(社区)。",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def current_secretary(self):
        """From the prefetch of ``with_related()``; None when the post is vacant."""
        secs = getattr(self, "current_secretaries", None)
        if secs is None:
            secs = list(Appointment.objects.current().filter(village=self, post=choices.SECRETARY).select_related("person"))
        return secs[0] if secs else None


class VillageFlag(models.Model):
    """A dated type flag on a village (软弱涣散村 2024-03 起 …)."""

    village = models.ForeignKey(Village, verbose_name="村(社区)", on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField("类型", max_length=30, choices=choices.VillageFlagKind.choices)
    start_date = models.DateField("认定日期")
    end_date = models.DateField("摘帽/销号日期", null=True, blank=True)
    basis = models.CharField("认定依据", max_length=200, blank=True)
    history = HistoricalRecords(verbose_name="村类型变更记录")

    objects = VillageFlagQuerySet.as_manager()

    class Meta:
        verbose_name = "村类型标记"
        verbose_name_plural = "村类型标记"
        ordering = ["village", "kind", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="cadres_villageflag_end_after_start",
                violation_error_message="摘帽/销号日期不能早于认定日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.get_kind_display()}"

    def is_current(self, on: datetime.date | None = None) -> bool:
        on = on or core_dates.today()
        return self.start_date <= on and (self.end_date is None or self.end_date >= on)


# ---------------------------------------------------------------------------------------------
# People (一人一档)
# ---------------------------------------------------------------------------------------------


class Person(models.Model):
    """One person's file (一人一档). Birth date and sex are derived from the ID number."""

    id_number = models.CharField("身份证号", max_length=18, unique=True, validators=[id_number_validator])
    name = models.CharField("姓名", max_length=30)  # indexed with id in Meta (the lists' order)
    sex = models.CharField("性别", max_length=1, choices=choices.Sex.choices)
    birth_date = models.DateField("出生日期")
    ethnicity = models.CharField("民族", max_length=10, choices=choices.ETHNICITY_CHOICES, default="汉族")
    native_place = models.CharField("籍贯", max_length=50, blank=True)
    political_status = models.CharField(
        "政治面貌", max_length=20, choices=choices.PoliticalStatus.choices, default=choices.PoliticalStatus.MEMBER
    )
    party_join_date = models.DateField("入党时间", null=True, blank=True)
    work_start_date = models.DateField("参加工作时间", null=True, blank=True)
    education_fulltime = models.CharField("全日制学历", max_length=20, choices=choices.Education.choices, blank=True)
    education_inservice = models.CharField("在职学历", max_length=20, choices=choices.Education.choices, blank=True)
    school_major = models.CharField("毕业院校及专业", max_length=100, blank=True)
    degree_fulltime = models.CharField("全日制学位", max_length=30, blank=True)
    school_major_inservice = models.CharField("在职教育毕业院校及专业", max_length=100, blank=True)
    degree_inservice = models.CharField("在职学位", max_length=30, blank=True)
    birthplace = models.CharField("出生地", max_length=50, blank=True)
    health = models.CharField("健康状况", max_length=30, blank=True)
    professional_title = models.CharField("专业技术职务", max_length=50, blank=True)
    specialty = models.CharField("熟悉专业有何专长", max_length=100, blank=True)
    photo = models.ImageField(
        "一寸照",
        upload_to="photos/%Y/",
        storage=private_storage,
        max_length=200,
        blank=True,
        help_text="免冠证件照（一寸），JPG 或 PNG。",
    )
    phone = models.CharField(
        "联系电话",
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$", "请输入11位手机号或带区号的固定电话。")],
    )
    is_veteran = models.BooleanField("退役军人", default=False)
    is_returned_graduate = models.BooleanField("返乡大学生", default=False, help_text="高校毕业后返乡（含大学生村官）。")
    registered_township = models.ForeignKey(
        Township,
        verbose_name="建档乡镇",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registered_people",
    )
    note = models.TextField("备注", blank=True)
    created_at = models.DateTimeField("建档时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords(
        verbose_name="人员信息变更记录",
        excluded_fields=["updated_at"],
        no_db_index=["id_number", "name", "registered_township"],  # history is read by person (id)
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        permissions = [("view_personal_data", "查看完整身份证号和联系电话")]
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(party_join_date__isnull=True) | Q(party_join_date__gt=models.F("birth_date")),
                name="cadres_person_party_after_birth",
                violation_error_message="入党时间不能早于出生日期。",
            )
        ]
        # The lists' order. Not db_index on name: on PostgreSQL that adds a second, pattern-ops
        # index for LIKE 'x%', which no search uses (names are searched by 包含, icontains) and
        # every insert maintains.
        indexes = [models.Index(fields=["name", "id"], name="cadres_person_name_order")]

    def __str__(self) -> str:
        return self.name

    def age_on(self, on: datetime.date) -> int:
        years = on.year - self.birth_date.year
        if (on.month, on.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years

    @property
    def age(self) -> int:
        return self.age_on(core_dates.today())

    @property
    def highest_education(self) -> str:
        levels = [lv for lv in (self.education_fulltime, self.education_inservice) if lv]
        return max(levels) if levels else ""

    def get_highest_education_display(self) -> str:
        level = self.highest_education
        return choices.Education(level).label if level else ""

    @property
    def masked_id_number(self) -> str:
        return f"{self.id_number[:6]}********{self.id_number[-4:]}"


class PersonRecordQuerySet(ScopedQuerySet):
    def for_township(self, township_id: int):
        return self.filter(person__in=Person.objects.for_township(township_id))


class PersonRecord(models.Model):
    """Dated honours, sanctions and career outcomes (奖惩、发展去向)."""

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.CASCADE, related_name="records")
    kind = models.CharField("类别", max_length=20, choices=choices.RecordKind.choices)
    date = models.DateField("日期")
    level = models.CharField("级别", max_length=20, choices=choices.RecordLevel.choices, blank=True)
    title = models.CharField("名称/事由", max_length=200)
    issuer = models.CharField("决定机关", max_length=100, blank=True)
    document_no = models.CharField("文号", max_length=100, blank=True)
    end_date = models.DateField("影响期截止", null=True, blank=True, help_text="处分影响期截止日期（如有）。")
    note = models.TextField("备注", blank=True)
    history = HistoricalRecords(verbose_name="奖惩记录变更记录")

    objects = PersonRecordQuerySet.as_manager()

    class Meta:
        verbose_name = "奖惩及发展去向"
        verbose_name_plural = "奖惩及发展去向"
        ordering = ["person", "-date"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.title}"


# ---------------------------------------------------------------------------------------------
# Appointments and filing (备案)
# ---------------------------------------------------------------------------------------------


class Appointment(models.Model):
    """Person × village × post × dates. One person may hold several posts at once."""

    # person/village/post/status have no single-column indexes: the composite indexes in Meta lead
    # with them (fewer indexes = a 10,000-row import's COPY maintains fewer b-trees). village_id's
    # own index was dropped by name (cadres/0015): Django's schema editor, told db_index=False,
    # drops every index on exactly that column — on PostgreSQL the partial unique index behind
    # one_current_secretary too (tests/cadres/test_services.py caught it).
    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="appointments", db_index=False)
    village = models.ForeignKey(
        Village, verbose_name="村(社区)", on_delete=models.PROTECT, related_name="appointments", db_index=False
    )
    post = models.CharField("职务", max_length=30)
    post_name = models.CharField("职务名称", max_length=50, help_text="任职时的职务名称（取自当年政策配置）。")
    start_date = models.DateField("任职时间")
    end_date = models.DateField("离任时间", null=True, blank=True)
    end_reason = models.CharField("离任原因", max_length=20, choices=choices.EndReason.choices, blank=True)
    cohort = models.PositiveIntegerField(
        "换届届次(年份)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1990), MaxValueValidator(2100)],
        help_text="如 2021、2026；届中补选可留空。",
    )
    status = models.CharField("备案状态", max_length=20, choices=choices.FilingStatus.choices, default=choices.FilingStatus.DRAFT)
    # Indexed only where set (cadres_appt_review below): most posts link no review, and every
    # import's COPY paid for an index entry of each one's empty link.
    qualification_review = models.ForeignKey(
        "cadres.QualificationReview",
        verbose_name="资格联审",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
        db_index=False,
    )
    note = models.TextField("备注", blank=True)
    # No index: nothing lists appointments by who entered them (deleting a user, rare, scans).
    # No database constraint either, like the history rows' user: every insert paid a check of
    # the user's row at commit (a quarter of a 10,000-row import's commit); deleting a user who
    # entered appointments is still refused, by the ORM (PROTECT), and users are deactivated,
    # never deleted, in use.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    # History is read by record (id) and by person/village; the other copied indexes only cost writes.
    history = HistoricalRecords(verbose_name="任职变更记录", no_db_index=["post", "status", "created_by", "qualification_review"])

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = "任职"
        verbose_name_plural = "任职"
        permissions = [
            ("approve_appointment", "乡镇审核任职（备案第一步）"),
            ("file_appointment", "县级备案任职（备案第二步）"),
        ]
        ordering = ["village", "post", "-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["village"],
                condition=Q(post=choices.SECRETARY, status=choices.FilingStatus.FILED, end_date__isnull=True),
                name="cadres_appointment_one_current_secretary",
                violation_error_message="该村(社区)已有现任党组织书记，请先办理其离任。",
            ),
            models.UniqueConstraint(
                fields=["person", "village", "post"],
                condition=Q(end_date__isnull=True) & ~Q(status=choices.FilingStatus.REJECTED),
                name="cadres_appointment_no_duplicate_open_post",
                violation_error_message="此人在该村(社区)已有相同职务的在任或待备案记录。",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="cadres_appointment_end_after_start",
                violation_error_message="离任时间不能早于任职时间。",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | ~Q(end_reason=""),
                name="cadres_appointment_end_has_reason",
                violation_error_message="离任须填写离任原因。",
            ),
        ]
        indexes = [
            # Person page and village page: current posts.
            models.Index(fields=["village", "status", "end_date"], name="cadres_appt_village_current"),
            models.Index(fields=["person", "status", "end_date"], name="cadres_appt_person_current"),
            models.Index(fields=["post", "status", "end_date"], name="cadres_appt_post_current"),
            # A review's posts (its page, and the PROTECT check when a review is deleted).
            models.Index(
                fields=["qualification_review"], name="cadres_appt_review", condition=models.Q(qualification_review__isnull=False)
            ),
            # The 任职备案 page's and the API list's default order (录入先后): a page of 50 is read
            # from the index instead of sorting every appointment of a prefecture.
            models.Index(fields=["created_at", "id"], name="cadres_appt_created"),
            # The 任职备案 page's default tab (待办: drafts and township-approved filings, 录入先后):
            # a few hundred rows among a prefecture's 140k, read in order from this partial index.
            models.Index(
                fields=["created_at", "id"],
                name="cadres_appt_queue",
                condition=models.Q(status__in=[choices.FilingStatus.DRAFT, choices.FilingStatus.TOWNSHIP_APPROVED]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.village} {self.post_name}"

    def is_current_on(self, on: datetime.date) -> bool:
        return self.status == choices.FilingStatus.FILED and holds_on(self.start_date, self.end_date, on)

    @property
    def is_current(self) -> bool:
        """Held today (``appointment_current_q``)."""
        return self.is_current_on(core_dates.today())

    @property
    def is_pending(self) -> bool:
        """待任: filed, not ended, its start date still to come."""
        return self.status == choices.FilingStatus.FILED and self.end_date is None and self.start_date > core_dates.today()

    @property
    def tenure_label(self) -> str:
        """在任 / 待任 / 已离任 for filed appointments, "" for filings in progress."""
        if self.status != choices.FilingStatus.FILED:
            return ""
        if self.is_pending:
            return "待任"
        return "在任" if self.is_current else "已离任"

    @property
    def is_secretary(self) -> bool:
        return self.post == choices.SECRETARY


class FilingEvent(models.Model):
    """One step of the filing workflow: who moved the appointment from what to what, and when."""

    appointment = models.ForeignKey(Appointment, verbose_name="任职", on_delete=models.CASCADE, related_name="filing_events")
    from_status = models.CharField("原状态", max_length=20, choices=choices.FilingStatus.choices, blank=True)
    to_status = models.CharField("新状态", max_length=20, choices=choices.FilingStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField("时间", auto_now_add=True)
    note = models.CharField("意见", max_length=300, blank=True)

    objects = FilingEventQuerySet.as_manager()

    class Meta:
        verbose_name = "备案流程记录"
        verbose_name_plural = "备案流程记录"
        ordering = ["appointment", "at", "id"]

    def __str__(self) -> str:
        return f"{self.appointment}: {self.get_to_status_display()}"


# ---------------------------------------------------------------------------------------------
# Qualification joint review (资格联审)
# ---------------------------------------------------------------------------------------------


class QualificationReview(models.Model):
    """凡进必审: one review of a candidate, one verdict per vetting department."""

    person = models.ForeignKey(Person, verbose_name="人选", on_delete=models.PROTECT, related_name="qualification_reviews")
    village = models.ForeignKey(
        Village, verbose_name="拟任村(社区)", on_delete=models.PROTECT, related_name="qualification_reviews"
    )
    post = models.CharField("拟任职务", max_length=30)
    post_name = models.CharField("拟任职务名称", max_length=50)
    cohort = models.PositiveIntegerField("换届届次(年份)", null=True, blank=True)
    outcome = models.CharField(
        "联审结论", max_length=20, choices=choices.VettingResult.choices, default=choices.VettingResult.PENDING, db_index=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提请人", on_delete=models.PROTECT, null=True, related_name="+"
    )
    requested_at = models.DateTimeField("提请时间", auto_now_add=True)
    concluded_at = models.DateTimeField("办结时间", null=True, blank=True)
    note = models.TextField("备注", blank=True)
    history = HistoricalRecords(verbose_name="资格联审变更记录")

    objects = QualificationReviewQuerySet.as_manager()

    class Meta:
        verbose_name = "资格联审"
        verbose_name_plural = "资格联审"
        permissions = [
            ("record_vetting", "录入部门联审意见"),
            ("view_vetting_details", "查看各部门联审意见明细"),
        ]
        ordering = ["-requested_at", "-id"]
        # The list page's and the API's order, read backwards: a page without sorting every review.
        indexes = [models.Index(fields=["requested_at", "id"], name="cadres_qr_requested")]

    def __str__(self) -> str:
        return f"{self.person} 拟任 {self.village}{self.post_name}"


class DepartmentVerdict(models.Model):
    """One vetting department's result for one review (department list comes from the policy)."""

    review = models.ForeignKey(QualificationReview, verbose_name="资格联审", on_delete=models.CASCADE, related_name="verdicts")
    department_code = models.CharField("部门代码", max_length=20)
    department_name = models.CharField("审查部门", max_length=50)
    sort = models.PositiveIntegerField("排序", default=0)
    result = models.CharField(
        "审查结果", max_length=20, choices=choices.VettingResult.choices, default=choices.VettingResult.PENDING
    )
    negative_item_code = models.CharField("负面清单条目", max_length=20, blank=True)
    negative_item_text = models.CharField("负面清单情形", max_length=200, blank=True)
    warning_text = models.CharField("关注提示", max_length=200, blank=True)
    note = models.CharField("审查意见", max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField("审查时间", null=True, blank=True)
    history = HistoricalRecords(verbose_name="部门审查意见变更记录")

    objects = DepartmentVerdictQuerySet.as_manager()

    class Meta:
        verbose_name = "部门审查意见"
        verbose_name_plural = "部门审查意见"
        ordering = ["review", "sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "department_code"], name="cadres_departmentverdict_one_per_department"),
            models.CheckConstraint(
                condition=~Q(result=choices.VettingResult.FAIL) | ~Q(negative_item_code=""),
                name="cadres_departmentverdict_fail_cites_item",
                violation_error_message="审查不通过须选择负面清单情形。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department_name}：{self.get_result_display()}"


# ---------------------------------------------------------------------------------------------
# First secretaries (驻村第一书记)
# ---------------------------------------------------------------------------------------------


class FirstSecretary(models.Model):
    """A posting of an agency cadre as resident first secretary of a village."""

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="first_secretary_postings")
    village = models.ForeignKey(Village, verbose_name="驻村", on_delete=models.PROTECT, related_name="first_secretaries")
    sending_unit = models.CharField("派出单位", max_length=100, db_index=True)
    original_title = models.CharField("原职务/职级", max_length=100, blank=True)
    batch = models.CharField("选派批次", max_length=50, blank=True)
    term_start = models.DateField("驻村开始")
    term_end = models.DateField("驻村期满")
    status = models.CharField(
        "状态",
        max_length=20,
        choices=choices.FirstSecretaryStatus.choices,
        default=choices.FirstSecretaryStatus.ACTIVE,
        db_index=True,
    )
    ended_on = models.DateField("实际离村日期", null=True, blank=True)
    end_note = models.CharField("召回/离村说明", max_length=300, blank=True)
    history = HistoricalRecords(verbose_name="第一书记变更记录")

    objects = FirstSecretaryQuerySet.as_manager()

    class Meta:
        verbose_name = "驻村第一书记"
        verbose_name_plural = "驻村第一书记"
        ordering = ["term_end", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["village"],
                condition=Q(status=choices.FirstSecretaryStatus.ACTIVE),
                name="cadres_firstsecretary_one_active_per_village",
                violation_error_message="该村(社区)已有在岗的驻村第一书记。",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status=choices.FirstSecretaryStatus.ACTIVE),
                name="cadres_firstsecretary_one_active_per_person",
                violation_error_message="此人已在其他村(社区)担任在岗的驻村第一书记。",
            ),
            models.CheckConstraint(
                condition=Q(term_end__gt=models.F("term_start")),
                name="cadres_firstsecretary_term_end_after_start",
                violation_error_message="驻村期满日期须晚于开始日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}（{self.sending_unit}）驻{self.village}"

    def is_current_on(self, on: datetime.date) -> bool:
        if not (self.term_start <= on <= self.term_end):
            return False
        return self.ended_on is None or self.ended_on > on or self.ended_on >= self.term_end

    @property
    def is_current(self) -> bool:
        return self.is_current_on(core_dates.today())

    @property
    def is_pending(self) -> bool:
        """待到岗: sent (在岗 status) but the term starts later."""
        return self.status == choices.FirstSecretaryStatus.ACTIVE and self.term_start > core_dates.today()

    def days_to_expiry(self, on: datetime.date | None = None) -> int:
        return (self.term_end - (on or core_dates.today())).days


class PresenceMonth(models.Model):
    """Days a first secretary spent in the village in one month (≥20-day rule from the policy)."""

    first_secretary = models.ForeignKey(
        FirstSecretary, verbose_name="第一书记", on_delete=models.CASCADE, related_name="presence"
    )
    month = models.DateField("月份", help_text="该月1日。")
    days_in_village = models.PositiveSmallIntegerField("在村天数", validators=[MaxValueValidator(31)])
    leave_days = models.PositiveSmallIntegerField("请假天数", default=0, validators=[MaxValueValidator(31)])
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, null=True, related_name="+"
    )
    history = HistoricalRecords(verbose_name="驻村天数变更记录")

    objects = PresenceMonthQuerySet.as_manager()

    class Meta:
        verbose_name = "驻村天数"
        verbose_name_plural = "驻村天数"
        ordering = ["first_secretary", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["first_secretary", "month"], name="cadres_presencemonth_one_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="cadres_presencemonth_first_of_month"),
            models.CheckConstraint(
                condition=Q(days_in_village__lte=31) & Q(leave_days__lte=31),
                name="cadres_presencemonth_days_in_range",
                violation_error_message="天数不能超过31天。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_secretary.person} {self.month:%Y-%m}：{self.days_in_village}天"


# ---------------------------------------------------------------------------------------------
# Yearly policy profile
# ---------------------------------------------------------------------------------------------


class PolicyProfile(AbstractPolicyProfile):
    """The county's rules for one year, as data. Each app owns a section (see core.policy)."""

    history = HistoricalRecords(verbose_name="政策配置变更记录")

    class Meta(AbstractPolicyProfile.Meta):
        pass


# ---------------------------------------------------------------------------------------------
# Spreadsheet imports and exports
# ---------------------------------------------------------------------------------------------


class ImportBatch(AbstractImportBatch):
    """One uploaded file and what became of it (who, when, checksum, counts, rollback data)."""

    township = models.ForeignKey(
        Township, verbose_name="乡镇(街道)", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ImportBatchQuerySet.as_manager()

    class Meta(AbstractImportBatch.Meta):
        pass


class ExportLog(AbstractExportLog):
    """Who downloaded which list, with which filters and how many rows (personal data)."""

    township = models.ForeignKey(
        Township, verbose_name="用户所属乡镇", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ExportLogQuerySet.as_manager()

    class Meta(AbstractExportLog.Meta):
        pass


# The dossier's supplementary parts (family, résumé, appointment requests) and the first
# secretaries' spot checks and annual grades live in their own modules.
from .dossier_models import AppointmentRequest, FamilyMember, ResumeEntry  # noqa: E402,F401
from .spot_check_models import FirstSecretaryGrade, SpotCheck  # noqa: E402,F401
