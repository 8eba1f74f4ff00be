"""Reads of the annual review. Every user-facing queryset starts from ``core.scope.scoped``."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from cadres.models import Person, Township, Village
from core.scope import get_scoped_or_404, scoped

from .choices import ProposalStatus, RaterGroup, ResultStatus
from .filters import ProposalFilter, ResultFilter, ReviewFilter
from .models import (
    AnnualReview,
    BallotTally,
    ConsequenceProposal,
    ReviewCampaign,
    ReviewFile,
    ReviewItem,
    ReviewResult,
    RollupRun,
)
from .policy_section import rules_for_year


def _filtered(filterset_class, qs, filters):
    """``qs`` narrowed by the app's FilterSet (the API's, where an invalid parameter is a 400).
    The pages and their exports ignore an invalid parameter and filter by the valid ones (the page
    names it in a warning above the list)."""
    if not filters:
        return qs
    fs = filterset_class(filters, queryset=qs)
    if not fs.is_valid():
        valid = filters.copy()
        for name in fs.errors:
            valid.pop(name, None)
        fs = filterset_class(valid, queryset=qs)
    return fs.qs


def campaign_list(*, user) -> QuerySet[ReviewCampaign]:
    # Campaigns are county-wide; the review count is the user's scope only (a clerk: own township).
    in_scope = Q(reviews__in=scoped(user, AnnualReview).values("pk"))
    return scoped(user, ReviewCampaign).annotate(review_count=Count("reviews", filter=in_scope))


def campaign_get(*, user, year: int) -> ReviewCampaign:
    return get_scoped_or_404(user, ReviewCampaign, year=year)


def review_list(*, user, year: int | None = None, filters=None) -> QuerySet[AnnualReview]:
    """``filters``: the query parameters of ReviewFilter (township, status, q; year from the path)."""
    qs = scoped(user, AnnualReview).with_related()
    if year is not None:
        qs = qs.filter(year=year)
    qs = qs.annotate(
        # the ballot's id or None, as a scalar subquery: PostgreSQL answers an EXISTS for all the
        # year's reviews by hashing every ballot of every year before the page's LIMIT (7 ms of a
        # 9 ms list query at prefecture scale); a scalar subquery runs for the page's rows only
        township_ballot_id=Subquery(
            BallotTally.objects.filter(review=OuterRef("pk"), group=RaterGroup.TOWNSHIP).values("pk")[:1]
        ),
        members_ballot_id=Subquery(BallotTally.objects.filter(review=OuterRef("pk"), group=RaterGroup.MEMBERS).values("pk")[:1]),
        # a subquery, not Count("files"): a JOIN + GROUP BY over every review of the year would
        # run before the page's LIMIT; the subquery runs for the page's rows only
        file_count=Coalesce(
            Subquery(
                ReviewFile.objects.filter(review=OuterRef("pk")).order_by().values("review").annotate(n=Count("pk")).values("n")
            ),
            0,
        ),
    )
    return _filtered(ReviewFilter, qs, filters).order_by("township__sort_order", "village__code", "id")


def review_get(*, user, pk: int) -> AnnualReview:
    qs = scoped(user, AnnualReview).select_related("person", "village", "township", "campaign", "appointment")
    return get_scoped_or_404(user, qs, pk=pk)


def review_detail_parts(*, review: AnnualReview) -> dict:
    """The review's own rows (the review was loaded through a scoped selector)."""
    result = ReviewResult.objects.filter(review=review).select_related("override_by").first()
    return {
        "tallies": {t.group: t for t in BallotTally.objects.filter(review=review)},
        "items": list(ReviewItem.objects.filter(review=review)),
        "files": list(ReviewFile.objects.filter(review=review).select_related("uploaded_by")),
        "result": result,
        "amendments": list(result.amendments.select_related("by")) if result else [],
        "proposals": list(ConsequenceProposal.objects.filter(review=review).select_related("decided_by")),
    }


def review_file_get(*, user, pk: int) -> ReviewFile:
    return get_scoped_or_404(user, ReviewFile.objects.select_related("review"), pk=pk)


