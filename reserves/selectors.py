"""Reads of the reserve pool. Every selector starts from core.scope.scoped."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict

from django.db.models import Count, Q, QuerySet

from cadres.choices import Education, PoliticalStatus, Sex
from cadres.models import Person, Township, Village
from cadres.sheets import _chunks
from core.access import can
from core.history import RelatedRows, diff_entries
from core.scope import get_scoped_or_404, scoped

from . import rules
from .access import MAINTAIN
from .choices import PartyStage, Status
from .filters import ReserveCandidateFilter
from .models import Appraisal, Mentorship, PartyStageRecord, PracticePost, ReserveCandidate, ReserveEvent, mentor_mode
from .policy_section import reserve_rules


def _filtered(qs, filters, request=None):
    if filters is None:
        return qs
    fs = ReserveCandidateFilter(filters, queryset=qs, request=request)
    return fs.qs if fs.is_valid() else qs.none()


OTHER_TOWNSHIP_FILE = "该身份证号已在其他乡镇建档，不在您的数据范围内，请联系县委组织部"


def survey_people(*, user, id_numbers) -> tuple[dict[str, Person], set[str]]:
    """Files ``user`` may put on a reserve list, by ID number, and the numbers whose file lies
    outside the user's scope. The survey form and the roster import both refuse the latter
    (attaching such a person would bring another township's file into the user's scope)."""
    visible: dict[str, Person] = {}
    on_file: set[str] = set()
    for chunk in _chunks(set(id_numbers)):  # bounded IN lists for large sheets
        visible.update((p.id_number, p) for p in scoped(user, Person).filter(id_number__in=chunk))
        on_file.update(Person.objects.filter(id_number__in=chunk).values_list("id_number", flat=True))
    return visible, on_file - set(visible)


def default_cohort(year: int | None = None) -> int:
    return int(reserve_rules(year)["eligibility"]["current_cohort"])


def target_per_village(year: int | None = None) -> int:
    return int(reserve_rules(year)["eligibility"]["target_per_village"])


# ---------------------------------------------------------------------------------------------
# Candidates
# ---------------------------------------------------------------------------------------------


LIST_ORDER = ("village__township__sort_order", "village__code", "cohort", "id")


def candidate_list(*, user, filters=None, request=None) -> QuerySet[ReserveCandidate]:
    # Explicit order: the annotated count (GROUP BY) drops Meta.ordering.
    qs = scoped(user, ReserveCandidate).with_related().order_by(*LIST_ORDER)
    return _filtered(qs, filters, request)


def pooled_count(*, user, cohort: int, township_id: int | None = None) -> int:
    """后备力量入库人数: candidates of ``cohort`` with status 入库 in the user's scope (and township):
    the headline figure of the home page, 统计报表 and the API (the candidate list's
    ``status=pooled&cohort=…`` filter counts the same rows)."""
    qs = scoped(user, ReserveCandidate).filter(status=Status.POOLED, cohort=cohort)
    if township_id:
        qs = qs.filter(village__township_id=township_id)
    return qs.count()


def candidate_get(*, user, pk: int) -> ReserveCandidate:
    return get_scoped_or_404(user, scoped(user, ReserveCandidate).with_development(), pk=pk)


def candidate_events(*, candidate: ReserveCandidate) -> QuerySet[ReserveEvent]:
    return candidate.events.select_related("by").order_by("at", "id")


def mentorship_get(*, user, candidate: ReserveCandidate, pk: int) -> Mentorship:
    return get_scoped_or_404(user, Mentorship, pk=pk, candidate=candidate)


def practice_post_get(*, user, candidate: ReserveCandidate, pk: int) -> PracticePost:
    return get_scoped_or_404(user, PracticePost, pk=pk, candidate=candidate)


def party_history(candidate: ReserveCandidate) -> list[tuple[str, datetime.date, datetime.date | None]]:
    """(stage, date, until) from the prefetch of with_development() when present."""
    return [(r.stage, r.date, r.until) for r in candidate.party_stages.all()]


def party_next_step(candidate: ReserveCandidate) -> dict | None:
    step = rules.next_party_step(party_history(candidate))
    if step is None:
        return None
    stage, due = step
    return {"stage": stage, "label": PartyStage(stage).label, "due": due}


def development_summary(candidate: ReserveCandidate) -> dict:
    """Texts for the village ledger and the person page (from the with_development prefetch)."""
    mentors = list(candidate.mentorships.all())
    active = [m for m in mentors if m.end_date is None]
    return {
        "mentor_mode": mentor_mode(len(active)) if active else "",
        "mentors": "；".join(
            f"{m.mentor_name}（{m.mentor_type_name}，{m.start_date:%Y.%m}—{m.end_date:%Y.%m}）"
            if m.end_date
            else f"{m.mentor_name}（{m.mentor_type_name}，{m.start_date:%Y.%m}起）"
            for m in mentors
        ),
        "practice": "；".join(
            f"{p.post_name}（{p.start_date:%Y.%m}{'—' + format(p.end_date, '%Y.%m') if p.end_date else '起'}）"
            + (f"：{p.assessment}" if p.assessment else "")
            for p in candidate.practice_posts.all()
        ),
        "appraisals": "；".join(f"{a.year}年{a.result_name}" for a in candidate.appraisals.all()),
        "party": "；".join(
            f"{r.get_stage_display()} {r.date:%Y.%m.%d}" + (f"（至{r.until:%Y.%m.%d}）" if r.until else "")
            for r in candidate.party_stages.all()
        ),
        "party_next": party_next_step(candidate),
    }


# ---------------------------------------------------------------------------------------------
# Person page (一人一档)
# ---------------------------------------------------------------------------------------------


def person_candidates(*, user, person) -> list[ReserveCandidate]:
    return list(scoped(user, ReserveCandidate).with_development().filter(person=person).order_by("-cohort", "-id"))


def person_reserve_history(*, user, candidates: list[ReserveCandidate]) -> list[dict]:
    """Changes to this person's reserve records within the user's scope, newest first."""
    ids = [c.pk for c in candidates]
    if not ids:
        return []
    skip = {"id", "candidate", "person", "created_at", "created_by"}
    sources = [
        (ReserveCandidate.history.filter(id__in=ids), "后备力量"),
        (Mentorship.history.filter(candidate_id__in=ids), "导师帮带"),
        (PracticePost.history.filter(candidate_id__in=ids), "定岗锻炼"),
        (Appraisal.history.filter(candidate_id__in=ids), "年度测评"),
        (PartyStageRecord.history.filter(candidate_id__in=ids), "入党进程"),
    ]
    related = RelatedRows(seed=[*candidates, *{c.person for c in candidates if ReserveCandidate.person.is_cached(c)}])
    entries = diff_entries([(qs.order_by(), label) for qs, label in sources], skip, related)  # who: read once
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries


def person_section_context(*, user, person) -> dict:
    candidates = person_candidates(user=user, person=person)
    return {
        "candidates": [{"obj": c, "dev": development_summary(c)} for c in candidates],
        "history": person_reserve_history(user=user, candidates=candidates),
        "person": person,
        "can_add": can(user, MAINTAIN),
    }


# ---------------------------------------------------------------------------------------------
# Coverage (per village against the target; share of villages meeting it)
# ---------------------------------------------------------------------------------------------


def village_coverage(*, user, cohort: int, township_id: int | None = None) -> QuerySet[Village]:
    """Villages in scope annotated with ``pool_count`` (入库 members of ``cohort``)."""
    qs = scoped(user, Village).select_related("township")
    if township_id:
        qs = qs.filter(township_id=township_id)
    return qs.annotate(
        pool_count=Count(
            "reserve_candidates",
            filter=Q(reserve_candidates__cohort=cohort, reserve_candidates__status=Status.POOLED),
        ),
        open_count=Count(
            "reserve_candidates",
            filter=Q(
                reserve_candidates__cohort=cohort,
                reserve_candidates__status__in=[Status.SURVEYED, Status.NOMINATED, Status.REVIEWING],
            ),
        ),
    ).order_by("township__sort_order", "township__code", "code")


def coverage(*, user, cohort: int, target: int | None = None, township_id: int | None = None, villages: bool = True) -> dict:
    """Per village, per township and county: pool members against the target (2 queries).

    ``villages=False``: the township and county figures only (``villages`` and ``below`` empty),
    from one count per village without loading the villages — the county's first screen (a
    prefecture has 5,000 villages; their table is in the export and on each township's page)."""
    target = target_per_village() if target is None else target
    if not villages:
        return _coverage_by_township(user=user, cohort=cohort, target=target, township_id=township_id)
    villages = list(village_coverage(user=user, cohort=cohort, township_id=township_id))
    by_township: dict[int, list[Village]] = defaultdict(list)
    for v in villages:
        v.meets = rules.meets_target(v.pool_count, target)
        v.shortfall = max(0, target - v.pool_count)
        by_township[v.township_id].append(v)
    townships = []
    seen = []
    for v in villages:
        if v.township_id not in seen:
            seen.append(v.township_id)
    for tid in seen:
        rows = by_township[tid]
        townships.append({"township": rows[0].township, **rules.coverage_summary((v.pool_count for v in rows), target)})
    return {
        "cohort": cohort,
        "target": target,
        "villages": villages,
        "townships": townships,
        "county": rules.coverage_summary((v.pool_count for v in villages), target),
        "below": [v for v in villages if not v.meets],
    }


