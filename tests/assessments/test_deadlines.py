"""Campaign deadlines flagged as overdue (pure table tests + the campaign page), the scheduled
rollup date in leap and non-leap years, and the clerk's registered permissions."""

import datetime

import pytest
from django.urls import reverse

from assessments import deadlines, services
from assessments.choices import Phase, RaterGroup

from .factories import YEAR, CampaignFactory, ReviewFactory, scored_review, tally

D = datetime.date
DATES = {
    "report_deadline": D(2025, 11, 30),
    "ballot_deadline": D(2025, 12, 20),
    "grade_deadline": D(2026, 1, 10),
    "publicity_end": D(2026, 1, 20),
}


@pytest.mark.parametrize(
    ("phase", "today", "expected"),
    [
        (Phase.REPORT, D(2025, 11, 30), {}),  # on the deadline day: not yet overdue
        (Phase.REPORT, D(2025, 12, 1), {"report": 1}),
        (Phase.REPORT, D(2025, 12, 25), {"report": 25, "ballot": 5}),
        (Phase.BALLOT, D(2025, 12, 25), {"ballot": 5}),  # 述职 is done: only 测评 is late
        (Phase.GRADE, D(2025, 12, 25), {}),
        (Phase.GRADE, D(2026, 1, 12), {"grade": 2}),
        (Phase.PUBLICITY, D(2026, 1, 25), {"publicity": 5}),
        (Phase.ARCHIVE, D(2026, 3, 1), {}),
    ],
)
def test_overdue_phases(phase, today, expected):
    got = deadlines.overdue_phases(phase=phase, deadlines=DATES, today=today)
    assert {k: v.days for k, v in got.items()} == expected


def test_missing_deadlines_are_never_overdue():
    assert deadlines.overdue_phases(phase=Phase.REPORT, deadlines=dict.fromkeys(DATES), today=D(2030, 1, 1)) == {}


FULL = {"reviews": 4, "reports": 4, "township_ballots": 4, "members_ballots": 4, "daily": 4}


@pytest.mark.parametrize(
    ("phase", "today", "progress", "expected"),
    [
        (Phase.BALLOT, D(2025, 12, 25), FULL, []),
        (Phase.BALLOT, D(2025, 12, 25), {**FULL, "reports": 3}, ["述职（3/4）已逾期 25 天"]),
        (Phase.BALLOT, D(2025, 12, 25), {**FULL, "members_ballots": 1}, ["测评录入（缺3人）已逾期 5 天"]),
        (Phase.BALLOT, D(2025, 12, 20), {**FULL, "daily": 0}, []),  # 测评截止 not passed yet
        (
            Phase.GRADE,
            D(2026, 1, 2),
            {**FULL, "daily": 2, "reports": 0},
            ["述职（0/4）已逾期 33 天", "测评录入（缺2人）已逾期 13 天"],
        ),
        (Phase.PUBLICITY, D(2026, 1, 2), {**FULL, "daily": 0}, []),  # results published: entry closed
        (Phase.BALLOT, D(2025, 12, 25), {"reviews": 0}, []),
    ],
)
def test_overdue_township(phase, today, progress, expected):
    got = deadlines.overdue_township(phase=phase, deadlines=DATES, today=today, progress=progress)
    assert [o.text for o in got] == expected


@pytest.mark.django_db
def test_campaign_page_shows_overdue_phase_and_township_in_red(client, county_user, village_a, village_b, monkeypatch):
    campaign = CampaignFactory(phase=Phase.BALLOT, ballot_deadline=D(2025, 12, 20), report_deadline=D(2025, 11, 30))
    scored_review(village=village_a, campaign=campaign, duty_report="述职报告")
    late = ReviewFactory(campaign=campaign, village=village_b, duty_report="述职报告")
    tally(late, RaterGroup.TOWNSHIP)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: D(2025, 12, 23))
    client.force_login(county_user)
    response = client.get(reverse("assessments:campaign_detail", args=[YEAR]))
    html = response.content.decode()
    assert "2. 测评（已逾期 3 天）" in html and "text-bg-danger" in html
    assert html.count("已逾期 3 天") >= 3  # phase badge, the 测评截止 line, the late township
    rows = {r["township"].pk: [o.text for o in r["overdue"]] for r in response.context["progress"]}
    assert rows == {village_a.township_id: [], village_b.township_id: ["测评录入（缺1人）已逾期 3 天"]}
    assert 'class="table-danger"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2023, D(2024, 2, 29)),  # 2024 is a leap year
        (2024, D(2025, 2, 28)),
        (2099, D(2100, 2, 28)),  # 2100 is not (divisible by 100, not by 400)
        (2199, D(2200, 2, 28)),
        (2399, D(2400, 2, 29)),  # 2400 is
    ],
)
def test_scheduled_rollup_on_29_february_only_in_leap_years(year, expected):
    from cadres.models import PolicyProfile
    from core.policy import default_profile_data

    data = default_profile_data()
    data["assessments"]["schedule"] = {**data["assessments"].get("schedule", {}), "rollup_month": 2, "rollup_day": 29}
    data["assessments"]["schedule"]["rollup_next_year"] = True
    PolicyProfile.objects.create(year=2000, title="测试", data=data)
    assert services.rollup_scheduled_date(year) == expected


@pytest.mark.django_db
def test_every_permission_registered_for_clerks_exists(clerk_a):
    from django.contrib.auth.models import Permission

    from cadres.choices import Role
    from core.roles import ROLE_PERMISSIONS

    mine = sorted(p for p in ROLE_PERMISSIONS[Role.CLERK] if p.split(".")[0] in ("assessments", "subsidies"))
    existing = {
        f"{a}.{c}"
        for a, c in Permission.objects.values_list("content_type__app_label", "codename")
        if a in ("assessments", "subsidies")
    }
    assert mine and [p for p in mine if p not in existing] == []
    assert all(clerk_a.has_perm(p) for p in mine)
