"""Shared steps for the reserves tests: walk a candidate through the pipeline."""

from cadres import services as register
from cadres.choices import VettingResult
from reserves import services
from reserves.choices import Status


def conclude_review(review, *, by, result=VettingResult.PASS):
    """Every department passes (or the first one fails with a blocking negative-list item)."""
    verdicts = list(review.verdicts.order_by("sort"))
    if result == VettingResult.FAIL:
        register.department_verdict_record(verdict=verdicts[0], by=by, result=VettingResult.FAIL, negative_item_code="n02")
        return
    for verdict in verdicts:
        register.department_verdict_record(verdict=verdict, by=by, result=VettingResult.PASS)


def to_pool(candidate, *, clerk, county):
    """Survey (already done) → nominate (clerk) → review (county) → pass → pool (county)."""
    if candidate.status == Status.SURVEYED:
        candidate = services.reserve_nominate(candidate=candidate, by=clerk)
    candidate = services.reserve_review_request(candidate=candidate, by=county)
    conclude_review(candidate.qualification_review, by=county)
    return services.reserve_pool_enter(candidate=candidate, by=county)
