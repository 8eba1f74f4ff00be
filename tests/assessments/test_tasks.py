"""assessments.tasks: thin, idempotent wrappers; the eager run equals the synchronous service.

The ``celery_worker`` test goes through the broker when a real worker runs (.ci/run with Redis and
PostgreSQL); without a broker Celery is eager and it runs in-process on SQLite.
"""

import datetime
import time

import pytest
from django.db import transaction

from assessments import services
from assessments.models import ReviewResult, RollupRun
from assessments.services import rollup
from assessments.tasks import review_rollup_scheduled_task, review_rollup_year_task

from ..factories import VillageFactory
from .factories import YEAR, scored_review


def results() -> list[tuple]:
    return list(
        ReviewResult.objects.order_by("review_id").values_list("review_id", "score", "grade", "rank", "village_category", "stars")
    )


def build(township):
    for daily in (99, 96, 96, 80, 70, 60):
        scored_review(village=VillageFactory(township=township), counts=(55, 4, 1) if daily > 90 else (50, 8, 2), daily=daily)


@pytest.mark.django_db
def test_task_gives_what_the_service_gives_and_a_rerun_changes_nothing(township_a):
    build(township_a)
    with pytest.raises(RuntimeError), transaction.atomic():  # the service on the same data, rolled back
        services.review_year_rollup(year=YEAR)
        expected = results()
        raise RuntimeError
    assert ReviewResult.objects.count() == 0

    run = RollupRun.objects.create(year=YEAR)
    assert review_rollup_year_task.apply(kwargs={"run_id": run.pk}).get() == "done"
    assert results() == expected
    history = ReviewResult.history.count()
    second = RollupRun.objects.create(year=YEAR)
    review_rollup_year_task.apply(kwargs={"run_id": second.pk}).get()
    assert ReviewResult.history.count() == history
    assert RollupRun.objects.get(pk=second.pk).counts["unchanged"] == 6


@pytest.mark.django_db
def test_a_run_interrupted_midway_is_finished_by_the_next(township_a, township_b, monkeypatch):
    # review_year_rollup looks _write_township up in services/rollup.py: patch it there.
    build(township_a)
    build(township_b)
    calls = {"n": 0}
    original = rollup._write_township

    def crash_on_second(**kw):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker lost")
        return original(**kw)

    monkeypatch.setattr(rollup, "_write_township", crash_on_second)
    run = RollupRun.objects.create(year=YEAR)
    # the township task keeps its failure; the final step fails the run, naming the township
    assert review_rollup_year_task.apply(kwargs={"run_id": run.pk}).get() == "failed"
    run.refresh_from_db()
    assert run.status == "failed" and "乙镇：worker lost" in run.message
    assert ReviewResult.objects.count() == 6  # the first township was committed
    written = []

    def record(**kw):
        written.append(kw["rows"][0].township_id)
        return original(**kw)

    monkeypatch.setattr(rollup, "_write_township", record)
    assert review_rollup_year_task.apply(kwargs={"run_id": run.pk}).get() == "done"
    assert ReviewResult.objects.count() == 12
    assert written == [township_b.pk]  # the re-run wrote only the township that had failed


@pytest.mark.django_db
def test_scheduled_task_waits_for_the_configured_date(village_a):
    scored_review(village=village_a)
    assert review_rollup_scheduled_task.apply(kwargs={"on": "2026-01-19"}).get() == []
    started = review_rollup_scheduled_task.apply(kwargs={"on": "2026-01-20"}).get()
    assert len(started) == 1 and RollupRun.objects.get(pk=started[0]).scheduled
    assert review_rollup_scheduled_task.apply(kwargs={"on": str(datetime.date(2026, 2, 1))}).get() == []


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_rollup_through_the_broker(township_a):
    build(township_a)
    run = RollupRun.objects.create(year=YEAR)
    review_rollup_year_task.delay(run_id=run.pk).get(timeout=120)  # queues the township tasks
    for _ in range(240):  # the final step closes the run
        run.refresh_from_db()
        if not run.is_running:
            break
        time.sleep(0.5)
    assert run.status == "done", run.message
    assert ReviewResult.objects.filter(year=YEAR).count() == 6
    assert ReviewResult.objects.filter(status="tie").count() == 0  # 6 reviews → 1 place; 99 is alone on top
    assert ReviewResult.objects.filter(grade="excellent").count() == 1


@pytest.mark.django_db
def test_editing_the_policy_recomputes_unlocked_results(county_user, village_a, django_capture_on_commit_callbacks):
    from cadres.models import PolicyProfile
    from core.policy import default_profile_data
    from core.services import policy_section_update

    review = scored_review(village=village_a, counts=(50, 8, 2), daily=85)
    services.review_year_rollup(year=YEAR)
    assert ReviewResult.objects.get(review=review).grade == "competent"
    profile = PolicyProfile.objects.create(year=YEAR, title="2025", data=default_profile_data())
    section = profile.section("assessments")
    grades = [{**g, "min_score": "95"} if g["code"] == "competent" else g for g in section["grades"]]
    with django_capture_on_commit_callbacks(execute=True):
        policy_section_update(profile=profile, by=county_user, key="assessments", values={"grades": grades})
    result = ReviewResult.objects.get(review=review)
    assert result.grade == "basic"  # 85.4 < 95 now
    assert "基本称职：综合得分" in result.grade_explanation
