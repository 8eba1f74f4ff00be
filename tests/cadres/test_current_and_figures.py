"""Issue 13: "current" means current on a date (an appointment starting later is 待任 and counted
nowhere until its start date), and every headline figure has one definition: the home page,
统计报表 and the API agree, for county staff and for a clerk."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from cadres import choices, figures
from cadres.filters import AppointmentFilter, FirstSecretaryFilter, PersonFilter, VillageFilter
from cadres.models import Appointment, FirstSecretary, Person, Village
from cadres.reports import STRUCTURE_KEYS, structure_table
from core import dates as core_dates
from core.dashboard import build_dashboard
from tests.factories import AppointmentFactory, FirstSecretaryFactory, PersonFactory, VillageFactory

TODAY = core_dates.today()
TOMORROW = TODAY + datetime.timedelta(days=1)


@pytest.fixture
def frozen(monkeypatch):
    """Move "today" (core.dates.today, the project's only clock for dates)."""

    def freeze(day: datetime.date):
        monkeypatch.setattr(core_dates, "today", lambda: day)

    return freeze


def _count(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["page_obj"].paginator.count


# ---------------------------------------------------------------------------------------------
# The one definition
# ---------------------------------------------------------------------------------------------


def test_current_on_a_date_is_filed_started_and_not_ended(village_a):
    person = PersonFactory()
    starts = AppointmentFactory(person=person, village=village_a, start_date=TOMORROW)
    ended_today = AppointmentFactory(
        village=village_a,
        post=choices.CHAIR,
        start_date=datetime.date(2021, 4, 1),
        end_date=TODAY,
        end_reason=choices.EndReason.RESIGNED,
    )
    draft = AppointmentFactory(village=VillageFactory(), status=choices.FilingStatus.DRAFT)
    current = set(Appointment.objects.current().values_list("pk", flat=True))
    assert current == set()  # not started, ended today (离任当日不再在任), not filed
    assert set(Appointment.objects.current(TOMORROW).values_list("pk", flat=True)) == {starts.pk}
    assert set(Appointment.objects.current(TODAY - datetime.timedelta(days=1)).values_list("pk", flat=True)) == {ended_today.pk}
    assert list(Appointment.objects.pending()) == [starts]
    assert starts.is_pending and not starts.is_current and starts.tenure_label == "待任"
    assert not ended_today.is_current and ended_today.tenure_label == "已离任"
    assert draft.tenure_label == ""
    # a period: held on at least one day of it (the pay run's months)
    assert set(Appointment.objects.held_between(TODAY, TOMORROW)) == {starts}
    assert set(Appointment.objects.held_between(TODAY - datetime.timedelta(days=3), TODAY)) == {ended_today}
    assert list(Person.objects.current(TOMORROW, post=choices.SECRETARY)) == [person]
    assert not Person.objects.current(post=choices.SECRETARY).exists()


def test_first_secretary_in_post_from_the_term_start_to_the_term_end(village_a, village_b):
    pending = FirstSecretaryFactory(village=village_a, term_start=TOMORROW, term_end=TOMORROW + datetime.timedelta(days=700))
    expired = FirstSecretaryFactory(
        village=village_b,
        term_start=datetime.date(2020, 1, 1),
        term_end=datetime.date(2022, 1, 1),
        status=choices.FirstSecretaryStatus.EXPIRED,
        ended_on=datetime.date(2022, 1, 1),
    )
    recalled = FirstSecretaryFactory(
        village=VillageFactory(),
        term_start=datetime.date(2020, 1, 1),
        term_end=datetime.date(2022, 1, 1),
        status=choices.FirstSecretaryStatus.RECALLED,
        ended_on=datetime.date(2021, 1, 1),
    )
    assert not FirstSecretary.objects.current().exists()
    assert list(FirstSecretary.objects.current(TOMORROW)) == [pending]
    assert pending.is_pending and not pending.is_current
    assert list(FirstSecretary.objects.current(datetime.date(2022, 1, 1))) == [expired]  # the term's last day counts
    assert set(FirstSecretary.objects.current(datetime.date(2020, 12, 31))) == {expired, recalled}
    assert list(FirstSecretary.objects.current(datetime.date(2021, 1, 1))) == [expired]  # recalled that day


# ---------------------------------------------------------------------------------------------
# An appointment starting tomorrow is counted nowhere today, and everywhere tomorrow
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def starting_tomorrow(village_a):
    """甲一村: a secretary and 一肩挑 chair filed to start tomorrow; a committee member in post."""
    person = PersonFactory(name="明日书记")
    sec = AppointmentFactory(person=person, village=village_a, post=choices.SECRETARY, start_date=TOMORROW)
    AppointmentFactory(person=person, village=village_a, post=choices.CHAIR, start_date=TOMORROW)
    AppointmentFactory(village=village_a, post="committee_member", person__name="在任委员")
    FirstSecretaryFactory(
        village=village_a, person__name="明日第一书记", term_start=TOMORROW, term_end=TOMORROW.replace(year=TOMORROW.year + 2)
    )
    return sec


def _api_figures(client, **params) -> dict:
    response = client.get(reverse("api_figures"), params)
    assert response.status_code == 200, response.content
    return {f["key"]: f["value"] for f in response.json()["figures"]}


def test_pending_appointment_is_counted_nowhere_today(client, county_user, village_a, starting_tomorrow):
    client.force_login(county_user)
    board = client.get(reverse("home")).context["board"]
    assert (board.counts["secretaries"], board.counts["vacant"], board.counts["two_committee_members"]) == (0, 1, 1)
    assert board.counts["first_secretaries"] == 0
    assert board.counts["one_shoulder_share"] is None
    report = client.get(reverse("cadres:reports")).context
    headline = {r["key"]: r["value"] for r in report["headline"]}
    assert (headline["secretaries"], headline["vacant"], headline["two_committee_members"]) == (0, 1, 1)
    assert report["table"][-1]["total"] == 1 and report["table"][-1]["counts"]["一肩挑"] == 0
    api = _api_figures(client)
    assert (api["secretaries"], api["vacant"], api["two_committee_members"], api["first_secretaries"]) == (0, 1, 1, 0)
    # the lists and their filters
    assert _count(client, reverse("cadres:person_list") + "?post=secretary") == 0
    assert _count(client, reverse("cadres:village_list") + "?secretary_vacant=true") == 1
    assert _count(client, reverse("cadres:appointment_list") + "?tab=all&current=true") == 1
    assert _count(client, reverse("cadres:appointment_list") + "?tab=all&pending=true") == 2
    assert _count(client, reverse("cadres:first_secretary_list") + "?current=true") == 0
    assert _count(client, reverse("cadres:first_secretary_list") + "?pending=true") == 1
    people = client.get(reverse("person-list"), {"post": "secretary"}).json()
    assert people["count"] == 0
    appointment = client.get(reverse("appointment-detail", args=[starting_tomorrow.pk])).json()
    assert (appointment["is_current"], appointment["is_pending"]) == (False, True)
    # the roster export lists today's posts only
    roster = openpyxl.load_workbook(io.BytesIO(client.get(reverse("cadres:roster_export")).content)).active
    names = {c.value for row in roster.iter_rows() for c in row}
    assert "在任委员" in names and "明日书记" not in names


def test_pending_appointment_is_counted_from_its_start_date(client, county_user, village_a, starting_tomorrow, frozen):
    frozen(TOMORROW)
    client.force_login(county_user)
    board = client.get(reverse("home")).context["board"]
    assert (board.counts["secretaries"], board.counts["vacant"], board.counts["two_committee_members"]) == (1, 0, 2)
    assert board.counts["one_shoulder_share"] == Decimal("100.0")
    assert board.counts["first_secretaries"] == 1
    headline = {r["key"]: r["value"] for r in client.get(reverse("cadres:reports")).context["headline"]}
    assert (headline["secretaries"], headline["vacant"], headline["two_committee_members"]) == (1, 0, 2)
    api = _api_figures(client)
    assert (api["secretaries"], api["vacant"], api["two_committee_members"], api["first_secretaries"]) == (1, 0, 2, 1)
    assert _count(client, reverse("cadres:person_list") + "?post=secretary") == 1
    assert _count(client, reverse("cadres:village_list") + "?secretary_vacant=true") == 0
    assert _count(client, reverse("cadres:first_secretary_list") + "?current=true") == 1
    assert client.get(reverse("person-list"), {"post": "secretary"}).json()["count"] == 1


def test_passing_the_statistics_date_counts_as_on_that_day(county_user, village_a, starting_tomorrow):
    today = dict((f.key, v.value) for f, v in figures.figure_values(user=county_user))
    tomorrow = dict((f.key, v.value) for f, v in figures.figure_values(user=county_user, on=TOMORROW))
    assert (today["secretaries"], tomorrow["secretaries"]) == (0, 1)
    assert build_dashboard(county_user, today=TOMORROW).counts["secretaries"] == 1
    assert structure_table(user=county_user, on=TOMORROW, secretaries_only=True)[-1]["total"] == 1
    assert structure_table(user=county_user, secretaries_only=True)[-1]["total"] == 0


def test_filters_take_the_one_definition(county_user, village_a, starting_tomorrow, frozen):
    people = PersonFilter({"post": choices.SECRETARY}, queryset=Person.objects.all())
    villages = VillageFilter({"secretary_vacant": "true"}, queryset=Village.objects.all())
    appointments = AppointmentFilter(
        {"as_of": TOMORROW.isoformat(), "post": choices.SECRETARY}, queryset=Appointment.objects.all()
    )
    postings = FirstSecretaryFilter({"current": "true"}, queryset=FirstSecretary.objects.all())
    assert (people.qs.count(), villages.qs.count(), appointments.qs.count(), postings.qs.count()) == (0, 1, 1, 0)
    frozen(TOMORROW)
    people = PersonFilter({"post": choices.SECRETARY}, queryset=Person.objects.all())
    villages = VillageFilter({"secretary_vacant": "true"}, queryset=Village.objects.all())
    postings = FirstSecretaryFilter({"current": "true"}, queryset=FirstSecretary.objects.all())
    assert (people.qs.count(), villages.qs.count(), postings.qs.count()) == (1, 0, 1)


def test_pending_is_shown_on_the_person_village_and_appointment_pages(client, county_user, village_a, starting_tomorrow):
    client.force_login(county_user)
    person_page = client.get(reverse("cadres:person_detail", args=[starting_tomorrow.person_id]))
    assert [a.pk for a in person_page.context["current"]] == []
    assert starting_tomorrow in person_page.context["pending"]
    html = person_page.content.decode()
    assert "待任职务" in html and ">待任</span>" in html
    village_page = client.get(reverse("cadres:village_detail", args=[village_a.pk]))
    assert starting_tomorrow in village_page.context["pending_members"]
    assert starting_tomorrow not in village_page.context["members"]
    assert "待任（已备案，任职时间未到）" in village_page.content.decode()
    listing = client.get(reverse("cadres:appointment_list") + "?tab=all&pending=true").content.decode()
    assert "明日书记" in listing and ">待任</span>" in listing


def test_a_filed_pending_secretary_blocks_filing_another_secretary(county_user, village_a, starting_tomorrow):
    """The pending secretary is not current, but the village's secretary post is taken: filing a
    second one names the holder instead of failing on the database constraint."""
    from django.core.exceptions import ValidationError

    from cadres import services
    from cadres.models import QualificationReview

    person = PersonFactory(name="另一人")
    review = QualificationReview.objects.create(
        person=person, village=village_a, post=choices.SECRETARY, post_name="村党组织书记", outcome=choices.VettingResult.PASS
    )
    other = AppointmentFactory(
        person=person, village=village_a, status=choices.FilingStatus.TOWNSHIP_APPROVED, qualification_review=review
    )
    with pytest.raises(ValidationError) as err:
        services.appointment_file(appointment=other, by=county_user)
    assert "明日书记" in str(err.value)


# ---------------------------------------------------------------------------------------------
# One definition per headline figure: home = 统计报表 = API, county and clerk
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def county_data(township_a, township_b, village_a, village_b):
    """Both townships: secretaries (some 一肩挑), 两委 members, non-两委 posts (监委会, 文书) that
    must not count as 两委, a person with posts in both townships, ended and pending posts,
    people of several ages and education levels, women, a first secretary."""
    a2 = VillageFactory(township=township_a, name="甲二村")
    VillageFactory(township=township_a, name="甲社区", kind=choices.VillageKind.COMMUNITY)
    sec_a = PersonFactory(name="甲书记", born=datetime.date(1990, 6, 1), education_fulltime=choices.Education.BACHELOR)
    AppointmentFactory(person=sec_a, village=village_a, post=choices.SECRETARY)
    AppointmentFactory(person=sec_a, village=village_a, post=choices.CHAIR)
    sec_a2 = PersonFactory(name="甲二书记", male=False, born=datetime.date(1965, 1, 1), education_fulltime="")
    AppointmentFactory(person=sec_a2, village=a2, post=choices.SECRETARY)
    AppointmentFactory(village=a2, post=choices.CHAIR, person__name="甲二主任")
    AppointmentFactory(village=village_a, post="party_member", person__name="甲委员", person__male=False)
    AppointmentFactory(village=village_a, post="supervision_chair", person__name="甲监委")
    AppointmentFactory(village=a2, post="clerk", person__name="甲文书")
    both = PersonFactory(name="两镇委员", education_fulltime=choices.Education.COLLEGE)
    AppointmentFactory(person=both, village=village_a, post="committee_member")
    AppointmentFactory(person=both, village=village_b, post="committee_member")
    sec_b = PersonFactory(name="乙书记", born=datetime.date(1958, 3, 1))
    AppointmentFactory(person=sec_b, village=village_b, post=choices.SECRETARY)
    AppointmentFactory(person=sec_b, village=village_b, post="party_member")  # two party posts: one person
    AppointmentFactory(
        village=village_b,
        post=choices.CHAIR,
        person__name="乙前主任",
        end_date=datetime.date(2024, 1, 1),
        end_reason=choices.EndReason.RESIGNED,
    )
    AppointmentFactory(village=village_b, post="vice_chair", person__name="乙待任", start_date=TOMORROW)
    FirstSecretaryFactory(
        village=village_b, term_start=TODAY - datetime.timedelta(days=30), term_end=TODAY + datetime.timedelta(days=600)
    )


SHARED = [
    "villages",
    "communities",
    "secretaries",
    "one_shoulder_share",
    "two_committee_members",
    "first_secretaries",
    "vacant",
    "young_member_share",
    "college_member_share",
    "female_member_share",
    "reserves_pooled",
    "training_coverage",
]


def _three_doors(client, user) -> tuple[dict, dict, dict, dict]:
    client.force_login(user)
    board = client.get(reverse("home")).context["board"]
    home = {f.key: f.value for f in board.figures}
    definitions = {f.key: f.definition for f in board.figures}
    report_page = client.get(reverse("cadres:reports"))
    report = {r["key"]: r["value"] for r in report_page.context["headline"]}
    api_json = client.get(reverse("api_figures")).json()
    api = {f["key"]: f["value"] for f in api_json["figures"]}
    api = {k: (Decimal(v) if isinstance(v, str) else v) for k, v in api.items()}
    html = report_page.content.decode()
    for key in SHARED:  # the 口径 is shown beside the figure on the home page and the report
        assert definitions[key], key
        assert definitions[key] in html, key
        assert next(f for f in api_json["figures"] if f["key"] == key)["definition"] == definitions[key]
    return home, report, api, {"board": board, "report": report_page.context, "api": api_json}


def test_home_report_and_api_agree_for_county_staff(client, county_user, county_data):
    home, report, api, doors = _three_doors(client, county_user)
    for key in SHARED:
        assert home[key] == report[key] == api[key], key
    assert {k: home[k] for k in SHARED[:7]} == {
        "villages": 3,
        "communities": 1,
        "secretaries": 3,
        "one_shoulder_share": Decimal("33.3"),  # 1 of 3 secretaries is also chair
        "two_committee_members": 6,  # 甲书记, 甲二书记, 甲二主任, 甲委员, 两镇委员, 乙书记 (监委会, 文书, ended, 待任 not)
        "first_secretaries": 1,
        "vacant": 1,  # 甲社区: no secretary
    }
    # structure: the report's total row = the home page's charts = the API's structures
    total = doors["report"]["table"][-1]
    assert total["township"] == "合计" and total["total"] == 6
    chart = doors["board"].chart("two-committees-age")
    api_age = [g["count"] for g in doors["api"]["structures"]["two_committee_members"]["age"]]
    report_age = [total["counts"][label] for label, _lo, _hi in figures.AGE_BANDS]
    assert chart.option["series"][0]["data"] == api_age == report_age
    edu_chart = doors["board"].chart("two-committees-education")
    chart_edu = dict(zip(edu_chart.option["xAxis"]["data"], edu_chart.option["series"][0]["data"], strict=True))
    api_edu = {g["label"]: g["count"] for g in doors["api"]["structures"]["two_committee_members"]["education"]}
    report_edu = {label: total["counts"][f"学历：{label}"] for _v, label in figures.EDUCATION_GROUPS}
    assert api_edu == report_edu
    assert all(chart_edu[label] == api_edu[label] for label in chart_edu)
    # per township: the person with posts in both townships counts in each, once in the total
    rows = {r["township"]: r for r in doors["report"]["table"]}
    assert (rows["甲镇"]["total"], rows["乙镇"]["total"]) == (5, 2)
    assert rows["甲镇"]["shares"]["一肩挑"] == "50.0%"  # 1 of 2 secretaries of 甲镇


def test_home_report_and_api_agree_for_a_clerk_and_stay_in_the_township(client, clerk_a, township_b, county_data):
    home, report, api, doors = _three_doors(client, clerk_a)
    for key in SHARED:
        assert home[key] == report[key] == api[key], key
    assert (home["secretaries"], home["two_committee_members"], home["villages"], home["first_secretaries"]) == (2, 5, 2, 0)
    assert [r["township"] for r in doors["report"]["table"]] == ["甲镇", "合计"]
    # each figure's link opens the list of exactly what it counts, for the clerk too
    board = doors["board"]
    for figure in board.figures:
        if figure.key in ("secretaries", "two_committee_members", "villages", "communities", "vacant", "first_secretaries"):
            assert _count(client, figure.link) == figure.value, figure.key
    # another township's figures are not the clerk's to ask for
    assert client.get(reverse("api_figures"), {"township": township_b.pk}).status_code == 404
    assert client.get(reverse("api_figures"), {"on": "not-a-date"}).status_code == 400


def test_county_drill_down_equals_the_api_for_that_township(client, county_user, township_a, county_data):
    client.force_login(county_user)
    board = client.get(reverse("home"), {"township": township_a.pk}).context["board"]
    home = {f.key: f.value for f in board.figures}
    api = _api_figures(client, township=township_a.pk)
    for key in SHARED:
        expected = Decimal(api[key]) if isinstance(api[key], str) else api[key]
        assert home[key] == expected, key
    assert home["two_committee_members"] == 5


def test_report_exports_the_same_figures_and_structure(client, county_user, county_data):
    client.force_login(county_user)
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("cadres:reports") + "?export=figures").content)).active
    rows = {r[0]: r[1] for r in book.iter_rows(values_only=True) if r and r[0]}
    assert rows["现任村“两委”成员"] == 6 and rows["书记、主任“一肩挑”比例"] == pytest.approx(33.3)
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("cadres:reports") + "?export=structure").content)).active
    values = list(book.iter_rows(values_only=True))
    header = next(r for r in values if r and r[0] == "乡镇(街道)")
    total = next(r for r in values if r and r[0] == "合计")
    assert total[header.index("人数")] == 6
    assert [total[header.index(f"{label}（人）")] for label, _lo, _hi in figures.AGE_BANDS] == [
        structure_table(user=county_user)[-1]["counts"][label] for label, _lo, _hi in figures.AGE_BANDS
    ]
    assert len(STRUCTURE_KEYS) == len(set(STRUCTURE_KEYS))


