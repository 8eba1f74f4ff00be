"""Coverage report ("不漏一人"): hand computations for the boundary cases, scope, query bound."""

import datetime
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cadres import choices
from cadres.models import Appointment, Person, Village
from training import selectors, services
from training.choices import AttendanceStatus as A
from training.choices import InductionStatus, Level
from training.models import Enrollment, TrainingSession

from ..factories import AppointmentFactory, PersonFactory
from .factories import TrainingSessionFactory

D = datetime.date
TODAY = D(2025, 12, 15)


def attend(by, session, person, *statuses):
    e = Enrollment.objects.filter(session=session, person=person).first() or services.enrollment_add(
        session=session, person=person, by=by
    )
    marks = {day: s for (day, _), s in zip(session.days(), statuses, strict=False)}
    return services.attendance_record(enrollment=e, by=by, marks=marks)


@pytest.fixture
def county(county_user, village_a, village_b):
    """甲一村: 李 secretary+chair all year (一肩挑); 王 committee member; 陈 new member from 2025-04-10.
    乙一村: 赵 secretary since 2025-07-01 (took the post mid-year, no training); 孙 committee member
    promoted from 2025-07-01 (not new), earlier member since 2021."""
    li = PersonFactory(name="李建国")
    AppointmentFactory(person=li, village=village_a, post=choices.SECRETARY)
    AppointmentFactory(person=li, village=village_a, post=choices.CHAIR)
    wang = AppointmentFactory(village=village_a, post="committee_member", person=PersonFactory(name="王芳")).person
    chen = AppointmentFactory(
        village=village_a, post="committee_member", start_date=D(2025, 4, 10), person=PersonFactory(name="陈新")
    ).person
    zhao = AppointmentFactory(
        village=village_b, post=choices.SECRETARY, start_date=D(2025, 7, 1), person=PersonFactory(name="赵强")
    ).person
    sun = PersonFactory(name="孙力")
    AppointmentFactory(person=sun, village=village_b, post="committee_member", end_date=D(2025, 6, 30), end_reason="election")
    AppointmentFactory(person=sun, village=village_b, post="vice_chair", start_date=D(2025, 7, 1))
    # previous secretary of 乙一村 left in June: not in post at the reference date, so not listed
    AppointmentFactory(
        village=village_b,
        post=choices.SECRETARY,
        end_date=D(2025, 6, 30),
        end_reason="election",
        person=PersonFactory(name="钱旧"),
    )

    county_rotation = TrainingSessionFactory(
        code="PX2025-001", start_date=D(2025, 3, 3), end_date=D(2025, 3, 5), half_days=["2025-03-05"]
    )
    township_class = TrainingSessionFactory(
        code="PX2025-002", level=Level.TOWNSHIP, township=village_a.township, start_date=D(2025, 6, 2), end_date=D(2025, 6, 4)
    )
    old_year = TrainingSessionFactory(code="PX2024-001", start_date=D(2024, 3, 4), end_date=D(2024, 3, 8))
    attend(county_user, county_rotation, li, A.PRESENT, A.PRESENT, A.PRESENT)  # 20 h, county level
    attend(county_user, township_class, li, A.PRESENT, A.PRESENT, A.PRESENT)  # +24 h = 44 h < 56
    attend(county_user, township_class, wang, A.PRESENT, A.LEAVE, A.PRESENT)  # 16 h < 32
    attend(county_user, township_class, chen, A.PRESENT, A.PRESENT, A.PRESENT)  # 24 h by 06-04, deadline 07-10
    attend(county_user, old_year, zhao, A.PRESENT, A.PRESENT, A.PRESENT, A.PRESENT, A.PRESENT)  # 2024 only
    attend(county_user, county_rotation, sun, A.PRESENT, A.PRESENT, A.PRESENT)  # 20 h
    return {"li": li, "wang": wang, "chen": chen, "zhao": zhao, "sun": sun}


