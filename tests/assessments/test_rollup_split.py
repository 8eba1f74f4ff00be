"""The rollup split by township (services/rollup_parts.py): the same results as the
single-process rollup, each township idempotent, a failing township fails the run without
touching the others, a re-run continues from it, and the run's progress counts townships."""

import pytest
from django.db import transaction

from assessments import services
from assessments.choices import PartStatus
from assessments.models import ReviewResult, RollupRun, RollupRunPart
from assessments.services import rollup
from assessments.tasks import review_rollup_year_task

from ..factories import TownshipFactory, VillageFactory
from .factories import YEAR, scored_review

pytestmark = pytest.mark.django_db


def results() -> list[tuple]:
    return list(
        ReviewResult.objects.order_by("review_id").values_list(
            "review_id", "status", "score", "grade", "quota_status", "rank", "rank_total", "village_category", "stars"
        )
    )


@pytest.fixture
def county():
    """Three townships, 4–6 reviews each, scores spread so that the county ranking interleaves."""
    townships = [TownshipFactory(name=name, code=f"43012290{i}") for i, name in enumerate(("东镇", "南镇", "西镇"))]
    dailies = [[99, 96, 90, 80, 70, 60], [98, 95, 85, 75], [97, 93, 88, 72, 65]]
    for township, row in zip(townships, dailies, strict=True):
        for daily in row:
            counts = (55, 4, 1) if daily > 90 else (50, 8, 2)
            scored_review(village=VillageFactory(township=township), counts=counts, daily=daily)
    return townships


def single_process_results() -> list[tuple]:
    """What review_year_rollup (one process, the whole county at once) writes; rolled back."""
    with pytest.raises(RuntimeError), transaction.atomic():
        services.review_year_rollup(year=YEAR)
        expected = results()
        raise RuntimeError
    assert ReviewResult.objects.count() == 0
    return expected


def test_split_run_writes_exactly_what_the_single_process_rollup_writes(county):
    expected = single_process_results()
    assert len(expected) == 15 and {r[6] for r in expected} == {15}  # ranked across the county

    run = RollupRun.objects.create(year=YEAR)
    assert review_rollup_year_task.apply(kwargs={"run_id": run.pk}).get() == "done"

    assert results() == expected
    run.refresh_from_db()
    assert run.counts["reviews"] == 15 and run.counts["created"] == 15
    assert set(RollupRunPart.objects.filter(run=run).values_list("status", flat=True)) == {PartStatus.DONE}


def test_progress_counts_townships_done(county, monkeypatch):
    seen = []
    original = rollup._write_township

    def spy(**kw):
        run = RollupRun.objects.get()
        seen.append((run.step, run.progress_done, run.progress_total))
        return original(**kw)

    monkeypatch.setattr(rollup, "_write_township", spy)
    run = RollupRun.objects.create(year=YEAR)
    review_rollup_year_task.apply(kwargs={"run_id": run.pk})

    assert seen == [
        ("第三步：星级、后续处理建议并保存（已完成 0/3 个乡镇）", 0, 3),
        ("第三步：星级、后续处理建议并保存（已完成 1/3 个乡镇）", 1, 3),
        ("第三步：星级、后续处理建议并保存（已完成 2/3 个乡镇）", 2, 3),
    ]
    run.refresh_from_db()
    assert (run.step, run.progress_done, run.progress_total, run.progress_percent) == ("完成（已完成 3/3 个乡镇）", 3, 3, 100)