def result_list(*, user, year: int, filters=None) -> QuerySet[ReviewResult]:
    """``filters``: the query parameters of ResultFilter (township, grade, status, category or
    village_category; year from the path)."""
    qs = scoped(user, ReviewResult).for_year(year).with_related()
    return _filtered(ResultFilter, qs, filters).order_by("township__sort_order", "rank", "village__code", "id")


def result_get(*, user, pk: int) -> ReviewResult:
    return get_scoped_or_404(user, ReviewResult.objects.with_related(), pk=pk)


# What township_progress reads: a write to any of them (every write leaves history) moves the version.
PROGRESS_SOURCES = (AnnualReview, ReviewResult, BallotTally, ReviewFile, Township)
PROGRESS_CACHE_SECONDS = 60 * 60


def township_progress(*, user, year: int, quota_grades: tuple[str, ...] = ()) -> list[dict]:
    """Per township: reviews, reports entered, ballots entered, scores entered, results, ties and
    the results graded within ``quota_grades`` (the quota-limited grades, 优秀 by default policy).

    Kept in the cache per scope, year, grades and data version (the newest history of every table
    it reads, one query): at prefecture scale the counts are grouped queries over 50,000 reviews
    (≈25 ms), read on every visit to the campaign page but changed only by entering or rolling up
    reviews — which moves the version, so the page never shows older counts than the data."""
    from core.cache import cached_per_scope
    from core.dashboard import models_version

    return cached_per_scope(
        "assessments:progress",
        user=user,
        parts=(year, ",".join(quota_grades), models_version(PROGRESS_SOURCES)),
        compute=lambda: _township_progress(user=user, year=year, quota_grades=quota_grades),
        seconds=PROGRESS_CACHE_SECONDS,
    )


def _township_progress(*, user, year: int, quota_grades: tuple[str, ...]) -> list[dict]:
    """township_progress, counted: three grouped queries over the scoped reviews plus the
    township list."""
    townships = list(scoped(user, Township).order_by("sort_order", "code"))
    reviews = scoped(user, AnnualReview).filter(year=year).order_by()
    # Three grouped queries, none of which multiplies the reviews by a join (ballots are one per
    # review and group, by constraint; a result is one per review): no DISTINCT counts and no
    # per-review subquery (≈30 ms → ≈10 ms for 5,000 reviews).
    rows = reviews.values("township_id").annotate(
        reviews=Count("id"),
        reports=Count("id", filter=~Q(duty_report="")),
        daily=Count("id", filter=Q(daily_score__isnull=False)),
        graded=Count("id", filter=~Q(result__grade="")),
        ties=Count("id", filter=Q(result__status=ResultStatus.TIE)),
        invalid=Count("id", filter=Q(result__status=ResultStatus.INVALID)),
        quota_used=Count("id", filter=Q(result__grade__in=list(quota_grades))),
    )
    by_tid = {r["township_id"]: r for r in rows}
    # 述职报告 uploaded as a file instead of typed in
    for r in reviews.filter(duty_report="", files__kind="duty").values("township_id").annotate(n=Count("id", distinct=True)):
        by_tid[r["township_id"]]["reports"] += r["n"]
    ballots = {RaterGroup.TOWNSHIP: "township_ballots", RaterGroup.MEMBERS: "members_ballots"}
    for r in (
        scoped(user, BallotTally)
        .filter(review__year=year, group__in=list(ballots))
        .order_by()
        .values("review__township_id", "group")
        .annotate(n=Count("id"))
    ):
        by_tid.setdefault(r["review__township_id"], {})[ballots[r["group"]]] = r["n"]
    out = []
    for t in townships:
        r = by_tid.get(t.pk, {})
        n = r.get("reviews", 0)
        complete = min(r.get("township_ballots", 0), r.get("members_ballots", 0), r.get("daily", 0))
        out.append(
            {
                "township": t,
                "reviews": n,
                "reports": r.get("reports", 0),
                "township_ballots": r.get("township_ballots", 0),
                "members_ballots": r.get("members_ballots", 0),
                "daily": r.get("daily", 0),
                "graded": r.get("graded", 0),
                "ties": r.get("ties", 0),
                "invalid": r.get("invalid", 0),
                "quota_used": r.get("quota_used", 0),
                "percent": round(100 * complete / n) if n else 0,
            }
        )
    return out


