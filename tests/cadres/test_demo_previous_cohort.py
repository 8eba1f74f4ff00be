"""The demo county's previous term (上届, the 2017 换届) is its own believable 两委: the dashboard's
上届 bars for 村“两委”成员 are not the 书记 ones, and the previous cohort differs from the current
one the way the 2021 换届 changed things (younger, better educated, more 一肩挑, more women)."""

import io
from collections import Counter
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.urls import reverse

from cadres import choices
from cadres.demo import PREVIOUS_COHORT
from cadres.figures import two_committee_posts
from cadres.models import Appointment, User, Village
from core.dates import today
from core.policy import policy_for_year

pytestmark = pytest.mark.django_db

COLLEGE_UP = {choices.Education.COLLEGE, choices.Education.BACHELOR, choices.Education.POSTGRAD}


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    settings.DEMO_PASSWORD = "demo-pass-for-tests"
    call_command("seed_demo", townships=2, stdout=io.StringIO())
    yield
    ContentType.objects.clear_cache()


def _cohort_facts(appointments, on, members: list[str]) -> dict:
    """Shares among the 两委 members holding a post on ``on`` (one row per person)."""
    held = list(appointments.current(on).filter(post__in=members).select_related("person"))
    people = {a.person_id: a.person for a in held}
    sec = {(a.village_id, a.person_id) for a in held if a.post == choices.SECRETARY}
    chair = {(a.village_id, a.person_id) for a in held if a.post == choices.CHAIR}

    def share(n, d):
        return Decimal(100 * n / d).quantize(Decimal("0.1"))

    ages = [p.age_on(on) for p in people.values()]
    return {
        "people": len(people),
        "secretaries": len(sec),
        "one_shoulder": share(len(sec & chair), len(sec)),
        "women": share(sum(p.sex == choices.Sex.FEMALE for p in people.values()), len(people)),
        "college": share(
            sum(max(p.education_fulltime, p.education_inservice) in COLLEGE_UP for p in people.values()), len(people)
        ),
        "mean_age": sum(ages) / len(ages),
    }


def test_the_previous_cohort_is_its_own_believable_two_committees(demo, client):
    members = two_committee_posts(policy_for_year(today().year).section("register")["posts"])
    previous = Appointment.objects.filter(cohort=PREVIOUS_COHORT, status=choices.FilingStatus.FILED)
    snapshot = max(previous.values_list("start_date", flat=True))
    before = _cohort_facts(Appointment.objects.filter(status=choices.FilingStatus.FILED), snapshot, members)
    now = _cohort_facts(Appointment.objects.filter(status=choices.FilingStatus.FILED), today(), members)

    print("FIGURES before", before, "now", now)
    villages = Village.objects.count()
    # most villages have their 2017 term on file, with a whole 两委 (not just the secretary)
    assert 0.8 * villages <= before["secretaries"] <= villages
    assert before["people"] >= 5 * before["secretaries"]
    # different people: most of the 2017 两委 are not on the 2021 one
    prev_people = set(previous.values_list("person_id", flat=True))
    now_people = set(Appointment.objects.current(today()).filter(post__in=members).values_list("person_id", flat=True))
    assert len(prev_people & now_people) < 0.15 * len(prev_people)
    # the 2021 换届's changes show: 一肩挑, women, schooling, age
    assert Decimal("30") <= before["one_shoulder"] <= Decimal("60") < Decimal("80") <= now["one_shoulder"]
    assert Decimal("8") <= before["women"] < now["women"] <= Decimal("40")
    assert Decimal("5") <= before["college"] < now["college"]
    assert 40 <= before["mean_age"] <= 60
    # some left mid-term, each with a reason; the rest at the 2021 换届
    reasons = Counter(previous.values_list("end_reason", flat=True))
    assert not previous.filter(end_date__isnull=True).exists()
    assert reasons[choices.EndReason.ELECTION] > 0.7 * sum(reasons.values())
    midterm = {r for r in reasons if r != choices.EndReason.ELECTION}
    assert len(midterm) >= 3 and "" not in midterm

    # the dashboard's 上届 bars: the 两委 ones are not the 书记 ones
    client.force_login(User.objects.get(username="county"))
    board = client.get(reverse("home")).context["board"]
    sec_age, member_age = board.chart("secretaries-age"), board.chart("two-committees-age")
    sec_edu, member_edu = board.chart("secretaries-education"), board.chart("two-committees-education")
    assert [r[3] for r in sec_age.table.rows] != [r[3] for r in member_age.table.rows]
    assert [r[4] for r in sec_edu.table.rows] != [r[4] for r in member_edu.table.rows]
    assert member_age.table.rows[-1][3] == before["people"]  # 合计 of the 上届 column
    assert sec_age.table.rows[-1][3] == before["secretaries"]
    # and the 上届 shares are not the current ones
    assert [r[4] for r in member_edu.table.rows[:-1]] != [r[2] for r in member_edu.table.rows[:-1]]