def _coverage_by_township(*, user, cohort: int, target: int, township_id: int | None) -> dict:
    counts: dict[int, list[int]] = defaultdict(list)
    for tid, pool_count in village_coverage(user=user, cohort=cohort, township_id=township_id).values_list(
        "township_id", "pool_count"
    ):
        counts[tid].append(pool_count)
    townships = scoped(user, Township).filter(pk__in=list(counts)).order_by("sort_order", "code")
    return {
        "cohort": cohort,
        "target": target,
        "villages": [],
        "townships": [{"township": t, **rules.coverage_summary(counts[t.pk], target)} for t in townships],
        "county": rules.coverage_summary((c for rows in counts.values() for c in rows), target),
        "below": [],
    }


def adjustment_proposals(*, user, cohort: int, township_id: int | None = None) -> QuerySet[ReserveCandidate]:
    """Pool members whose yearly appraisal was poor: to be removed and replaced (动态调整)."""
    qs = (
        scoped(user, ReserveCandidate)
        .with_related()
        .filter(cohort=cohort, adjustment_proposed_on__isnull=False)
        .filter(status__in=[Status.POOLED, Status.REVIEWING, Status.NOMINATED, Status.SURVEYED])
    )
    return qs.filter(village__township_id=township_id) if township_id else qs