def meeting_townships(*, user, year: int, township_ids=None) -> list[dict]:
    """Per township (in order; only ``township_ids`` when given: the page of townships shown),
    how many villages and people it has to review in the year: the campaign page's row of
    township ballots and tally sheets (each township's villages are on a page of their own). One
    query."""
    rows = scoped(user, AnnualReview).filter(year=year)
    if township_ids is not None:
        rows = rows.filter(township_id__in=township_ids)
    rows = (
        rows.values("township_id", "township__name")
        .annotate(villages=Count("village_id", distinct=True), people=Count("id"))
        .order_by("township__sort_order", "township__code")
    )
    return [
        {"township_id": r["township_id"], "name": r["township__name"], "villages": r["villages"], "people": r["people"]}
        for r in rows
    ]


def county_quota_use(*, year: int, quota_grades: tuple[str, ...]) -> dict[str, int]:
    """County-wide counts for a county-wide quota: reviews of the year and results graded within
    ``quota_grades`` (two counts, no personal data: every township's clerk sees the same figures)."""
    return {
        "reviews": AnnualReview.objects.filter(year=year).count(),
        "used": ReviewResult.objects.filter(year=year, grade__in=list(quota_grades)).count(),
    }


def rollup_run_list(*, user, year: int) -> QuerySet[RollupRun]:
    return scoped(user, RollupRun).filter(year=year).select_related("township", "requested_by")


def rollup_run_get(*, user, pk: int) -> RollupRun:
    return get_scoped_or_404(user, RollupRun.objects.select_related("township"), pk=pk)


def proposal_list(*, user, filters=None) -> QuerySet[ConsequenceProposal]:
    """``filters``: the query parameters of ProposalFilter (year, status, kind)."""
    qs = scoped(user, ConsequenceProposal).with_related()
    return _filtered(ProposalFilter, qs, filters).order_by("-year", "status", "id")


def proposal_get(*, user, pk: int) -> ConsequenceProposal:
    return get_scoped_or_404(user, ConsequenceProposal.objects.with_related(), pk=pk)


# ---------------------------------------------------------------------------------------------
# Multi-year matrices and the person page
# ---------------------------------------------------------------------------------------------


def _years(qs) -> list[int]:
    return sorted(qs.order_by().values_list("year", flat=True).distinct())


def person_results(*, user, person: Person) -> list[ReviewResult]:
    return list(scoped(user, ReviewResult).filter(person=person).select_related("village", "township").order_by("-year"))


