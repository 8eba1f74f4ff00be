"""The pay ledger: periods, pay runs, append-only ledger entries, pay accounts, benefit records.

Ledger entries are never edited or deleted: the model refuses updates and deletes, its QuerySet
refuses ``update()``/``delete()``, and corrections are reversing entries with a reason
(services.ledger_entry_reverse). Every model's QuerySet narrows to one township (core.scope).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q, Sum

from cadres.models import Person, ScopedQuerySet, Township, Village
from core.models import HistoricalRecords

from .choices import BenefitKind, EntrySource, EntryType, PartStatus, PeriodKind, RunKind, RunStatus, StopReason

MONEY = {"max_digits": 12, "decimal_places": 2}


class PersonScopedQuerySet(ScopedQuerySet):
    """Rows about a person: visible to a clerk when the person belongs to the township."""

    def for_township(self, township_id: int):
        return self.filter(person__in=Person.objects.for_township(township_id).values("pk"))


# ---------------------------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------------------------


class PayPeriodQuerySet(ScopedQuerySet):
    """Periods are county-wide reference data: every township sees every period."""

    def for_township(self, township_id: int):
        return self


class PayPeriod(models.Model):
    """A month (2025-03) or a year (2025) of pay. Once locked, only reversals may be posted."""

    code = models.CharField("期间", max_length=7, unique=True, help_text="月度如 2025-03，年度如 2025。")
    kind = models.CharField("类型", max_length=10, choices=PeriodKind.choices)
    year = models.PositiveIntegerField("年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    month = models.PositiveSmallIntegerField(
        "月份", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    locked_at = models.DateTimeField("锁定时间", null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="锁定人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords(verbose_name="发放期间变更记录")

    objects = PayPeriodQuerySet.as_manager()

    class Meta:
        verbose_name = "发放期间"
        verbose_name_plural = "发放期间"
        ordering = ["-year", "-month"]
        permissions = [("lock_payperiod", "锁定/解锁发放期间")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=PeriodKind.MONTH) & Q(month__isnull=False)) | (Q(kind=PeriodKind.YEAR) & Q(month__isnull=True)),
                name="subsidies_payperiod_month_matches_kind",
                violation_error_message="月度期间须有月份，年度期间不填月份。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}年{self.month}月" if self.month else f"{self.year}年度"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


# ---------------------------------------------------------------------------------------------
# Pay accounts (bank cards) and per-person flags
# ---------------------------------------------------------------------------------------------


class PayAccount(models.Model):
    """Where a person is paid, and the facts the rules need about the person (pension insurance,
    孤寡/无子女). Card numbers are shown in full only with ``subsidies.view_bank_account``."""

    person = models.OneToOneField(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="pay_account")
    bank_name = models.CharField("开户银行", max_length=50, blank=True)
    account_number = models.CharField(
        "银行卡号", max_length=30, blank=True, validators=[RegexValidator(r"^\d{12,30}$", "银行卡号应为12–30位数字。")]
    )
    account_holder = models.CharField("户名", max_length=30, blank=True, help_text="留空则为本人姓名。")
    pension_insured = models.BooleanField("参加基本养老保险", default=False)
    pension_at_standard = models.BooleanField("按补贴标准缴费", default=False)
    living_extra = models.BooleanField("孤寡/无子女（生活补贴加发）", default=False)
    note = models.CharField("备注", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords(verbose_name="报酬账户变更记录", excluded_fields=["updated_at"])

    objects = PersonScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "报酬账户"
        verbose_name_plural = "报酬账户"
        ordering = ["person"]
        permissions = [("view_bank_account", "查看完整银行卡号（财务）")]

    def __str__(self) -> str:
        return f"{self.person} {self.bank_name}"

    @property
    def masked_number(self) -> str:
        n = self.account_number
        return f"{n[:4]}{'*' * (len(n) - 8)}{n[-4:]}" if len(n) > 8 else n


def mask_account(number: str) -> str:
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}" if number and len(number) > 8 else number


# ---------------------------------------------------------------------------------------------
# Pay runs
# ---------------------------------------------------------------------------------------------


class PayRunQuerySet(ScopedQuerySet):
    township_path = "township_id"

    def with_related(self):
        return self.select_related("period", "township", "created_by", "prepared_by", "approved_by", "paid_by")

    def open(self):
        return self.exclude(status=RunStatus.CANCELLED)


class PayRun(models.Model):
    """One computation of one kind of pay for one period and one township (or the whole county):
    previewed as lines, prepared by the township, approved (posted to the ledger) by the county,
    then marked paid with the bank batch reference."""

    kind = models.CharField("批次类型", max_length=30, choices=RunKind.choices)
    period = models.ForeignKey(PayPeriod, verbose_name="期间", on_delete=models.PROTECT, related_name="runs")
    township = models.ForeignKey(
        Township, verbose_name="乡镇(街道)", on_delete=models.PROTECT, null=True, blank=True, related_name="pay_runs"
    )
    status = models.CharField("状态", max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True)
    policy_year = models.PositiveIntegerField("政策年度")
    progress_done = models.PositiveIntegerField("已处理", default=0)
    progress_total = models.PositiveIntegerField("总数", default=0)
    progress_step = models.CharField("进度阶段", max_length=40, blank=True)
    line_count = models.PositiveIntegerField("人数", default=0)
    total_amount = models.DecimalField("合计金额", default=Decimal("0.00"), **MONEY)
    message = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="乡镇确认人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    prepared_at = models.DateTimeField("乡镇确认时间", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="县级审批人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField("县级审批时间", null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发放登记人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    paid_at = models.DateTimeField("发放时间", null=True, blank=True)
    bank_batch_ref = models.CharField("银行批次号", max_length=60, blank=True)
    history = HistoricalRecords(verbose_name="发放批次变更记录")

    objects = PayRunQuerySet.as_manager()

    class Meta:
        verbose_name = "发放批次"
        verbose_name_plural = "发放批次"
        ordering = ["-created_at", "-id"]
        permissions = [
            ("prepare_payrun", "乡镇确认发放批次"),
            ("approve_payrun", "县级审批发放批次（入账）"),
            ("pay_payrun", "登记银行发放"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "period", "township"],
                condition=~Q(status=RunStatus.CANCELLED),
                name="subsidies_payrun_one_open_per_scope",
                violation_error_message="该期间该范围已有同类发放批次。",
            ),
            models.CheckConstraint(
                condition=~Q(status=RunStatus.PAID) | ~Q(bank_batch_ref=""),
                name="subsidies_payrun_paid_has_bank_ref",
                violation_error_message="登记发放须填写银行批次号。",
            ),
        ]
        indexes = [models.Index(fields=["period", "kind"], name="subsidies_run_period_kind")]  # pay-run list

    def __str__(self) -> str:
        return f"{self.period} {self.get_kind_display()}（{self.township or '全县'}）"

    @property
    def scope_label(self) -> str:
        return self.township.name if self.township_id else "全县"

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 100 if self.status not in (RunStatus.QUEUED, RunStatus.COMPUTING, RunStatus.POSTING) else 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def is_running(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.COMPUTING, RunStatus.POSTING)


class PayRunPart(models.Model):
    """One township's share of a pay run: its preview lines are computed, and later posted to the
    ledger, by its own Celery task (in one transaction each), so that the work spreads over all
    workers. The run is previewed (posted) only when every part is computed (posted); a re-run
    after a failure does again only the parts not done."""

    run = models.ForeignKey(PayRun, verbose_name="发放批次", on_delete=models.CASCADE, related_name="parts")
    township = models.ForeignKey(Township, verbose_name="乡镇(街道)", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=20, choices=PartStatus.choices, default=PartStatus.PENDING)
    line_count = models.PositiveIntegerField("明细笔数", default=0)
    total_amount = models.DecimalField("预览合计", default=Decimal("0.00"), **MONEY)
    posted_count = models.PositiveIntegerField("入账笔数", default=0)
    posted_amount = models.DecimalField("入账合计", default=Decimal("0.00"), **MONEY)
    notes = models.JSONField("提示", default=list, blank=True)
    message = models.CharField("说明", max_length=500, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "发放批次（乡镇）"
        verbose_name_plural = "发放批次（乡镇）"
        ordering = ["run", "township_id"]
        constraints = [models.UniqueConstraint(fields=["run", "township"], name="subsidies_payrunpart_once_per_township")]

    def __str__(self) -> str:
        return f"{self.run_id} {self.township_id} {self.get_status_display()}"


class PayRunLineQuerySet(ScopedQuerySet):
    township_path = "township_id"

    def with_related(self):
        return self.select_related("person", "village", "township")


class PayRunLine(models.Model):
    """A previewed amount (not yet in the ledger). Lines are replaced when a preview is
    recomputed and frozen once the run is approved; the ledger entries are the record."""

    run = models.ForeignKey(PayRun, verbose_name="发放批次", on_delete=models.CASCADE, related_name="lines")
    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey(Township, verbose_name="乡镇(街道)", on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(
        Village, verbose_name="村(社区)", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entry_type = models.CharField("类型", max_length=20, choices=EntryType.choices)
    amount = models.DecimalField("金额", **MONEY)
    rule = models.CharField("规则", max_length=60)
    inputs = models.JSONField("计算依据", default=dict)
    explanation = models.CharField("计算说明", max_length=500)
    source_ref = models.CharField("来源记录", max_length=60, blank=True)
    warning = models.CharField("提示", max_length=300, blank=True)
    # A ¥0 line says why (subsidies.rules.ZeroReason): 未参保, 未到龄, 该职务不享受 … It stays in
    # the preview and the run's record; the ledger takes only the lines with an amount.
    zero_reason = models.CharField("未发放原因", max_length=100, blank=True)

    objects = PayRunLineQuerySet.as_manager()

    class Meta:
        verbose_name = "发放明细（预览）"
        verbose_name_plural = "发放明细（预览）"
        ordering = ["run", "township", "person_id", "id"]
        # One township's lines of a run: computed, replaced and posted township by township
        # (services/payrun_parts.py) — without it each township scans the whole run's 50,000 lines.
        indexes = [
            models.Index(fields=["run", "township"], name="subsidies_line_run_twp"),
            # 未发放明细 on a run's page (lines whose amount came out 0: why nothing was paid): the
            # few such lines are read from here instead of filtering the run's 50,000 lines.
            models.Index(fields=["run", "township"], name="subsidies_line_zero", condition=models.Q(amount=0)),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.amount}"


# ---------------------------------------------------------------------------------------------
# The ledger
# ---------------------------------------------------------------------------------------------


class AppendOnlyError(ValidationError):
    pass


class LedgerEntryQuerySet(ScopedQuerySet):
    township_path = "township_id"

    def with_related(self):
        return self.select_related("person", "township", "village", "period", "pay_run", "created_by", "reversed_by_entry")

    def total(self) -> Decimal:
        return self.aggregate(t=Sum("amount"))["t"] or Decimal("0.00")

    def update(self, **kwargs):
        raise AppendOnlyError("账目只能追加，不能修改；请录入冲销更正。")

    def delete(self):
        raise AppendOnlyError("账目只能追加，不能删除；请录入冲销更正。")


class LedgerEntry(models.Model):
    """One amount owed to one person for one period: append-only, explained, traceable."""

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="ledger_entries")
    township = models.ForeignKey(Township, verbose_name="乡镇(街道)", on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(
        Village, verbose_name="村(社区)", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    period = models.ForeignKey(
        PayPeriod, verbose_name="期间", on_delete=models.PROTECT, related_name="entries", db_index=False
    )  # indexed by subsidies_entry_period_amount (period first)
    entry_type = models.CharField("类型", max_length=20, choices=EntryType.choices)
    amount = models.DecimalField("金额（元）", **MONEY)
    source = models.CharField("来源", max_length=20, choices=EntrySource.choices)
    pay_run = models.ForeignKey(
        PayRun, verbose_name="发放批次", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    rule = models.CharField("规则", max_length=60, blank=True)
    inputs = models.JSONField("计算依据", default=dict, blank=True)
    explanation = models.CharField("计算说明", max_length=500)
    source_ref = models.CharField("来源记录", max_length=60, blank=True, help_text="如学历提升记录、导入批次。")
    reverses = models.OneToOneField(
        "self", verbose_name="冲销的账目", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by_entry"
    )
    reason = models.CharField("事由", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记账人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("记账时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="账目记录")

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "账目"
        verbose_name_plural = "账目"
        ordering = ["-period__year", "-period__month", "township", "person_id", "id"]
        permissions = [("reverse_ledgerentry", "冲销更正账目")]
        constraints = [
            models.UniqueConstraint(
                fields=["pay_run", "person", "entry_type", "source_ref"],
                condition=Q(pay_run__isnull=False) & Q(reverses__isnull=True),
                name="subsidies_ledgerentry_once_per_run",
                violation_error_message="该人员在本批次已有同类账目。",
            ),
            models.CheckConstraint(
                condition=~Q(amount=0), name="subsidies_ledgerentry_nonzero", violation_error_message="金额不能为0。"
            ),
            models.CheckConstraint(
                condition=Q(reverses__isnull=True) | ~Q(reason=""),
                name="subsidies_ledgerentry_reversal_has_reason",
                violation_error_message="冲销更正须填写事由。",
            ),
        ]
        indexes = [
            # Ledger list, bank sheet and reconciliation: one township's period.
            models.Index(fields=["township", "period", "entry_type"], name="subsidies_entry_twp_period"),
            # Person page: a person's pay history.
            models.Index(fields=["person", "period"], name="subsidies_entry_person"),
            # Period totals (dashboard, reconciliation) read the index alone, not 100,000s of rows.
            models.Index(fields=["period", "amount"], name="subsidies_entry_period_amount"),
            # Ledger list (keyset pages, views.EntryListView): a township's newest entries first …
            models.Index(fields=["township", "-id"], name="subsidies_entry_twp_newest"),
            # … and the whole ledger by amount (either direction).
            models.Index(fields=["amount", "id"], name="subsidies_entry_amount_id"),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.get_entry_type_display()} {self.amount}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("账目只能追加，不能修改；请录入冲销更正。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("账目只能追加，不能删除；请录入冲销更正。")

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


# ---------------------------------------------------------------------------------------------
# Living-subsidy stops and benefit records
# ---------------------------------------------------------------------------------------------


class LivingSubsidyStop(models.Model):
    """A termination of a departed cadre's living subsidy; takes effect from the following year."""

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="living_subsidy_stops")
    date = models.DateField("发生日期")
    reason = models.CharField("终止情形", max_length=20, choices=StopReason.choices)
    note = models.CharField("说明", max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords(verbose_name="生活补贴终止变更记录")

    objects = PersonScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "生活补贴终止"
        verbose_name_plural = "生活补贴终止"
        ordering = ["person", "-date"]

    def __str__(self) -> str:
        return f"{self.person} {self.get_reason_display()}（{self.date}）"


class BenefitRecord(models.Model):
    """Group accident insurance, health checks, counselling: per-person yearly benefit records."""

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="benefit_records")
    kind = models.CharField("待遇", max_length=30, choices=BenefitKind.choices)
    year = models.PositiveIntegerField("年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    date = models.DateField("日期", null=True, blank=True)
    provider = models.CharField("承办单位", max_length=100, blank=True)
    cost = models.DecimalField("费用（元）", null=True, blank=True, **MONEY)
    note = models.CharField("说明", max_length=200, blank=True)
    history = HistoricalRecords(verbose_name="待遇记录变更记录")

    objects = PersonScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "保险体检待遇"
        verbose_name_plural = "保险体检待遇"
        ordering = ["person", "-year", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["person", "kind", "year"], name="subsidies_benefitrecord_once_a_year"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.year} {self.get_kind_display()}"
