"""reserves.demo: realistic, valid, deterministic demo data on top of a demo register."""

import datetime
import io
import random

import pytest
from django.core.management import call_command

from cadres.choices import VettingResult
from core import dates as core_dates
from reserves import rules, selectors
from reserves.choices import Status
from reserves.demo import seed_demo
from reserves.models import Appraisal, Mentorship, PartyStageRecord, PracticePost, ReserveCandidate, ReserveEvent

pytestmark = pytest.mark.django_db

DEMO_PASSWORD = "demo-pass-for-tests"


@pytest.fixture
def demo_county(settings):
    settings.DEBUG = True
    settings.DEMO_PASSWORD = DEMO_PASSWORD
    out = io.StringIO()
    call_command("seed_demo", townships=2, stdout=out)  # builds the register and runs reserves.demo
    return out.getvalue()


def _fingerprint():
    return list(
        ReserveCandidate.objects.order_by("village__code", "person__id_number").values_list(
            "person__id_number", "village__code", "status", "source", "intended_post", "surveyed_on"
        )
    )


def test_demo_reserves_are_valid_by_construction(demo_county, county_user):
    assert "后备力量：" in demo_county
    candidates = list(ReserveCandidate.objects.select_related("person", "qualification_review"))
    assert len(candidates) > 20
    statuses = {c.status for c in candidates}
    assert {Status.POOLED, Status.SURVEYED, Status.NOMINATED} <= statuses
    section_rules = {"max_age": 35, "max_age_college": 40, "age_cutoff": "01-01", "min_education": "3_senior"}
    for c in candidates:
        c.full_clean()
        errors = rules.eligibility_errors(
            birth_date=c.person.birth_date,
            education=c.person.highest_education,
            cohort=c.cohort,
            rules=section_rules,
            education_labels={},
        )
        assert errors == {}, (c.person.name, errors)
        if c.status == Status.POOLED:
            review = c.qualification_review
            assert review.outcome == VettingResult.PASS
            assert set(review.verdicts.values_list("result", flat=True)) == {VettingResult.PASS}
        steps = list(c.events.order_by("id").values_list("to_status", "date"))
        assert steps[0][0] == Status.SURVEYED and steps[-1][0] == c.status
        assert [d for _, d in steps] == sorted(d for _, d in steps)
    for model in (Mentorship, PracticePost, Appraisal, PartyStageRecord):
        for row in model.objects.all()[:50]:
            row.full_clean()
    assert Mentorship.objects.exists() and ReserveEvent.objects.exists()
    assert ReserveCandidate.history.filter(history_change_reason="演示数据初始化").count() == len(candidates)
    # Party stages respect the minimum intervals
    by_candidate: dict = {}
    for r in PartyStageRecord.objects.order_by("date"):
        by_candidate.setdefault(r.candidate_id, []).append((r.stage, r.date, r.until))
    today = core_dates.today()
    for history in by_candidate.values():
        for i in range(1, len(history)):
            assert rules.party_stage_errors(history[:i], stage=history[i][0], on=history[i][1], today=today) == {}
    # coverage: a demo where most but not all villages meet the target
    data = selectors.coverage(user=county_user, cohort=2026)
    assert 0 < data["county"]["meeting"] < data["county"]["villages"]


def test_demo_is_deterministic_and_runs_once(village_a, village_b, county_user):
    from reserves.demo import _Builder

    today = datetime.date(2026, 3, 1)

    def plan(seed):
        b = _Builder(random.Random(seed), today)
        for village in (village_a, village_b):
            for _ in range(3):
                b.candidate(village, None, county_user)
        return [(c.person.id_number, c.person.name, c.status, c.source, c.intended_post, c.surveyed_on) for c in b.candidates]

    assert plan(5) == plan(5) and plan(5) != plan(6)
    seed_demo(rng=random.Random(5), today=today, stdout=io.StringIO())
    count = ReserveCandidate.objects.count()
    assert count > 0
    out = io.StringIO()
    seed_demo(rng=random.Random(5), today=today, stdout=out)
    assert "已有数据，跳过" in out.getvalue() and ReserveCandidate.objects.count() == count
