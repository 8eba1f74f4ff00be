"""The pay run split by township (services/payrun_parts.py): the preview and the posting equal the
single-process computation to the fen, each township is idempotent, a failing township leaves
nothing half-posted and the re-run continues from it, and the run's progress counts townships."""

from collections import Counter
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from subsidies import services
from subsidies.choices import PartStatus, RunStatus
from subsidies.models import LedgerEntry, PayRun, PayRunLine, PayRunPart
from subsidies.services import payrun_parts, payruns
from subsidies.tasks import payrun_compute_task, payrun_post_task

from ..factories import TownshipFactory, VillageFactory
from .factories import cadre

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _split(settings):
    """These tests run the split path although tasks run eagerly here (where a run is otherwise
    done in one piece: see the tests at the end)."""
    settings.JOBS_SPLIT_BY_TOWNSHIP = True


@pytest.fixture
def county(county_user):
    """Three townships; 一肩挑 in one village; a person with posts in two townships (paid once,
    where the higher post is)."""
    townships = [TownshipFactory(name=name, code=f"43012290{i}") for i, name in enumerate(("东镇", "南镇", "西镇"))]
    villages = [VillageFactory(township=t) for t in townships for _ in range(2)]
    for i, village in enumerate(villages):
        sec = cadre(village, "secretary")
        if i == 0:
            cadre(village, "chair", person=sec.person)
        cadre(village, "deputy_secretary")
        cadre(village, "committee_member")
    both = cadre(VillageFactory(township=townships[2]), "secretary")
    cadre(villages[0], "committee_member", person=both.person)
    return townships


def lines(run) -> list[tuple]:
    return sorted(
        PayRunLine.objects.filter(run=run).values_list("person_id", "township_id", "village_id", "entry_type", "amount", "rule")
    )


def new_run(by, period="2025-03"):
    return PayRun.objects.create(
        kind="base_monthly", period=services.period_get_or_create(code=period), policy_year=2025, created_by=by
    )


def approve(run, county_user, county_approver):
    """Prepared and approved; the posting job it queues on commit is run by the test itself."""
    services.payrun_prepare(run=run, by=county_user)
    services.payrun_approve(run=run, by=county_approver)


def test_split_preview_equals_the_single_process_computation_to_the_fen(county, county_user):
    run = new_run(county_user)
    single = services.payrun_compute(run=run, by=county_user)
    expected, expected_total = lines(run), single.total_amount
    assert len(expected) == 6 * 3 + 1 and expected_total > 0

    PayRun.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED)
    assert payrun_compute_task.apply(kwargs={"run_id": run.pk, "user_id": county_user.pk}).get() == RunStatus.PREVIEW
    run.refresh_from_db()
    assert lines(run) == expected
    assert run.total_amount == expected_total and run.line_count == 19
    parts = PayRunPart.objects.filter(run=run)
    assert parts.count() == 3 and {p.status for p in parts} == {PartStatus.COMPUTED}
    assert sum(p.total_amount for p in parts) == expected_total
    assert set(Counter(line[0] for line in lines(run)).values()) == {1}  # each person paid once, in one township


def test_split_posting_posts_the_previewed_total_to_the_fen(county, county_user, county_approver):
    run = new_run(county_user)
    payrun_compute_task.apply(kwargs={"run_id": run.pk, "user_id": county_user.pk})
    run.refresh_from_db()
    approve(run, county_user, county_approver)

    assert payrun_post_task.apply(kwargs={"run_id": run.pk, "user_id": county_approver.pk}).get() == RunStatus.APPROVED
    run.refresh_from_db()
    entries = LedgerEntry.objects.filter(pay_run=run)
    assert entries.count() == 19 and entries.total() == run.total_amount
    for part in PayRunPart.objects.filter(run=run):
        own = entries.filter(township_id=part.township_id)
        assert (part.status, part.posted_count, part.posted_amount) == (PartStatus.POSTED, own.count(), own.total())
    assert LedgerEntry.history.filter(pay_run_id=run.pk).count() == 19  # each entry with its history row


