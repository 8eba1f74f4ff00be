"""Demo data for the annual review, on top of the register built by ``manage.py seed_demo``.

Three campaigns: the two earlier years archived (results locked, as after 公示), the last year in
评定 with its results computed — so the demo shows ties returned to townships, invalid meetings,
consequence proposals and the multi-year matrix. Reviews and ballots are generated rows written
with bulk inserts (history entries with reason 演示数据初始化); results come from the real rollup
service, so every number on screen is explained. Deterministic from ``rng``.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from cadres import choices as cc
from cadres.models import Appointment
from core.fastwrite import insert_objects_with_history

from . import services
from .choices import Phase, RaterGroup, ResultStatus
from .models import AnnualReview, BallotTally, ReviewCampaign, ReviewResult

REASON = "演示数据初始化"
BATCH = 2000


def _counts(rng: random.Random, valid: int, profile: str) -> dict[str, int]:
    if profile == "good":
        share = rng.uniform(0.90, 0.99)
    elif profile == "poor":
        share = rng.uniform(0.30, 0.55)
    else:
        share = rng.uniform(0.72, 0.92)
    competent = round(valid * share)
    rest = valid - competent
    incompetent = round(rest * (rng.uniform(0.6, 0.9) if profile == "poor" else rng.uniform(0.0, 0.3)))
    return {"competent": competent, "basic": rest - incompetent, "incompetent": incompetent}


def _tally(
    rng: random.Random, review: AnnualReview, group: str, profile: str, meetings: tuple[datetime.date, datetime.date]
) -> BallotTally:
    entitled = rng.randint(12, 20) if group == RaterGroup.TOWNSHIP else rng.randint(30, 70)
    invalid_meeting = rng.random() < 0.01
    attended = (
        rng.randint(entitled // 2, (entitled * 2) // 3) if invalid_meeting else rng.randint(-(-entitled * 3 // 4), entitled)
    )
    spoilt = 1 if rng.random() < 0.1 and attended > 5 else 0
    return BallotTally(
        review=review,
        group=group,
        entitled=entitled,
        attended=attended,
        counts=_counts(rng, attended - spoilt, profile),
        invalid_ballots=spoilt,
        meeting_date=meetings[0] + datetime.timedelta(days=rng.randint(0, (meetings[1] - meetings[0]).days)),
    )


def _service_years(start: datetime.date, year: int) -> int:
    return max(0, int(((datetime.date(year, 12, 31) - start).days) // 365.25))


def schedule(year: int, *, open_year: int, today: datetime.date) -> dict[str, datetime.date]:
    """Deadlines of a campaign. Archived years keep the usual calendar (reports by 10 January,
    ballots by 20 January, grades by 10 February, 公示 15–21 February of the next year); the open
    year's are set around the day the demo is built — ballots just closed, grading due in under
    two weeks — so the demo never opens on phases months overdue."""
    if year != open_year:
        return {
            "report_deadline": datetime.date(year + 1, 1, 10),
            "ballot_deadline": datetime.date(year + 1, 1, 20),
            "grade_deadline": datetime.date(year + 1, 2, 10),
            "publicity_start": datetime.date(year + 1, 2, 15),
            "publicity_end": datetime.date(year + 1, 2, 21),
        }
    day = datetime.timedelta(days=1)
    return {
        "report_deadline": today - 25 * day,
        "ballot_deadline": today - 10 * day,
        "grade_deadline": today + 12 * day,
        "publicity_start": today + 17 * day,
        "publicity_end": today + 23 * day,
    }


@transaction.atomic
def seed_demo(*, rng: random.Random, today: datetime.date, stdout) -> None:
    last = today.year - 1 if today.month >= 3 else today.year - 2
    years = [last - 2, last - 1, last]
    secretaries = list(
        Appointment.objects.current(today).filter(post=cc.SECRETARY).select_related("village").order_by("village_id")
    )
    profiles = {a.person_id: rng.choices(["good", "fair", "poor"], weights=[18, 78, 4])[0] for a in secretaries}
    for year in years:
        campaign = ReviewCampaign.objects.filter(year=year).first()
        if campaign is None:
            campaign = ReviewCampaign(
                year=year,
                title=f"{year}年度村党组织书记双述双评",
                phase=Phase.GRADE,
                **schedule(year, open_year=last, today=today),
            )
            bulk_create_with_history([campaign], ReviewCampaign, default_change_reason=REASON)
        existing = set(AnnualReview.objects.filter(year=year).values_list("person_id", flat=True))
        reviews = []
        for a in secretaries:
            if a.person_id in existing or a.start_date > datetime.date(year, 12, 31):
                continue
            profile = profiles[a.person_id] if rng.random() < 0.8 else "fair"
            base = {"good": 92, "fair": 84, "poor": 68}[profile]
            reviews.append(
                AnnualReview(
                    campaign=campaign,
                    year=year,
                    person_id=a.person_id,
                    village_id=a.village_id,
                    township_id=a.village.township_id,
                    appointment=a,
                    post_code=a.post,
                    post_name=a.post_name,
                    post_start_date=a.start_date,
                    service_years=_service_years(a.start_date, year),
                    duty_report=f"{year}年，本人认真履行村党组织书记职责，抓党建促发展，带领两委班子完成年度目标任务。",
                    integrity_report="严格遵守廉洁自律各项规定，未发现违规违纪问题。",
                    daily_score=Decimal(rng.randint(base - 8, min(base + 6, 99))),
                    village_score=Decimal(rng.randint(base - 15, min(base + 6, 99))),
                )
            )
            reviews[-1]._profile = profile
        if reviews:
            insert_objects_with_history(reviews, user=None, reason=REASON)
            meetings = (campaign.report_deadline + datetime.timedelta(days=1), campaign.ballot_deadline)
            tallies = [
                _tally(rng, r, group, r._profile, meetings)
                for r in reviews
                for group in (RaterGroup.TOWNSHIP, RaterGroup.MEMBERS)
                if rng.random() > 0.01  # a few ballots still missing
            ]
            insert_objects_with_history(tallies, user=None, reason=REASON)
        if campaign.phase in (Phase.REPORT, Phase.BALLOT, Phase.GRADE):
            services.review_year_rollup(year=year)
        if year != last and campaign.phase != Phase.ARCHIVE:
            # Past years were settled by the townships: ties and re-ballots decided as 称职.
            ReviewResult.objects.filter(year=year, grade="").update(
                grade="competent",
                grade_label="称职",
                override_grade="competent",
                override_reason="乡镇党委研究决定（名额并列或重新测评后）",
                status=ResultStatus.GRADED,
            )
            services.campaigns._lock_results(year=year, by=None)
            ReviewCampaign.objects.filter(pk=campaign.pk).update(phase=Phase.ARCHIVE)
        stdout.write(f"    {year}年度双述双评：{len(reviews)}名书记")
