"""Abstract bases of the framework models, and the scoped queryset.

The concrete models live in the register app (``cadres``): the scope unit (township) is a register
entity, and the tables, content types and permission names (``cadres.view_importbatch`` …) stay
where every existing database has them. The frame reaches the concrete classes through
:mod:`core.conf`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.manager import HistoryDescriptor
from simple_history.models import HistoricalRecords as _HistoricalRecords


class HistoricalRecords(_HistoricalRecords):
    """The change history of a model (django-simple-history), as every app declares it.

    Its user column (history_user, who made the change) is an ordinary reference without a
    database constraint, like every other reference a history row keeps (simple-history writes
    those without one: a history row records what was, it does not hold the row it names). The
    ORM still sets it to NULL when a user is deleted. What the constraint cost: a check and a
    share lock on the user's row for every history row written — 20,000 of them in a
    10,000-row import — and the lock, taken by every transaction that writes history, made
    concurrent writers by the same user (a worker's pay-run townships) share it."""

    def __init__(self, *args, user_db_constraint: bool = False, **kwargs):
        super().__init__(*args, user_db_constraint=user_db_constraint, **kwargs)

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        plain = sender.__dict__.get(self.manager_name)
        if isinstance(plain, HistoryDescriptor):
            setattr(sender, self.manager_name, _HistoryDescriptor(plain.model, plain.manager_class, plain.queryset_class))


class _HistoryDescriptor(HistoryDescriptor):
    """``Model.history`` with its manager class built once. simple-history's descriptor builds a
    new manager class (``from_queryset``, which inspects every queryset method) on every access:
    ≈0.1 ms each, twenty of them for a person's 变更记录."""

    def __init__(self, model, manager, queryset):
        super().__init__(model, manager=manager, queryset=queryset)
        self.manager = manager.from_queryset(queryset)

    def __get__(self, instance, owner):
        return self.manager(self.model, instance)


class ScopedQuerySet(models.QuerySet):
    """A QuerySet that can narrow itself to one township.

    ``township_path`` is the lookup from the model to the township id.
    """

    township_path: str = "township_id"

    def for_township(self, township_id: int):
        return self.filter(**{self.township_path: township_id})


class AbstractPolicyProfile(models.Model):
    """The county's rules for one year, as data. Each app owns a section (see core.policy)."""

    year = models.PositiveIntegerField("年度", unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    title = models.CharField("名称", max_length=100)
    data = models.JSONField("规则数据", default=dict)
    note = models.TextField("说明", blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="修改人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        abstract = True
        verbose_name = "年度政策配置"
        verbose_name_plural = "年度政策配置"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年度 {self.title}"

    def section(self, key: str) -> dict:
        from .policy import section_defaults

        merged = dict(section_defaults(key))
        merged.update(self.data.get(key, {}))
        return merged


def private_storage():
    """Uploaded files live outside the web root (never served by URL)."""
    from django.core.files.storage import FileSystemStorage

    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT)


class BatchStatus(models.TextChoices):
    UPLOADED = "uploaded", "已上传"
    PREVIEWING = "previewing", "校验中"
    PREVIEWED = "previewed", "待确认"
    INVALID = "invalid", "有错误"
    APPLYING = "applying", "导入中"
    APPLIED = "applied", "已导入"
    FAILED = "failed", "导入失败"
    INTERRUPTED = "interrupted", "已中断"
    ROLLING_BACK = "rolling_back", "撤销中"
    ROLLED_BACK = "rolled_back", "已撤销"


# A job of the batch runs (or is queued) in these states: the page polls, the watch checks them.
RUNNING_STATUSES = (BatchStatus.PREVIEWING, BatchStatus.APPLYING, BatchStatus.ROLLING_BACK)
# The import list's 有错误 filter and the home page's 待办: somebody has to act.
ATTENTION_STATUSES = (BatchStatus.INVALID, BatchStatus.FAILED, BatchStatus.INTERRUPTED)


class AbstractImportBatch(models.Model):
    """One uploaded file and what became of it (who, when, checksum, counts, rollback data).

    The concrete model adds ``township`` (the scope unit)."""

    Status = BatchStatus

    sheet_type = models.CharField("表格类型", max_length=40)
    file = models.FileField("文件", upload_to="imports/%Y/%m/", storage=private_storage, max_length=300)
    original_name = models.CharField("原文件名", max_length=255)
    size = models.PositiveIntegerField("大小(字节)", default=0)
    checksum = models.CharField("文件校验码", max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    status = models.CharField("状态", max_length=20, choices=BatchStatus.choices, default=BatchStatus.UPLOADED, db_index=True)
    progress_done = models.PositiveIntegerField("已处理", default=0)
    progress_total = models.PositiveIntegerField("总数", default=0)
    counts = models.JSONField("统计", default=dict, blank=True)
    summary = models.JSONField("预览", default=dict, blank=True, help_text="行状态、错误与提示。")
    message = models.TextField("说明", blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    applied_at = models.DateTimeField("导入时间", null=True, blank=True)
    touched = models.JSONField("变更对象", default=dict, blank=True)
    rolled_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="撤销人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rolled_back_at = models.DateTimeField("撤销时间", null=True, blank=True)
    previewed_at = models.DateTimeField("校验时间", null=True, blank=True)
    # The running step's clock, in the database (it outlives a worker and an emptied cache):
    # queued_at when a job was queued for it, heartbeat_at when the job started and as it goes
    # (between beats in the cache, see core.imports.batches.batch_alive).
    queued_at = models.DateTimeField("排队时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)

    class Meta:
        abstract = True
        verbose_name = "表格导入批次"
        verbose_name_plural = "表格导入批次"
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name}（{self.get_status_display()}）"

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 0 if self.status in (BatchStatus.UPLOADED, *RUNNING_STATUSES) else 100
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_STATUSES


class AbstractExportLog(models.Model):
    """Who downloaded which list, with which filters and how many rows (personal data).

    The concrete model adds ``township`` (the user's township, for the clerk's scope)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.PROTECT, related_name="+")
    what = models.CharField("导出内容", max_length=100)
    filters = models.JSONField("筛选条件", default=dict, blank=True)
    rows = models.PositiveIntegerField("行数", default=0)
    masked = models.BooleanField("已脱敏", default=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        abstract = True
        verbose_name = "导出日志"
        verbose_name_plural = "导出日志"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user} 导出 {self.what}（{self.rows}行）"


# ---------------------------------------------------------------------------------------------
# Login log (系统管理 → 登录日志)
# ---------------------------------------------------------------------------------------------


class LoginEventKind(models.TextChoices):
    LOGIN = "login", "登录成功"
    LOGOUT = "logout", "退出"
    FAILED = "failed", "登录失败"
    LOCKED = "locked", "账户锁定"


class LoginChannel(models.TextChoices):
    WEB = "web", "网页"
    ADMIN = "admin", "管理后台"
    API = "api", "接口令牌"


class LoginEventQuerySet(models.QuerySet):
    def with_related(self):
        return self.select_related("user")


class LoginEvent(models.Model):
    """One login, logout or failed login (written by the auth signals, see core.login_log).

    ``username`` is what was typed (a failure may name no existing account); ``user`` is set when
    the account exists. Append-only: nothing edits or deletes these rows."""

    at = models.DateTimeField("时间", db_index=True)  # 登录日志: newest first, filtered by date
    kind = models.CharField("结果", max_length=10, choices=LoginEventKind.choices)
    username = models.CharField("用户名", max_length=150, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ip_address = models.GenericIPAddressField("网络地址", null=True, blank=True)
    user_agent = models.CharField("浏览器", max_length=255, blank=True)
    channel = models.CharField("登录方式", max_length=10, choices=LoginChannel.choices, default=LoginChannel.WEB)

    objects = LoginEventQuerySet.as_manager()

    class Meta:
        verbose_name = "登录日志"
        verbose_name_plural = "登录日志"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.username} {self.get_kind_display()}"


class DashboardPart(models.Model):
    """The last computed part of the home page for one scope and one provider (core.dashboard).

    Redis holds the parts for the day's visits, but it keeps nothing on disk: after a restart
    (or an eviction) every scope would be computed again inside somebody's request, which at
    prefecture scale takes about a second. This table keeps each scope's newest part with the
    data version it was computed for, so a cold cache costs one indexed read; a part whose data
    changed since is shown as "正在更新" while the worker recomputes it, exactly like the
    cache's own ``latest`` entries. Only what can be computed again lives here."""

    slot = models.CharField("位置", max_length=200, unique=True)  # scope + provider
    version = models.CharField("数据版本", max_length=300)  # the cache key it was computed for
    payload = models.BinaryField("内容")
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = "首页统计快照"
        verbose_name_plural = "首页统计快照"

    def __str__(self) -> str:
        return self.slot