def test_one_township_run_again_changes_nothing(county, county_user, county_approver):
    run = new_run(county_user)
    payrun_compute_task.apply(kwargs={"run_id": run.pk, "user_id": county_user.pk})
    east = county[0]
    before = lines(run)
    # compute: the township's lines are replaced, not added to
    PayRun.objects.filter(pk=run.pk).update(status=RunStatus.COMPUTING)
    PayRunPart.objects.filter(run=run, township=east).update(status=PartStatus.PENDING)
    assert services.payrun_compute_township(run_id=run.pk, township_id=east.pk, by=county_user) == PartStatus.COMPUTED
    assert lines(run) == before
    services.payrun_compute_finish(run_id=run.pk, by=county_user)
    run.refresh_from_db()
    approve(run, county_user, county_approver)
    payrun_post_task.apply(kwargs={"run_id": run.pk, "user_id": county_approver.pk})
    count, total = LedgerEntry.objects.count(), LedgerEntry.objects.total()

    # post: the same township task delivered again, even with its part forgotten, writes nothing
    PayRun.objects.filter(pk=run.pk).update(status=RunStatus.POSTING)
    PayRunPart.objects.filter(run=run, township=east).update(status=PartStatus.COMPUTED, posted_count=0)
    assert services.payrun_post_township(run_id=run.pk, township_id=east.pk, by=county_approver) == PartStatus.POSTED
    assert services.payrun_post_township(run_id=run.pk, township_id=east.pk, by=county_approver) == PartStatus.POSTED
    assert (LedgerEntry.objects.count(), LedgerEntry.objects.total()) == (count, total)
    assert PayRunPart.objects.get(run=run, township=east).posted_count == LedgerEntry.objects.filter(township=east).count()


def test_a_township_failing_to_compute_fails_the_run_and_recompute_continues_from_it(
    county, county_user, monkeypatch, django_capture_on_commit_callbacks
):
    west = county[2]
    original = payrun_parts.compute_lines

    def broken(**kw):
        if kw["township_id"] == west.pk:
            raise RuntimeError("数据库连接中断")
        return original(**kw)

    monkeypatch.setattr(payrun_parts, "compute_lines", broken)
    with django_capture_on_commit_callbacks(execute=True):
        run = services.payrun_create(by=county_user, kind="base_monthly", period_code="2025-03")
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "已完成 2/3 个乡镇" in run.message and "西镇：数据库连接中断" in run.message
    assert run.total_amount == 0 and not PayRunLine.objects.filter(run=run, township=west).exists()

    computed = []

    def record(**kw):
        computed.append(kw["township_id"])
        return original(**kw)

    monkeypatch.setattr(payrun_parts, "compute_lines", record)
    with django_capture_on_commit_callbacks(execute=True):
        services.payrun_recompute(run=run, by=county_user)
    run.refresh_from_db()
    assert run.status == RunStatus.PREVIEW and computed == [west.pk]
    assert run.total_amount == sum(PayRunLine.objects.filter(run=run).values_list("amount", flat=True)) > 0