def test_report_statistics_date_is_validated(client, county_user, county_data):
    client.force_login(county_user)
    response = client.get(reverse("cadres:reports"), {"on": "2999-01-01"})
    assert response.status_code == 200
    assert response.context["on"] == TODAY
    assert "“统计日”应在1990年1月1日至今天之间。" in response.content.decode()


@pytest.mark.parametrize("rows", [1, 30])
def test_report_query_count_does_not_grow(client, county_user, township_a, township_b, django_assert_num_queries, rows):
    for i in range(rows):
        village = VillageFactory(township=township_a if i % 2 else township_b)
        AppointmentFactory(village=village)
        AppointmentFactory(village=village, post="committee_member")
    client.force_login(county_user)
    # 22 = session, user; policy (2: year, fallback) for the post table; structure table: holders
    # by township (GROUP BY), township list; headline figures: holders (GROUP BY, shared with the
    # table's total row), villages, communities, first secretaries, vacant, reserves (policy 2 +
    # pooled COUNT), training (policy 2 + current secretaries COUNT + trained COUNT); navbar
    # permissions (2); the data version the figures are cached by (cadres.reports.report_figures);
    # report form: the township options and the village options with their townships (2).
    with django_assert_num_queries(23):
        response = client.get(reverse("cadres:reports"))
    assert response.context["table"][-1]["total"] == 2 * rows
    # the same data again: session, user, data version, navbar permissions (2), report form (2)
    with django_assert_num_queries(7):
        again = client.get(reverse("cadres:reports"))
    assert again.context["table"] == response.context["table"]