def test_coverage_equals_the_hand_computation(county_user, county, township_a, township_b):
    report = selectors.coverage_report(user=county_user, year=2025, today=TODAY)
    assert report.ref_date == TODAY
    a = next(t for t in report.townships if t.township_id == township_a.pk)
    b = next(t for t in report.townships if t.township_id == township_b.pk)

    [li] = a.secretaries
    assert (li.name, li.posts, li.hours, li.required, li.county_sessions, li.trained) == (
        "李建国",
        "村党组织书记、村民委员会主任",
        Decimal("44.0"),
        Decimal("56.0"),  # two posts: the larger requirement, not 56 + 32
        1,
        True,
    )
    [zhao] = b.secretaries
    # took the post 2025-07-01: 6 months → 56 × 6 / 12 = 28 h; 2024 hours do not count
    assert (zhao.name, zhao.hours, zhao.required, zhao.trained) == ("赵强", Decimal("0.0"), Decimal("28.0"), False)
    assert [r.name for r in report.county.not_trained] == ["赵强"]
    assert [r.name for r in report.county.trained] == ["李建国"]
    assert a.rate == "100.0%" and b.rate == "0.0%" and report.county.rate == "50.0%"

    short = {r.name: (r.hours, r.required, r.short) for r in report.county.short_members}
    assert short == {
        "李建国": (Decimal("44.0"), Decimal("56.0"), Decimal("12.0")),
        "王芳": (Decimal("16.0"), Decimal("32.0"), Decimal("16.0")),
        # 陈: new from April → 9 months → 24 h required, has 24 h: not short
        "赵强": (Decimal("0.0"), Decimal("28.0"), Decimal("28.0")),
        # 孙: member Jan–Jun and vice chair Jul–Dec, both 32 h posts, 12 months → 32 h; has 20 h
        "孙力": (Decimal("20.0"), Decimal("32.0"), Decimal("12.0")),
    }

    inductions = {r.name: r.result for r in report.county.inductions}
    # 陈 is new (inducted in time); 赵 became secretary with no post the day before → new, overdue
    # since 2025-10-02; 孙 moved from member to vice chair → not new.
    assert set(inductions) == {"陈新", "赵强"}
    assert (inductions["陈新"].status, inductions["陈新"].completed_on) == (InductionStatus.ON_TIME, D(2025, 6, 4))
    assert inductions["赵强"].status == InductionStatus.OVERDUE
    assert inductions["赵强"].deadline == D(2025, 10, 1)
    assert inductions["赵强"].overdue_since == D(2025, 10, 2)
    assert [r.name for r in b.inductions_late] == ["赵强"]
    assert a.inductions_late == []


def test_clerk_sees_only_the_own_township(clerk_a, county):
    report = selectors.coverage_report(user=clerk_a, year=2025, today=TODAY)
    assert [t.name for t in report.townships] == ["甲镇"]
    assert [r.name for r in report.county.secretaries] == ["李建国"]
    assert {r.name for r in report.county.short_members} == {"李建国", "王芳"}


def test_past_year_uses_the_end_of_that_year(county_user, county):
    report = selectors.coverage_report(user=county_user, year=2024, today=TODAY)
    assert report.ref_date == D(2024, 12, 31)
    names = {r.name: r for r in report.county.secretaries}
    assert set(names) == {"李建国", "钱旧"}  # 赵 was not yet secretary at the end of 2024
    assert names["钱旧"].trained is False