def test_a_township_failing_to_post_leaves_only_complete_townships_and_resume_completes(
    county, county_user, county_approver, monkeypatch, django_capture_on_commit_callbacks
):
    run = new_run(county_user)
    payrun_compute_task.apply(kwargs={"run_id": run.pk, "user_id": county_user.pk})
    run.refresh_from_db()
    previewed = run.total_amount
    east, south, west = county
    original = payruns._copy_lines_to_ledger

    def broken(run, by, township_id=None):
        count = original(run, by, township_id=township_id)  # written, then the township fails
        if township_id == south.pk:
            raise RuntimeError("连接中断")
        return count

    monkeypatch.setattr(payruns, "_copy_lines_to_ledger", broken)
    services.payrun_prepare(run=run, by=county_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.payrun_approve(run=run, by=county_approver)
    run.refresh_from_db()
    assert run.status == RunStatus.POST_FAILED
    assert "入账未完成" in run.message and "南镇：连接中断" in run.message
    # nothing half-posted: the failed township has no entry, the others all of theirs
    assert not LedgerEntry.objects.filter(pay_run=run, township=south).exists()
    for township in (east, west):
        assert LedgerEntry.objects.filter(pay_run=run, township=township).total() == sum(
            PayRunLine.objects.filter(run=run, township=township).values_list("amount", flat=True)
        )
    with pytest.raises(ValidationError, match="已入账的批次不能作废"):
        services.payrun_cancel(run=run, by=county_user)

    monkeypatch.setattr(payruns, "_copy_lines_to_ledger", original)
    with django_capture_on_commit_callbacks(execute=True):
        services.payrun_post_resume(run=run, by=county_approver)
    run.refresh_from_db()
    assert run.status == RunStatus.APPROVED, run.message
    entries = LedgerEntry.objects.filter(pay_run=run)
    assert entries.count() == 19 and entries.total() == previewed == run.total_amount


def test_posting_failing_in_every_township_posts_nothing_and_returns_the_run(
    county, county_user, county_approver, monkeypatch, django_capture_on_commit_callbacks
):
    run = new_run(county_user)
    payrun_compute_task.apply(kwargs={"run_id": run.pk, "user_id": county_user.pk})
    run.refresh_from_db()

    def broken(run, by, township_id=None):
        raise RuntimeError("连接中断")

    monkeypatch.setattr(payruns, "_copy_lines_to_ledger", broken)
    services.payrun_prepare(run=run, by=county_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.payrun_approve(run=run, by=county_approver)
    run.refresh_from_db()
    assert run.status == RunStatus.PREPARED and run.approved_by is None
    assert run.message.startswith("入账失败：已完成 0/3 个乡镇")
    assert LedgerEntry.objects.count() == 0


def test_progress_counts_townships_done(county, county_user, county_approver, monkeypatch):
    seen = []
    original = payrun_parts.compute_lines

    def spy(**kw):
        run = PayRun.objects.get()
        seen.append((run.progress_step, run.progress_done, run.progress_total))
        return original(**kw)

    monkeypatch.setattr(payrun_parts, "compute_lines", spy)
    run = new_run(county_user)
    payrun_compute_task.apply(kwargs={"run_id": run.pk, "user_id": county_user.pk})
    assert seen == [
        ("计算预览（已完成 0/3 个乡镇）", 0, 3),
        ("计算预览（已完成 1/3 个乡镇）", 1, 3),
        ("计算预览（已完成 2/3 个乡镇）", 2, 3),
    ]
    run.refresh_from_db()
    assert (run.status, run.progress_done, run.progress_total) == (RunStatus.PREVIEW, 3, 3)
    assert D(run.total_amount) > 0


def test_the_run_page_offers_resume_to_an_approver_and_asks_for_confirmation(
    client, county, county_user, county_approver, monkeypatch, django_capture_on_commit_callbacks
):
    run = new_run(county_user)
    payrun_compute_task.apply(kwargs={"run_id": run.pk, "user_id": county_user.pk})
    south = county[1]
    original = payruns._copy_lines_to_ledger

    def broken(run, by, township_id=None):
        if township_id == south.pk:
            raise RuntimeError("连接中断")
        return original(run, by, township_id=township_id)

    monkeypatch.setattr(payruns, "_copy_lines_to_ledger", broken)
    run.refresh_from_db()
    services.payrun_prepare(run=run, by=county_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.payrun_approve(run=run, by=county_approver)
    monkeypatch.setattr(payruns, "_copy_lines_to_ledger", original)
    url = reverse("subsidies:run_detail", args=[run.pk])
    action = reverse("subsidies:run_action", args=[run.pk, "resume"])

    client.force_login(county_user)  # created and confirmed the run: separation of duties
    page = client.get(url).content.decode()
    assert "入账未完成，待继续入账" in page and "confirm-resume" not in page
    client.force_login(county_approver)
    page = client.get(url).content.decode()
    assert 'data-confirm-modal="#confirm-resume">继续入账</button>' in page and "南镇：连接中断" in page

    asked = client.post(action)  # without the confirmation nothing happens
    assert asked.status_code == 200 and "确认继续入账" in asked.content.decode()
    assert PayRun.objects.get(pk=run.pk).status == RunStatus.POST_FAILED
    with django_capture_on_commit_callbacks(execute=True):
        client.post(action, {"confirmed": "yes"})
    run.refresh_from_db()
    assert run.status == RunStatus.APPROVED
    assert LedgerEntry.objects.filter(pay_run=run).total() == run.total_amount


def test_county_yearly_subsidies_reach_a_township_where_nobody_holds_a_post_now(county, county_user, township_b):
    """A departed secretary's living subsidy is paid in the township of the last post, even when
    nobody serves there any more: every township of the county gets its part."""
    from .test_services import _departed

    old = _departed(VillageFactory(township=township_b))
    run = PayRun.objects.create(
        kind="subsidy_yearly", period=services.period_get_or_create(code="2025"), policy_year=2025, created_by=county_user
    )
    single = services.payrun_compute(run=run, by=county_user)
    expected, expected_total = lines(run), single.total_amount
    PayRun.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED)
    payrun_compute_task.apply(kwargs={"run_id": run.pk, "user_id": county_user.pk})
    run.refresh_from_db()
    assert run.status == RunStatus.PREVIEW
    assert lines(run) == expected and run.total_amount == expected_total
    assert PayRunLine.objects.get(run=run, person=old).township_id == township_b.pk
    assert PayRunPart.objects.filter(run=run).count() == 4


def test_eager_without_the_setting_a_run_is_computed_and_posted_in_one_piece(county, county_user, county_approver, settings):
    settings.JOBS_SPLIT_BY_TOWNSHIP = None  # the embedded default: tasks run here, nobody to spread over
    split = new_run(county_user)
    whole = new_run(county_user, period="2025-04")
    settings.JOBS_SPLIT_BY_TOWNSHIP = True
    payrun_compute_task.apply(kwargs={"run_id": split.pk, "user_id": county_user.pk})
    settings.JOBS_SPLIT_BY_TOWNSHIP = None
    assert payrun_compute_task.apply(kwargs={"run_id": whole.pk, "user_id": county_user.pk}).get() == RunStatus.PREVIEW
    assert not PayRunPart.objects.filter(run=whole).exists()
    assert [line[:5] for line in lines(whole)] == [line[:5] for line in lines(split)]
    approve(whole, county_user, county_approver)
    assert payrun_post_task.apply(kwargs={"run_id": whole.pk, "user_id": county_approver.pk}).get() == RunStatus.APPROVED
    whole.refresh_from_db()
    assert not PayRunPart.objects.filter(run=whole).exists()
    assert LedgerEntry.objects.filter(pay_run=whole).total() == whole.total_amount > 0


def test_split_by_township_follows_the_queue_unless_set(settings):
    from config.celery import app
    from core.jobs import split_by_township

    settings.JOBS_SPLIT_BY_TOWNSHIP = None
    assert app.conf.task_always_eager and split_by_township() is False
    app.conf.task_always_eager = False  # a broker: the townships go to the workers
    try:
        assert split_by_township() is True
        settings.JOBS_SPLIT_BY_TOWNSHIP = False
        assert split_by_township() is False
    finally:
        app.conf.task_always_eager = True
    settings.JOBS_SPLIT_BY_TOWNSHIP = True
    assert split_by_township() is True


def test_a_posting_stopped_midway_resumes_township_by_township_even_in_one_process(
    county, county_user, county_approver, monkeypatch, settings, django_capture_on_commit_callbacks
):
    run = new_run(county_user)
    payrun_compute_task.apply(kwargs={"run_id": run.pk, "user_id": county_user.pk})
    south = county[1]
    original = payruns._copy_lines_to_ledger

    def broken(run, by, township_id=None):
        if township_id == south.pk:
            raise RuntimeError("连接中断")
        return original(run, by, township_id=township_id)

    monkeypatch.setattr(payruns, "_copy_lines_to_ledger", broken)
    services.payrun_prepare(run=run, by=county_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.payrun_approve(run=run, by=county_approver)
    run.refresh_from_db()
    assert run.status == RunStatus.POST_FAILED
    monkeypatch.setattr(payruns, "_copy_lines_to_ledger", original)
    settings.JOBS_SPLIT_BY_TOWNSHIP = None  # now one process: the townships already posted stay as they are
    with django_capture_on_commit_callbacks(execute=True):
        services.payrun_post_resume(run=run, by=county_approver)
    run.refresh_from_db()
    assert run.status == RunStatus.APPROVED, run.message
    assert LedgerEntry.objects.filter(pay_run=run).total() == run.total_amount
    assert LedgerEntry.objects.filter(pay_run=run, township=south).count() > 0


def test_run_page_totals_each_township_from_the_lines_then_from_the_ledger(
    client, county, county_user, county_approver, django_capture_on_commit_callbacks
):
    county[1].name = "南<镇>"
    county[1].save()
    run = new_run(county_user)
    payrun_compute_task.apply(kwargs={"run_id": run.pk, "user_id": county_user.pk})
    run.refresh_from_db()
    url = reverse("subsidies:run_detail", args=[run.pk])
    expected = []
    for t in county:
        paid = PayRunLine.objects.filter(run=run, township=t).exclude(amount=0)
        total = sum(paid.values_list("amount", flat=True), D("0"))
        expected.append((t, paid.values("person_id").distinct().count(), f"¥{total:,.2f}".removesuffix(".00")))
    assert [n for _, n, _ in expected] == [6, 6, 7]  # the person with posts in two townships is paid in 西镇

    def totals_table(html: str) -> str:
        return html.split("按乡镇合计")[1].split("</tbody>")[0]

    client.force_login(county_user)
    table = totals_table(client.get(url).content.decode())
    for t, people, amount in expected:
        name = t.name.replace("<", "&lt;").replace(">", "&gt;")
        assert f'<tr><td>{name}</td><td class="text-end">{people}</td><td class="text-end">{amount}</td><td></td></tr>' in table
    assert "<镇>" not in table and "代发表" not in table  # a preview: nothing to pay from yet

    with django_capture_on_commit_callbacks(execute=True):
        approve(run, county_user, county_approver)
    table = totals_table(client.get(url).content.decode())
    bank_sheet = reverse("subsidies:run_bank_sheet", args=[run.pk])
    for t, people, amount in expected:
        assert (
            f'<td class="text-end">{people}</td><td class="text-end">{amount}</td>'
            f'<td><a class="small" href="{bank_sheet}?township={t.pk}">代发表</a></td></tr>'
        ) in table