# ---------------------------------------------------------------------------------------------
# Structure of the pool (age bands, education, sex, party, source)
# ---------------------------------------------------------------------------------------------

DIMENSIONS = [
    ("age", "年龄"),
    ("education", "学历"),
    ("sex", "性别"),
    ("party", "政治面貌"),
    ("source", "来源类别"),
]


def _education_of(fulltime: str, inservice: str) -> str:
    levels = [lv for lv in (fulltime, inservice) if lv]
    return max(levels) if levels else ""


def structure(*, user, cohort: int) -> dict:
    """Counts of 入库 members of ``cohort`` by dimension, per township and for the county (1 query
    for the members + 1 for the townships in scope). Age is taken at the policy's cut-off date."""
    rules_ = reserve_rules()
    cutoff = rules.cutoff_date(cohort, rules_["eligibility"].get("age_cutoff", "01-01"))
    rows = (
        scoped(user, ReserveCandidate)
        .pooled()
        .filter(cohort=cohort)
        .order_by()  # counted, not listed: no sort, and no join to the township for one
        .values_list(
            "village__township_id",
            "person__birth_date",
            "person__education_fulltime",
            "person__education_inservice",
            "person__sex",
            "person__political_status",
            "source_name",
        )
    )
    edu_labels = dict(Education.choices)
    sex_labels = dict(Sex.choices)
    party_labels = dict(PoliticalStatus.choices)
    # Counted a dimension at a time by Counter over (township, value) pairs, which runs in C: a
    # prefecture's pool is ~7,000 members × five dimensions × township and county.
    rows = list(rows)
    tids = [r[0] for r in rows]
    band_of: dict = {}
    for birth in {r[1] for r in rows}:
        band_of[birth] = rules.age_band(rules.age_on(birth, cutoff))
    dim_values = {
        "age": [band_of[r[1]] for r in rows],
        "education": [edu_labels.get(_education_of(r[2], r[3]), "未填写") for r in rows],
        "sex": [sex_labels.get(r[4], r[4]) for r in rows],
        "party": [party_labels.get(r[5], r[5]) for r in rows],
        "source": [r[6] or "未填写" for r in rows],
    }
    counts: dict[int | None, dict[str, Counter]] = defaultdict(lambda: {k: Counter() for k, _ in DIMENSIONS})
    for dim, values in dim_values.items():
        for (tid, value), n in Counter(zip(tids, values, strict=True)).items():
            counts[tid][dim][value] = n
        counts[None][dim] = Counter(values)
    totals: Counter = Counter(tids)
    totals[None] = len(rows)
    columns = {
        "age": [label for _, label in rules.AGE_BANDS],
        "education": [label for _, label in Education.choices] + ["未填写"],
        "sex": [label for _, label in Sex.choices],
        "party": [label for _, label in PoliticalStatus.choices],
        "source": sorted({v for c in counts.values() for v in c["source"]}),
    }
    townships = list(scoped(user, Township).order_by("sort_order", "code"))

    def table_rows(dim):
        out = [{"name": t.name, "total": totals[t.pk], "cells": [counts[t.pk][dim][c] for c in columns[dim]]} for t in townships]
        total = totals[None]
        out.append(
            {
                "name": "合计",
                "total": total,
                "cells": [counts[None][dim][c] for c in columns[dim]],
                "shares": [rules.share_percent(counts[None][dim][c], total) for c in columns[dim]],
                "is_total": True,
            }
        )
        return out

    return {
        "cohort": cohort,
        "cutoff": cutoff,
        "total": totals[None],
        "tables": [{"key": k, "label": label, "columns": columns[k], "rows": table_rows(k)} for k, label in DIMENSIONS],
    }


# ---------------------------------------------------------------------------------------------
# Ledgers (一人一档、一村一册、一镇一库)
# ---------------------------------------------------------------------------------------------


def ledger_county(*, user, filters=None) -> QuerySet[ReserveCandidate]:
    """区(县)委后备力量信息库: every record in scope."""
    qs = _filtered(scoped(user, ReserveCandidate).with_development(), filters)
    return qs.order_by("village__township__sort_order", "village__code", "cohort", "id")


def ledger_township(*, user, township_pk: int, filters=None) -> tuple[Township, QuerySet[ReserveCandidate]]:
    """乡镇后备力量档案库 of one township (404 outside the scope)."""
    township = get_scoped_or_404(user, Township, pk=township_pk)
    return township, ledger_county(user=user, filters=filters).filter(village__township=township)


def ledger_village(*, user, village_pk: int, filters=None) -> tuple[Village, QuerySet[ReserveCandidate]]:
    """村级后备力量培养台账 of one village (404 outside the scope)."""
    village = get_scoped_or_404(user, Village.objects.select_related("township"), pk=village_pk)
    return village, ledger_county(user=user, filters=filters).filter(village=village)
