"""Pay periods (2025-03 monthly, 2025 yearly): parse, open, lock and unlock. A locked period only
takes reversing entries."""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cadres.models import User
from core.services import model_save, require_perm

from ..choices import PeriodKind, RunStatus
from ..models import PayPeriod, PayRun

PERIOD_RE = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


def parse_period_code(code: str) -> tuple[str, int, int | None]:
    m = PERIOD_RE.match((code or "").strip())
    if not m or (m.group(2) and not 1 <= int(m.group(2)) <= 12):
        raise ValidationError({"period": "期间格式应为“2025-03”（月度）或“2025”（年度）。"})
    year, month = int(m.group(1)), (int(m.group(2)) if m.group(2) else None)
    if not 2000 <= year <= 2100:
        raise ValidationError({"period": "年度应在2000–2100之间。"})
    return (PeriodKind.MONTH if month else PeriodKind.YEAR), year, month


@transaction.atomic
def period_get_or_create(*, code: str, by: User | None = None) -> PayPeriod:
    kind, year, month = parse_period_code(code)
    code = f"{year}-{month:02d}" if month else str(year)
    period = PayPeriod.objects.filter(code=code).first()
    if period is None:
        period = PayPeriod(code=code, kind=kind, year=year, month=month)
        model_save(period, by=by)
    return period


@transaction.atomic
def period_lock(*, period: PayPeriod, by: User) -> PayPeriod:
    require_perm(by, "subsidies.lock_payperiod", "只有县级财务可以锁定期间。")
    period = PayPeriod.objects.select_for_update().get(pk=period.pk)
    if period.is_locked:
        return period
    busy = PayRun.objects.filter(period=period, status__in=[RunStatus.COMPUTING, RunStatus.POSTING, RunStatus.QUEUED])
    if busy.exists():
        raise ValidationError({"period": "该期间还有正在计算或记账的批次，完成后再锁定。"})
    period.locked_at, period.locked_by = timezone.now(), by
    model_save(period, by=by, update_fields=["locked_at", "locked_by"])
    return period


@transaction.atomic
def period_unlock(*, period: PayPeriod, by: User) -> PayPeriod:
    require_perm(by, "subsidies.lock_payperiod", "只有县级财务可以解锁期间。")
    period = PayPeriod.objects.select_for_update().get(pk=period.pk)
    period.locked_at, period.locked_by = None, None
    model_save(period, by=by, update_fields=["locked_at", "locked_by"])
    return period


def _require_open(period: PayPeriod, field: str = "period") -> None:
    if period.is_locked:
        raise ValidationError({field: f"{period}已锁定，只能录入冲销更正。"})


def _period_bounds(period: PayPeriod) -> tuple[datetime.date, datetime.date]:
    if period.month:
        first = datetime.date(period.year, period.month, 1)
        nxt = datetime.date(period.year + (period.month == 12), period.month % 12 + 1, 1)
        return first, nxt - datetime.timedelta(days=1)
    return datetime.date(period.year, 1, 1), datetime.date(period.year, 12, 31)