def person_final_grades(*, user, person_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    """Each person's published results as (year, grade label), oldest first: 年度考核结果 on the
    干部任免审批表 (PDF and .lrmx). One query for all the people."""
    out: dict[int, list[tuple[int, str]]] = defaultdict(list)
    rows = (
        scoped(user, ReviewResult)
        .final()
        .filter(person_id__in=person_ids)
        .order_by("person_id", "year", "id")
        .values_list("person_id", "year", "grade_label", "grade")
    )
    for person_id, year, label, grade in rows:
        out[person_id].append((year, label or grade))
    return dict(out)


def person_section_context(*, user, person: Person) -> dict:
    """The review section of the person page: results by year, proposals, open reviews."""
    results = person_results(user=user, person=person)
    return {
        "person": person,
        "results": results,
        "proposals": list(
            scoped(user, ConsequenceProposal).filter(person=person).select_related("decided_by").order_by("-year", "id")
        ),
        "reviews_without_result": list(
            scoped(user, AnnualReview).filter(person=person, result__isnull=True).select_related("village").order_by("-year")
        ),
    }


def results_matrix(*, user, by: str, filters: dict | None = None, years: int = 5) -> dict:
    """Rows (people or villages) × the last ``years`` years of results, from one query for the
    results and one for the rows. ``by``: "person" | "village"."""
    filters = filters or {}
    results = _filtered(ResultFilter, scoped(user, ReviewResult), {"township": filters.get("township") or ""})
    all_years = _years(results)[-years:]
    results = results.filter(year__in=all_years)
    key = "person_id" if by == "person" else "village_id"
    cells: dict[int, dict[int, dict]] = defaultdict(dict)
    for row in results.values(key, "year", "grade_label", "score", "village_category_label", "stars"):
        cells[row[key]][row["year"]] = row
    if by == "person":
        rows_qs = scoped(user, Person).filter(pk__in=list(cells)).order_by("name", "id")
    else:
        rows_qs = (
            scoped(user, Village).filter(pk__in=list(cells)).select_related("township").order_by("township__sort_order", "code")
        )
    rows = [{"obj": obj, "cells": [cells[obj.pk].get(y) for y in all_years]} for obj in rows_qs]
    return {"years": all_years, "rows": rows}


def village_results(*, user, village: Village) -> list[ReviewResult]:
    return list(scoped(user, ReviewResult).filter(village=village).select_related("person").order_by("-year"))


def open_proposal_count(*, user) -> int:
    return scoped(user, ConsequenceProposal).filter(status=ProposalStatus.PROPOSED).count()


# ---------------------------------------------------------------------------------------------
# CONTRACT with the pay ledger (subsidies): final results only
# ---------------------------------------------------------------------------------------------


def review_results_for_pay(*, year: int, township_ids: list[int] | None = None) -> list[dict]:
    """Final (locked after 公示) results of ``year`` for the pay ledger.

    The caller (subsidies' services) narrows ``township_ids`` to its own scope. Each dict:
    person_id, village_id, township_id, grade (code), grade_label, score (Decimal), village_category
    (code or ""), stars (int), score_scale (Decimal: the year's full marks, 100 or 1000)."""
    scale = rules_for_year(year).scale
    qs = ReviewResult.objects.final().filter(year=year)
    if township_ids is not None:
        qs = qs.filter(township_id__in=list(township_ids))
    return [
        {
            "person_id": r["person_id"],
            "village_id": r["village_id"],
            "township_id": r["township_id"],
            "grade": r["grade"],
            "grade_label": r["grade_label"],
            "score": r["score"],
            "village_category": r["village_category"] or "",
            "stars": r["stars"],
            "score_scale": scale,
        }
        for r in qs.order_by("township_id", "village_id", "person_id").values(
            "person_id", "village_id", "township_id", "grade", "grade_label", "score", "village_category", "stars"
        )
    ]


def meeting_reviews(*, user, year: int, village: Village | None = None, township: Township | None = None) -> list[AnnualReview]:
    """The people reviewed at a village's 测评 meeting (or at every village of a township) in a
    year, with their entered ballot tallies, ordered by village and name: two queries."""
    qs = scoped(user, AnnualReview).filter(year=year).select_related("person", "village__township")
    if village is not None:
        qs = qs.filter(village=village)
    if township is not None:
        qs = qs.filter(township=township)
    tallies = scoped(user, BallotTally).order_by("group")
    return list(qs.prefetch_related(Prefetch("tallies", queryset=tallies)).order_by("village__code", "person__name", "pk"))


def meeting_villages(*, user, year: int, township_id: int | None = None) -> list[dict]:
    """Per township (in order), the villages that have someone to review in the year (of one
    township, when given): the links to the ballots and tally sheets. One query."""
    reviews = scoped(user, AnnualReview).filter(year=year)
    if township_id is not None:
        reviews = reviews.filter(township_id=township_id)
    rows = (
        reviews.values("township_id", "township__name", "village_id", "village__name", "village__code")
        .annotate(people=Count("id"))
        .order_by("township__sort_order", "township__code", "village__code")
    )
    out: list[dict] = []
    for r in rows:
        if not out or out[-1]["township_id"] != r["township_id"]:
            out.append({"township_id": r["township_id"], "name": r["township__name"], "villages": []})
        out[-1]["villages"].append({"pk": r["village_id"], "name": r["village__name"], "people": r["people"]})
    return out