def build_big_county(n_people: int, n_sessions: int, seed: int = 7) -> None:
    """A generated county: 25 townships, 250 villages, ``n_people`` cadres, ``n_sessions``
    sessions, every person enrolled in two of them (bulk inserts, no history)."""
    rng = random.Random(seed)
    from ..factories import TownshipFactory

    townships = [TownshipFactory(name=f"大{i:02d}镇", code=f"43019{i:04d}") for i in range(25)]
    villages = Village.objects.bulk_create(
        [Village(township=t, name=f"{t.name}{j:02d}村", code=f"{t.code}{j:03d}") for t in townships for j in range(10)]
    )
    from cadres.idcard import make_id_number

    people = Person.objects.bulk_create(
        [
            Person(
                id_number=make_id_number("430122", D(1970, 1, 1) + datetime.timedelta(days=i // 50), i % 50, True),
                name=f"人{i:05d}",
                sex="M",
                birth_date=D(1970, 1, 1) + datetime.timedelta(days=i // 50),
            )
            for i in range(n_people)
        ]
    )
    posts = ["secretary", "chair", "committee_member", "party_member", "vice_chair", "deputy_secretary"]
    appts = []
    for i, p in enumerate(people):
        v = villages[i % len(villages)]
        post = posts[(i // len(villages)) % len(posts)]
        start = D(2021, 4, 1) if rng.random() < 0.8 else D(2025, rng.randint(1, 11), 1)
        post = post if post != "secretary" or i < len(villages) else "committee_member"
        appts.append(Appointment(person=p, village=v, post=post, post_name=post, start_date=start, status="filed"))
    Appointment.objects.bulk_create(appts)
    sessions = TrainingSession.objects.bulk_create(
        [
            TrainingSession(
                code=f"PX2025-{k + 1:03d}",
                title=f"班{k}",
                level=Level.COUNTY if k % 4 == 0 else Level.TOWNSHIP,
                kind="rotation",
                organiser="县委党校",
                start_date=D(2025, 1 + k % 11, 1 + k % 20),
                end_date=D(2025, 1 + k % 11, 3 + k % 20),
            )
            for k in range(n_sessions)
        ]
    )
    enrolments = []
    for i, p in enumerate(people):
        v = villages[i % len(villages)]
        for s in rng.sample(sessions, 2):
            enrolments.append(  # noqa: PERF401 (readable; one rng draw per row)
                Enrollment(
                    session=s, person=p, township_id=v.township_id, village=v, hours_credited=Decimal(rng.choice([0, 8, 16, 20]))
                )
            )
    Enrollment.objects.bulk_create(enrolments, batch_size=2000)


def test_coverage_of_a_5000_person_county_has_a_bounded_number_of_queries(client, county_user, django_assert_max_num_queries):
    build_big_county(5000, 200)
    client.force_login(county_user)
    # session, user, policy profile ×2 (requirements, page), posts, hours aggregate, induction
    # trainings, townships, scope label — bounded whatever the size.
    with django_assert_max_num_queries(14):
        response = client.get("/training/coverage/?year=2025")
    assert response.status_code == 200
    report = response.context["report"]
    assert len(report.county.secretaries) == 250
    assert len(report.townships) == 25
    with CaptureQueriesContext(connection) as ctx:
        selectors.coverage_report(user=county_user, year=2025, today=TODAY)
    assert len(ctx.captured_queries) <= 6


def test_coverage_page_shows_fifty_names_a_list_and_pages_each_list_on_its_own(
    client, county_user, django_assert_max_num_queries
):
    build_big_county(600, 20)
    client.force_login(county_user)
    response = client.get("/training/coverage/?year=2025")
    report, pages = response.context["report"], response.context["pages"]
    not_trained = report.county.not_trained
    assert len(not_trained) > 50  # the whole list is in the report (and the export) …
    assert list(pages["not_trained"]) == not_trained[:50]  # … the first screen shows 50 names
    assert "完整名单请点" in response.content.decode()
    second = client.get("/training/coverage/?year=2025&p_not_trained=2")
    assert list(second.context["pages"]["not_trained"]) == not_trained[50:100]
    assert list(second.context["pages"]["trained"]) == report.county.trained[:50]  # the other lists stay on page 1
    # the same page again: the report comes from the cache (one version query instead of the report's)
    with django_assert_max_num_queries(10):
        again = client.get("/training/coverage/?year=2025&p_not_trained=2")
    assert list(again.context["pages"]["not_trained"]) == not_trained[50:100]


def test_cached_coverage_follows_a_write(county, county_user):
    before = selectors.coverage_report_cached(user=county_user, year=2025)
    li = Person.objects.get(name="李建国")
    row = next(r for r in before.county.secretaries if r.person_id == li.pk)
    session = TrainingSessionFactory(level=Level.COUNTY, start_date=D(2025, 3, 3), end_date=D(2025, 3, 3))
    attend(county_user, session, li, A.PRESENT)
    after = selectors.coverage_report_cached(user=county_user, year=2025)
    assert next(r for r in after.county.secretaries if r.person_id == li.pk).hours > row.hours
