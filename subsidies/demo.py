"""Demo data for the pay ledger on top of a seeded register (wired into ``manage.py seed_demo``).

Pay accounts for current cadres, benefit records, last year's yearly subsidies and awards, the
last months' base pay posted through the real services (so every entry is explained), and one
township's current month left in preview / prepared so the approval workflow can be tried.
"""

from __future__ import annotations

import datetime
import random

from cadres.choices import Role
from cadres.models import Appointment, Township, User
from core.fastwrite import insert_objects_with_history

from . import services
from .choices import BenefitKind, RunKind, RunStatus
from .models import BenefitRecord, PayAccount

REASON = "演示数据初始化"
BANKS = ["县农村商业银行", "中国农业银行", "中国邮政储蓄银行", "中国建设银行"]


def _month_code(day: datetime.date, back: int) -> str:
    y, m = day.year, day.month - back
    while m <= 0:
        y, m = y - 1, m + 12
    return f"{y}-{m:02d}"


def _county_user() -> User | None:
    return (
        User.objects.filter(username="county").first()
        or User.objects.filter(role=Role.COUNTY, is_active=True).order_by("pk").first()
        or User.objects.filter(is_superuser=True).order_by("pk").first()
    )


def _finance_user(county: User | None) -> User | None:
    """The demo's finance user (财务 group: full bank card numbers), same password as ``county``."""
    if county is None:
        return None
    from cadres.services import user_set_role

    from .roles import user_make_finance

    user = User.objects.filter(username="finance").first()
    if user is None:
        user = User(username="finance", full_name="县财务（演示）", password=county.password)
        user.full_clean(exclude=["password"])
        user.save()
    user_set_role(user=user, role=Role.COUNTY)
    user_make_finance(user=user)
    return user


def _run(by, kind, code, township=None, *, approver=None, post=True):
    """Create, compute, confirm; ``approver`` (another county user: separation of duties) approves
    and posts."""
    run = services.payrun_create(by=by, kind=kind, period_code=code, township=township)
    run.refresh_from_db()
    if run.status == RunStatus.QUEUED:  # the compute job has not run (a broker, no eager tasks): compute here
        run = services.payrun_compute(run=run, by=by)
    if not post or run.status != RunStatus.PREVIEW or run.line_count == 0:
        return run
    run = services.payrun_prepare(run=run, by=by)
    run = services.payrun_approve(run=run, by=approver)
    return services.payrun_post(run=run, by=approver)


def seed_demo(*, rng: random.Random, today: datetime.date, stdout) -> None:
    by = _county_user()
    finance = _finance_user(by)
    current = Appointment.objects.current(today).values_list("person_id", "post").order_by("person_id", "post")
    posts_by_person: dict[int, set[str]] = {}
    for pid, post in current:
        posts_by_person.setdefault(pid, set()).add(post)
    existing = set(PayAccount.objects.values_list("person_id", flat=True))
    accounts = []
    for pid in sorted(posts_by_person):
        if pid in existing:
            continue
        secretary = "secretary" in posts_by_person[pid]
        insured = secretary and rng.random() < 0.85
        accounts.append(
            PayAccount(
                person_id=pid,
                bank_name=rng.choice(BANKS),
                account_number="6" + "".join(str(rng.randint(0, 9)) for _ in range(18)),
                pension_insured=insured,
                pension_at_standard=insured and rng.random() < 0.9,
            )
        )
    insert_objects_with_history(accounts, user=None, reason=REASON)
    benefits = []
    for pid in sorted(posts_by_person):
        benefits.append(
            BenefitRecord(person_id=pid, kind=BenefitKind.ACCIDENT_INSURANCE, year=today.year, provider="中国人寿县支公司")
        )
        if "secretary" in posts_by_person[pid] and today.year % 2 == 1:
            benefits.append(
                BenefitRecord(
                    person_id=pid,
                    kind=BenefitKind.HEALTH_CHECK,
                    year=today.year,
                    date=datetime.date(today.year, 5, 1) + datetime.timedelta(days=rng.randint(0, 60)),
                    provider="县人民医院",
                )
            )
    have = set(BenefitRecord.objects.filter(year=today.year).values_list("person_id", "kind"))
    insert_objects_with_history([b for b in benefits if (b.person_id, b.kind) not in have], user=None, reason=REASON)
    if by is None:
        stdout.write("  报酬补贴：没有县级用户，只生成了报酬账户和待遇记录。")
        return
    last_year = str(today.year - 1)
    # The county staff member prepares the runs; the finance user (county staff too) approves them.
    approver = finance
    runs = [_run(by, RunKind.SUBSIDY_YEARLY, last_year, approver=approver)]
    runs += [_run(by, RunKind.BASE_MONTHLY, _month_code(today, back), approver=approver) for back in (3, 2, 1)]
    secretaries = sorted(pid for pid, posts in posts_by_person.items() if "secretary" in posts)
    winners = rng.sample(secretaries, min(11, len(secretaries)))
    if winners:
        from cadres.models import Person

        services.award_post(
            by=by,
            people=list(Person.objects.filter(pk__in=winners).order_by("pk")),
            period_code=last_year,
            award_code="excellent_secretary",
            reason="党建引领、乡村振兴、平安建设、安全生产四方面成绩突出",
        )
    if runs[-1].status == RunStatus.APPROVED:
        services.payrun_mark_paid(run=runs[-2] if len(runs) > 2 else runs[-1], by=by, bank_batch_ref=f"NSH{today:%Y%m}01")
    first = Township.objects.order_by("sort_order", "code").first()
    if first is not None:
        _run(by, RunKind.BASE_MONTHLY, _month_code(today, 0), township=first, post=False)
    posted = sum(r.line_count for r in runs if r.status in (RunStatus.APPROVED, RunStatus.PAID))
    stdout.write(f"  报酬补贴：{len(accounts)} 个报酬账户，{len(benefits)} 条待遇记录，{posted} 笔入账，奖励 {len(winners)} 人。")
    if finance is not None:
        stdout.write(f"  财务演示账号：{finance.username}（密码同 {by.username}，可查看完整银行卡号）")
