"""Training services: sessions, enrolment, attendance → hours, upgrades and the ledger contract."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cadres import choices
from training import selectors, services
from training.choices import AttendanceStatus as A
from training.choices import Certificate, Kind, Level, UpgradeStatus
from training.models import Attendance, EducationUpgrade, Enrollment, TrainingSession

from ..factories import AppointmentFactory, PersonFactory
from .factories import EducationUpgradeFactory, TrainingSessionFactory

D = datetime.date


def _session(by, **kw):
    values = {
        "title": "全县村党组织书记轮训班",
        "level": Level.COUNTY,
        "kind": Kind.ROTATION,
        "organiser": "县委党校",
        "start_date": D(2025, 3, 3),
        "end_date": D(2025, 3, 5),
        "half_days": [D(2025, 3, 5)],
        "topics": ["policy", "law"],
    }
    values.update(kw)
    return services.session_create(by=by, **values)


def test_session_codes_follow_the_year_and_history_records_who(county_user):
    first = _session(county_user)
    second = _session(county_user)
    assert (first.code, second.code) == ("PX2025-001", "PX2025-002")
    assert first.history.first().history_user == county_user
    assert [length for _, length in first.days()] == ["full", "full", "half"]


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"end_date": D(2025, 3, 1)}, "end_date"),
        ({"end_date": D(2025, 3, 30)}, "end_date"),  # longer than 15 days
        ({"half_days": [D(2025, 4, 1)]}, "half_days"),
        ({"topics": ["astrology"]}, "topics"),
        ({"level": Level.TOWNSHIP}, "township"),
    ],
)
def test_bad_session_input_is_refused_by_field_and_nothing_written(county_user, kw, field):
    with pytest.raises(ValidationError) as exc:
        _session(county_user, **kw)
    assert field in exc.value.message_dict
    assert TrainingSession.objects.count() == 0


def test_clerk_records_only_township_sessions_of_the_own_township(clerk_a, township_b):
    with pytest.raises(ValidationError) as exc:
        _session(clerk_a, level=Level.COUNTY)
    assert "乡镇只能登记乡镇级培训" in exc.value.message_dict["level"][0]
    session = _session(clerk_a, level=Level.TOWNSHIP, township=township_b)
    assert session.township_id == clerk_a.township_id


def test_auditor_cannot_write(auditor):
    with pytest.raises(PermissionDenied):
        _session(auditor)


def test_enrolment_takes_the_village_of_the_current_post(county_user, village_a):
    appt = AppointmentFactory(village=village_a, post=choices.SECRETARY)
    session = _session(county_user)
    e = services.enrollment_add(session=session, person=appt.person, by=county_user)
    assert (e.township_id, e.village_id, e.post_name) == (village_a.township_id, village_a.pk, "村党组织书记")
    with pytest.raises(ValidationError) as exc:
        services.enrollment_add(session=session, person=appt.person, by=county_user)
    assert "已在该培训班名单中" in exc.value.message_dict["person"][0]


def test_capacity_is_respected(county_user, village_a):
    session = _session(county_user, capacity=1)
    p1, p2 = AppointmentFactory(village=village_a).person, AppointmentFactory(village=village_a, post="chair").person
    services.enrollment_add(session=session, person=p1, by=county_user)
    with pytest.raises(ValidationError):
        services.enrollment_add(session=session, person=p2, by=county_user)
    assert Enrollment.objects.count() == 1


def test_clerk_cannot_enrol_people_of_another_township(county_user, clerk_a, village_b):
    session = _session(county_user)
    person = AppointmentFactory(village=village_b).person
    with pytest.raises(PermissionDenied):
        services.enrollment_add(session=session, person=person, by=clerk_a)
    assert Enrollment.objects.count() == 0


def test_enrol_all_secretaries_in_one_click(county_user, village_a, village_b):
    AppointmentFactory(village=village_a, post=choices.SECRETARY)
    AppointmentFactory(village=village_b, post=choices.SECRETARY)
    AppointmentFactory(village=village_b, post="committee_member")
    session = _session(county_user)
    assert services.session_enroll_post_holders(session=session, by=county_user, post=choices.SECRETARY) == 2
    assert services.session_enroll_post_holders(session=session, by=county_user, post=choices.SECRETARY) == 0


def test_attendance_sets_hours_and_certificate_by_the_policy(county_user, village_a):
    session = _session(county_user)  # Mon full, Tue full, Wed half = 20 h
    e = services.enrollment_add(session=session, person=AppointmentFactory(village=village_a).person, by=county_user)
    e = services.attendance_record(
        enrollment=e, by=county_user, marks={D(2025, 3, 3): A.PRESENT, D(2025, 3, 4): A.LEAVE, D(2025, 3, 5): A.LATE_EARLY}
    )
    assert (e.hours_credited, e.missed, e.certificate) == (Decimal("10.0"), 1, Certificate.ISSUED)
    # re-recording the same marks changes nothing
    before = Attendance.history.count()
    assert services.session_attendance_record(session=session, by=county_user, marks={e.pk: {D(2025, 3, 3): A.PRESENT}}) == 0
    assert Attendance.history.count() == before
    e = services.attendance_record(enrollment=e, by=county_user, marks={D(2025, 3, 3): A.ABSENT, D(2025, 3, 4): A.ABSENT})
    assert (e.hours_credited, e.missed, e.certificate) == (Decimal("2.0"), 3, Certificate.WITHHELD)
    assert e.history.first().history_user == county_user


def test_attendance_on_a_day_outside_the_session_is_refused(county_user, village_a):
    session = _session(county_user)
    e = services.enrollment_add(session=session, person=AppointmentFactory(village=village_a).person, by=county_user)
    with pytest.raises(ValidationError):
        services.attendance_record(enrollment=e, by=county_user, marks={D(2025, 3, 9): A.PRESENT})
    assert Attendance.objects.count() == 0


def test_clerk_cannot_mark_another_townships_enrolment(county_user, clerk_a, village_b):
    session = _session(county_user)
    e = services.enrollment_add(session=session, person=AppointmentFactory(village=village_b).person, by=county_user)
    with pytest.raises(PermissionDenied):
        services.attendance_record(enrollment=e, by=clerk_a, marks={D(2025, 3, 3): A.PRESENT})
    assert Attendance.objects.count() == 0


def test_changing_the_days_recomputes_hours(county_user, village_a):
    session = _session(county_user)
    e = services.enrollment_add(session=session, person=AppointmentFactory(village=village_a).person, by=county_user)
    services.attendance_record(enrollment=e, by=county_user, marks={D(2025, 3, 5): A.PRESENT})
    e.refresh_from_db()
    assert e.hours_credited == Decimal("4.0")
    services.session_update(session=session, by=county_user, half_days=[])
    e.refresh_from_db()
    assert e.hours_credited == Decimal("8.0")


def test_year_recompute_is_idempotent(county_user, village_a):
    session = _session(county_user)
    e = services.enrollment_add(session=session, person=AppointmentFactory(village=village_a).person, by=county_user)
    services.attendance_record(enrollment=e, by=county_user, marks={D(2025, 3, 3): A.PRESENT})
    Enrollment.objects.filter(pk=e.pk).update(hours_credited=Decimal("99.0"))
    assert services.training_year_recompute(year=2025) == 1
    assert services.training_year_recompute(year=2025) == 0
    e.refresh_from_db()
    assert e.hours_credited == Decimal("8.0")


# ---------------------------------------------------------------------------------------------
# Education upgrades
# ---------------------------------------------------------------------------------------------


def test_upgrade_subsidies_flow_to_the_ledger_contract(county_user, clerk_a, village_a):
    person = AppointmentFactory(village=village_a).person
    upgrade = services.upgrade_create(
        by=clerk_a,
        person=person,
        school="湖南农业大学",
        programme="农村区域发展",
        level="5_college",
        enrolled_on=D(2022, 9, 1),
        expected_graduation=D(2025, 7, 1),
        tuition_fee=Decimal("4800.00"),
    )
    assert upgrade.township_id == village_a.township_id
    with pytest.raises(PermissionDenied):
        services.upgrade_tuition_subsidy_grant(upgrade=upgrade, by=clerk_a, date=D(2023, 3, 1))
    services.upgrade_tuition_subsidy_grant(upgrade=upgrade, by=county_user, date=D(2023, 3, 1))
    with pytest.raises(ValidationError):
        services.upgrade_diploma_subsidy_grant(upgrade=upgrade, by=county_user, date=D(2025, 8, 1))
    services.upgrade_graduate(upgrade=upgrade, by=clerk_a, actual_graduation=D(2025, 6, 30))
    services.upgrade_diploma_subsidy_grant(upgrade=upgrade, by=county_user, date=D(2025, 8, 1))
    with pytest.raises(ValidationError):
        services.upgrade_tuition_subsidy_grant(upgrade=upgrade, by=county_user, date=D(2025, 8, 1))
    upgrade.refresh_from_db()
    assert upgrade.status == UpgradeStatus.GRADUATED
    assert upgrade.tuition_subsidy == Decimal("2400.00")  # 50 % of 4,800, under the 3,000 cap
    assert upgrade.diploma_subsidy == Decimal("2000.00")

    entries_2023 = selectors.education_subsidies_for_year(year=2023)
    assert entries_2023 == [
        {
            "upgrade_id": upgrade.pk,
            "person_id": person.pk,
            "township_id": village_a.township_id,
            "kind": "tuition",
            "amount": Decimal("2400.00"),
            "date": D(2023, 3, 1),
            "label": "学历提升学费补贴：湖南农业大学农村区域发展（大专）",
        }
    ]
    entries_2025 = selectors.education_subsidies_for_year(year=2025, township_ids=[village_a.township_id])
    assert [(e["kind"], e["amount"], e["date"]) for e in entries_2025] == [("diploma", Decimal("2000.00"), D(2025, 8, 1))]
    assert isinstance(entries_2025[0]["amount"], Decimal)
    assert selectors.education_subsidies_for_year(year=2025, township_ids=[village_a.township_id + 999]) == []
    assert selectors.education_subsidies_for_year(year=2024) == []


def test_upgrade_with_bad_dates_writes_nothing(clerk_a, village_a):
    person = AppointmentFactory(village=village_a).person
    with pytest.raises(ValidationError) as exc:
        services.upgrade_create(
            by=clerk_a,
            person=person,
            school="某大学",
            programme="行政管理",
            level="6_bachelor",
            enrolled_on=D(2024, 9, 1),
            expected_graduation=D(2024, 8, 1),
        )
    assert "expected_graduation" in exc.value.message_dict
    assert EducationUpgrade.objects.count() == 0


def test_withdrawn_upgrade_gets_no_subsidy(county_user, village_a):
    upgrade = EducationUpgradeFactory(person=PersonFactory(), township=village_a.township, tuition_fee=Decimal(1000))
    services.upgrade_withdraw(upgrade=upgrade, by=county_user, note="个人原因")
    with pytest.raises(ValidationError):
        services.upgrade_tuition_subsidy_grant(upgrade=upgrade, by=county_user, date=D(2024, 1, 5))
    upgrade.refresh_from_db()
    assert upgrade.tuition_subsidy is None


def test_session_factory_defaults_are_valid(db):
    session = TrainingSessionFactory()
    session.full_clean()
    assert len(session.days()) == 3
