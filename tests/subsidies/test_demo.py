"""subsidies.demo: demo pay data on a small demo register, posted through the real services."""

import datetime
import io
import random
from decimal import Decimal as D

import pytest

from cadres.demo import DemoCounty
from subsidies import demo
from subsidies.choices import EntryType, RunStatus
from subsidies.models import LedgerEntry, PayAccount, PayRun

TODAY = datetime.date(2025, 11, 20)


@pytest.fixture
def register(db):
    DemoCounty(seed=2026, townships=2, password="demo-pass-for-tests", today=TODAY).build()


def _snapshot():
    return sorted(LedgerEntry.objects.values_list("person__id_number", "period__code", "entry_type", "amount"))


def test_demo_posts_explained_entries_whose_sums_match_the_runs(register):
    out = io.StringIO()
    demo.seed_demo(rng=random.Random(5), today=TODAY, stdout=out)
    assert "报酬补贴" in out.getvalue()
    assert PayAccount.objects.count() > 10
    runs = PayRun.objects.filter(status__in=[RunStatus.APPROVED, RunStatus.PAID])
    assert {r.period.code for r in runs if r.kind == "base_monthly"} == {"2025-08", "2025-09", "2025-10"}
    for run in runs:
        assert LedgerEntry.objects.filter(pay_run=run).total() == run.total_amount
    assert PayRun.objects.filter(status=RunStatus.PREVIEW, period__code="2025-11").count() == 1
    assert (
        LedgerEntry.objects.filter(entry_type=EntryType.AWARD).total()
        == D("5000.00") * LedgerEntry.objects.filter(entry_type=EntryType.AWARD).count()
    )
    assert not LedgerEntry.objects.filter(explanation="").exists()


def test_demo_is_deterministic(register):
    from django.db import transaction

    snapshots = []
    for _ in range(2):
        with transaction.atomic():
            demo.seed_demo(rng=random.Random(5), today=TODAY, stdout=io.StringIO())
            accounts = sorted(PayAccount.objects.values_list("person__id_number", "account_number", "pension_insured"))
            snapshots.append((_snapshot(), accounts))
            transaction.set_rollback(True)
    assert snapshots[0][0] and snapshots[0] == snapshots[1]


def test_demo_creates_a_finance_user_with_the_county_password(register):
    from cadres.models import User

    demo.seed_demo(rng=random.Random(5), today=TODAY, stdout=io.StringIO())
    finance, county = User.objects.get(username="finance"), User.objects.get(username="county")
    assert finance.check_password("demo-pass-for-tests") and finance.role == "county"
    assert finance.has_perm("subsidies.view_bank_account")
    assert not county.has_perm("subsidies.view_bank_account")