def test_one_township_run_again_changes_nothing(county):
    run = RollupRun.objects.create(year=YEAR)
    review_rollup_year_task.apply(kwargs={"run_id": run.pk})
    before, history = results(), ReviewResult.history.count()
    east = county[0]

    # the same task delivered twice, and the township sent through steps 1 and 3 again
    assert services.rollup_township_write(run_id=run.pk, township_id=east.pk) == PartStatus.DONE
    RollupRun.objects.filter(pk=run.pk).update(status="running")
    assert services.rollup_township_score(run_id=run.pk, township_id=east.pk) == PartStatus.SCORED
    assert RollupRunPart.objects.get(run=run, township=east).status == PartStatus.DONE  # standing unchanged
    RollupRunPart.objects.filter(run=run, township=east).update(status=PartStatus.SCORED)
    assert services.rollup_township_write(run_id=run.pk, township_id=east.pk) == PartStatus.DONE

    assert results() == before
    assert ReviewResult.history.count() == history  # unchanged rows are not written again
    assert RollupRunPart.objects.get(run=run, township=east).counts == {"reviews": 6, "tie": 0, "unchanged": 6, "proposals": 0}


def test_a_township_failing_fails_the_run_and_the_rerun_completes_it(
    county, county_user, monkeypatch, django_capture_on_commit_callbacks
):
    expected = single_process_results()
    west = county[2]
    original = rollup._evaluate_township

    def broken(**kw):
        if kw["township_id"] == west.pk:
            raise RuntimeError("数据库连接中断")
        return original(**kw)

    monkeypatch.setattr(rollup, "_evaluate_township", broken)
    with django_capture_on_commit_callbacks(execute=True):
        run = services.rollup_request(year=YEAR, by=county_user)
    run.refresh_from_db()
    assert run.status == "failed"
    assert "西镇：数据库连接中断" in run.message and "请处理后重新运行年度汇总" in run.message
    # the county ranking needs every township: nothing is written while one cannot be scored
    assert ReviewResult.objects.count() == 0

    monkeypatch.setattr(rollup, "_evaluate_township", original)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.rollup_request(year=YEAR, by=county_user)
    assert again.pk == run.pk  # the failed run is run again, not a new one
    again.refresh_from_db()
    assert again.status == "done", again.message
    assert results() == expected


def test_a_township_failing_while_writing_keeps_the_others_and_the_rerun_writes_only_it(county, monkeypatch):
    expected = single_process_results()
    south = county[1]
    original = rollup._write_township

    def broken(**kw):
        if kw["rows"][0].township_id == south.pk:
            raise RuntimeError("磁盘已满")
        return original(**kw)

    monkeypatch.setattr(rollup, "_write_township", broken)
    run = RollupRun.objects.create(year=YEAR)
    assert review_rollup_year_task.apply(kwargs={"run_id": run.pk}).get() == "failed"
    run.refresh_from_db()
    assert "南镇：磁盘已满" in run.message and "已保存结果 2/3 个乡镇" in run.message
    assert not ReviewResult.objects.filter(township=south).exists()  # its transaction rolled back
    assert ReviewResult.objects.count() == 11

    written = []

    def record(**kw):
        written.append(kw["rows"][0].township_id)
        return original(**kw)

    monkeypatch.setattr(rollup, "_write_township", record)
    assert review_rollup_year_task.apply(kwargs={"run_id": run.pk}).get() == "done"
    assert written == [south.pk]
    assert results() == expected


def test_a_townships_write_locks_its_own_part_not_the_run(county):
    """Two workers write two townships at once: the write locks the township's part row only.
    Locking the run's row too (FOR UPDATE over the join) made every township wait for the one
    before it, and a second worker sped nothing up. SQLite has no row locks: the lock clause is
    checked where the database has them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    run = RollupRun.objects.create(year=YEAR)
    review_rollup_year_task.apply(kwargs={"run_id": run.pk})
    RollupRunPart.objects.filter(run=run, township=county[0]).update(status=PartStatus.SCORED)
    with CaptureQueriesContext(connection) as ctx:
        assert services.rollup_township_write(run_id=run.pk, township_id=county[0].pk) == PartStatus.DONE
    locking = [q["sql"] for q in ctx.captured_queries if "FOR UPDATE" in q["sql"]]
    if connection.features.has_select_for_update_of:
        assert len(locking) == 1 and locking[0].endswith('FOR UPDATE OF "assessments_rolluprunpart"')
    else:
        assert locking == []