def test_figures_api_is_cached_per_scope_and_data_version(
    client, county_user, clerk_a, township_a, village_a, county_data, django_assert_max_num_queries
):
    """The API reads the figures through the report's cache (cadres.reports.cached_figures): a
    second call costs no aggregate, a write to the register moves the answer at once, and a clerk
    never gets the county's cached answer (nor a drill-down the county's)."""
    client.force_login(county_user)
    first = client.get(reverse("api_figures")).json()
    with django_assert_max_num_queries(4):  # session, user, permission, the data version
        again = client.get(reverse("api_figures")).json()
    assert again == first
    drill = _api_figures(client, township=township_a.pk)
    assert drill["villages"] < {f["key"]: f["value"] for f in first["figures"]}["villages"]
    # a new member is counted at once, through the API as on the report
    AppointmentFactory(village=village_a, post="committee_member", person__name="新委员")
    after = {f["key"]: f["value"] for f in client.get(reverse("api_figures")).json()["figures"]}
    before = {f["key"]: f["value"] for f in first["figures"]}
    assert after["two_committee_members"] == before["two_committee_members"] + 1
    assert (
        after["two_committee_members"]
        == {r["key"]: r["value"] for r in client.get(reverse("cadres:reports")).context["headline"]}["two_committee_members"]
    )
    # the clerk's answer is the clerk's township only
    client.force_login(clerk_a)
    clerk = _api_figures(client)
    assert clerk["two_committee_members"] == _api_figures(client, township=township_a.pk)["two_committee_members"]
    assert clerk["two_committee_members"] < after["two_committee_members"]
