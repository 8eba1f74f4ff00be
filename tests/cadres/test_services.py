"""Register services: rules, history, nothing written on error."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cadres import choices, services
from cadres.models import Appointment, DepartmentVerdict, FilingEvent, Person, QualificationReview
from core import services as core_services

from ..factories import AppointmentFactory, FirstSecretaryFactory, PersonFactory

ID = "43012219850312003X"


def person_kwargs(**over):
    base = {
        "id_number": ID,
        "name": "李建国",
        "ethnicity": "汉族",
        "political_status": choices.PoliticalStatus.MEMBER,
        "party_join_date": datetime.date(2008, 7, 1),
        "education_fulltime": choices.Education.SENIOR,
        "phone": "13807310001",
    }
    base.update(over)
    return base


# --- people -----------------------------------------------------------------------------------


def test_person_create_derives_birth_and_sex_and_registers_clerks_township(clerk_a):
    p = services.person_create(by=clerk_a, **person_kwargs(id_number="43012219850312003x"))
    assert p.id_number == ID
    assert p.birth_date == datetime.date(1985, 3, 12)
    assert p.sex == choices.Sex.MALE
    assert p.registered_township == clerk_a.township
    assert p.history.count() == 1
    assert p.history.first().history_user == clerk_a


@pytest.mark.parametrize(
    ("over", "field", "fragment"),
    [
        ({"id_number": "430122198503120031"}, "id_number", "校验位"),
        ({"sex": choices.Sex.FEMALE}, "sex", "身份证号显示为男"),
        ({"birth_date": datetime.date(1985, 3, 13)}, "birth_date", "1985年03月12日"),
        ({"party_join_date": None}, "party_join_date", "须填写入党时间"),
        ({"political_status": choices.PoliticalStatus.MASSES}, "party_join_date", "不应填写入党时间"),
        ({"party_join_date": datetime.date(1999, 1, 1)}, "party_join_date", "年满十八周岁"),
        ({"ethnicity": "汉"}, "ethnicity", "56个民族"),
    ],
)
def test_person_create_rejects_bad_input_by_field_and_writes_nothing(county_user, over, field, fragment):
    with pytest.raises(ValidationError) as exc:
        services.person_create(by=county_user, **person_kwargs(**over))
    assert field in exc.value.message_dict
    assert any(fragment in m for m in exc.value.message_dict[field])
    assert Person.objects.count() == 0


def test_person_create_refuses_a_duplicate_id(county_user):
    services.person_create(by=county_user, **person_kwargs())
    with pytest.raises(ValidationError) as exc:
        services.person_create(by=county_user, **person_kwargs(name="另一人"))
    assert "已建档" in exc.value.message_dict["id_number"][0]
    assert Person.objects.count() == 1


def test_auditor_cannot_create_people(auditor):
    with pytest.raises(PermissionDenied):
        services.person_create(by=auditor, **person_kwargs())
    assert Person.objects.count() == 0


def test_person_update_records_old_and_new_values_with_user(clerk_a, village_a):
    person = PersonFactory(phone="13800000000")
    AppointmentFactory(person=person, village=village_a)
    services.person_update(person=person, by=clerk_a, phone="13911112222")
    latest = person.history.order_by("-history_date", "-history_id").first()
    assert latest.history_user == clerk_a
    delta = latest.diff_against(latest.prev_record)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("phone", "13800000000", "13911112222")]


def test_person_update_out_of_scope_is_denied(clerk_b, village_a):
    person = PersonFactory()
    AppointmentFactory(person=person, village=village_a)
    with pytest.raises(PermissionDenied):
        services.person_update(person=person, by=clerk_b, phone="13911112222")
    person.refresh_from_db()
    assert person.phone == ""


def test_person_update_cannot_change_id_number(county_user):
    person = PersonFactory()
    with pytest.raises(ValidationError) as exc:
        services.person_update(person=person, by=county_user, id_number=ID)
    assert "id_number" in exc.value.message_dict


# --- appointments and filing --------------------------------------------------------------------


def passed_review(person, village, by):
    review = services.qualification_review_request(by=by, person=person, village=village, post=choices.SECRETARY)
    for verdict in review.verdicts.all():
        services.department_verdict_record(verdict=verdict, by=by, result=choices.VettingResult.PASS)
    review.refresh_from_db()
    return review


def test_non_filing_post_is_current_at_once(clerk_a, village_a):
    person = PersonFactory()
    a = services.appointment_create(
        by=clerk_a, person=person, village=village_a, post="committee_member", start_date=datetime.date(2021, 4, 1)
    )
    assert a.is_current
    assert a.post_name == "村民委员会委员"


def test_secretary_filing_flow_draft_approved_filed_with_who_and_when(clerk_a, county_user, village_a):
    person = PersonFactory()
    review = passed_review(person, village_a, county_user)
    a = services.appointment_create(
        by=clerk_a, person=person, village=village_a, post=choices.SECRETARY, start_date=datetime.date(2024, 1, 5)
    )
    assert a.status == choices.FilingStatus.DRAFT
    assert a.qualification_review == review  # linked automatically
    assert not Appointment.objects.current().filter(pk=a.pk).exists()

    services.appointment_township_approve(appointment=a, by=clerk_a, note="党委会研究同意")
    with pytest.raises(PermissionDenied):
        services.appointment_file(appointment=a, by=clerk_a)
    services.appointment_file(appointment=a, by=county_user)
    a.refresh_from_db()
    assert a.is_current
    steps = list(FilingEvent.objects.filter(appointment=a).values_list("from_status", "to_status", "by__username"))
    assert steps == [
        ("", "draft", "clerk_a"),
        ("draft", "township_approved", "clerk_a"),
        ("township_approved", "filed", "county_t"),
    ]


def test_pending_or_failed_review_blocks_filing(clerk_a, county_user, village_a):
    person = PersonFactory()
    review = services.qualification_review_request(by=clerk_a, person=person, village=village_a, post=choices.SECRETARY)
    a = services.appointment_create(
        by=clerk_a, person=person, village=village_a, post=choices.SECRETARY, start_date=datetime.date(2024, 1, 5)
    )
    with pytest.raises(ValidationError) as exc:
        services.appointment_township_approve(appointment=a, by=clerk_a)
    assert "尚未办结" in exc.value.message_dict["qualification_review"][0]

    first = review.verdicts.first()
    services.department_verdict_record(verdict=first, by=county_user, result=choices.VettingResult.FAIL, negative_item_code="n02")
    with pytest.raises(ValidationError) as exc:
        services.appointment_township_approve(appointment=a, by=clerk_a)
    assert "未通过" in exc.value.message_dict["qualification_review"][0]
    a.refresh_from_db()
    assert a.status == choices.FilingStatus.DRAFT


def test_secretary_without_any_review_cannot_be_approved(clerk_a, village_a):
    a = services.appointment_create(
        by=clerk_a, person=PersonFactory(), village=village_a, post=choices.SECRETARY, start_date=datetime.date(2024, 1, 5)
    )
    with pytest.raises(ValidationError) as exc:
        services.appointment_township_approve(appointment=a, by=clerk_a)
    assert "凡进必审" in exc.value.message_dict["qualification_review"][0]


def test_second_current_secretary_gets_a_friendly_message(clerk_a, county_user, village_a):
    AppointmentFactory(village=village_a, person=PersonFactory(name="王老书记"), start_date=datetime.date(2021, 4, 1))
    person = PersonFactory()
    passed_review(person, village_a, county_user)
    a = services.appointment_create(
        by=clerk_a, person=person, village=village_a, post=choices.SECRETARY, start_date=datetime.date(2024, 1, 5)
    )
    services.appointment_township_approve(appointment=a, by=clerk_a)
    with pytest.raises(ValidationError) as exc:
        services.appointment_file(appointment=a, by=county_user)
    assert "已有现任党组织书记王老书记" in exc.value.message_dict["status"][0]
    a.refresh_from_db()
    assert a.status == choices.FilingStatus.TOWNSHIP_APPROVED


def test_database_refuses_two_current_secretaries_even_without_services(village_a):
    from django.db import IntegrityError, transaction

    AppointmentFactory(village=village_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(village=village_a)
    assert Appointment.objects.filter(village=village_a).count() == 1


def test_model_validation_gives_the_constraint_message(village_a):
    AppointmentFactory(village=village_a)
    extra = Appointment(
        person=PersonFactory(),
        village=village_a,
        post=choices.SECRETARY,
        post_name="书记",
        start_date=datetime.date(2024, 1, 1),
        status=choices.FilingStatus.FILED,
    )
    with pytest.raises(ValidationError) as exc:
        extra.full_clean()
    assert "已有现任党组织书记" in str(exc.value)


def test_ending_the_predecessor_then_filing_succeeds(clerk_a, county_user, village_a):
    old = AppointmentFactory(village=village_a)
    person = PersonFactory()
    passed_review(person, village_a, county_user)
    a = services.appointment_create(
        by=clerk_a, person=person, village=village_a, post=choices.SECRETARY, start_date=datetime.date(2024, 1, 5)
    )
    services.appointment_township_approve(appointment=a, by=clerk_a)
    services.appointment_end(
        appointment=old, by=clerk_a, end_date=datetime.date(2024, 1, 4), end_reason=choices.EndReason.RESIGNED
    )
    services.appointment_file(appointment=a, by=county_user)
    current = list(Appointment.objects.current().secretaries().filter(village=village_a))
    assert current == [a]


def test_one_person_can_hold_secretary_and_chair(clerk_a, village_a):
    person = PersonFactory()
    AppointmentFactory(person=person, village=village_a)
    services.appointment_create(
        by=clerk_a, person=person, village=village_a, post=choices.CHAIR, start_date=datetime.date(2021, 4, 1)
    )
    assert set(Appointment.objects.current().filter(person=person).values_list("post", flat=True)) == {"secretary", "chair"}


def test_same_open_post_twice_is_refused(clerk_a, village_a):
    person = PersonFactory()
    services.appointment_create(
        by=clerk_a, person=person, village=village_a, post="committee_member", start_date=datetime.date(2021, 4, 1)
    )
    with pytest.raises(ValidationError) as exc:
        services.appointment_create(
            by=clerk_a, person=person, village=village_a, post="committee_member", start_date=datetime.date(2022, 4, 1)
        )
    assert "相同职务" in str(exc.value)


def test_clerk_cannot_appoint_in_another_township(clerk_a, village_b):
    with pytest.raises(PermissionDenied):
        services.appointment_create(
            by=clerk_a, person=PersonFactory(), village=village_b, post="committee_member", start_date=datetime.date(2021, 4, 1)
        )
    assert Appointment.objects.count() == 0


def test_unknown_post_is_a_field_error(clerk_a, village_a):
    with pytest.raises(ValidationError) as exc:
        services.appointment_create(
            by=clerk_a, person=PersonFactory(), village=village_a, post="mayor", start_date=datetime.date(2021, 4, 1)
        )
    assert "post" in exc.value.message_dict


@pytest.mark.parametrize(
    ("end_date", "reason", "field"),
    [
        (datetime.date(2020, 1, 1), choices.EndReason.RESIGNED, "end_date"),
        (datetime.date(2099, 1, 1), choices.EndReason.RESIGNED, "end_date"),
        (datetime.date(2024, 1, 1), "", "end_reason"),
    ],
)
def test_appointment_end_validates(clerk_a, village_a, end_date, reason, field):
    a = AppointmentFactory(village=village_a, start_date=datetime.date(2021, 4, 1))
    with pytest.raises(ValidationError) as exc:
        services.appointment_end(appointment=a, by=clerk_a, end_date=end_date, end_reason=reason)
    assert field in exc.value.message_dict
    a.refresh_from_db()
    assert a.is_current


def test_reject_needs_a_reason_and_frees_the_slot(clerk_a, village_a):
    a = services.appointment_create(
        by=clerk_a, person=PersonFactory(), village=village_a, post=choices.SECRETARY, start_date=datetime.date(2024, 1, 5)
    )
    with pytest.raises(ValidationError):
        services.appointment_reject(appointment=a, by=clerk_a, note=" ")
    services.appointment_reject(appointment=a, by=clerk_a, note="人选不符合条件")
    a.refresh_from_db()
    assert a.status == choices.FilingStatus.REJECTED


# --- joint review -----------------------------------------------------------------------------


def test_review_opens_one_verdict_per_policy_department(clerk_a, village_a):
    review = services.qualification_review_request(by=clerk_a, person=PersonFactory(), village=village_a, post=choices.SECRETARY)
    assert review.verdicts.count() == 12
    assert review.outcome == choices.VettingResult.PENDING


def test_review_outcome_is_pass_only_when_all_pass(county_user, village_a):
    review = services.qualification_review_request(
        by=county_user, person=PersonFactory(), village=village_a, post=choices.SECRETARY
    )
    verdicts = list(review.verdicts.all())
    for v in verdicts[:-1]:
        services.department_verdict_record(verdict=v, by=county_user, result=choices.VettingResult.PASS)
    review.refresh_from_db()
    assert review.outcome == choices.VettingResult.PENDING
    services.department_verdict_record(
        verdict=verdicts[-1], by=county_user, result=choices.VettingResult.PASS, warning_text="家属情况需关注"
    )
    review.refresh_from_db()
    assert review.outcome == choices.VettingResult.PASS
    assert review.concluded_at is not None


def test_fail_must_cite_a_blocking_negative_item(county_user, village_a):
    review = services.qualification_review_request(
        by=county_user, person=PersonFactory(), village=village_a, post=choices.SECRETARY
    )
    v = review.verdicts.first()
    with pytest.raises(ValidationError) as exc:
        services.department_verdict_record(verdict=v, by=county_user, result=choices.VettingResult.FAIL)
    assert "negative_item_code" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.department_verdict_record(verdict=v, by=county_user, result=choices.VettingResult.FAIL, negative_item_code="w01")
    services.department_verdict_record(verdict=v, by=county_user, result=choices.VettingResult.FAIL, negative_item_code="n02")
    v.refresh_from_db()
    assert v.negative_item_text.startswith("有刑事犯罪记录")
    review.refresh_from_db()
    assert review.outcome == choices.VettingResult.FAIL


def test_clerk_cannot_record_department_verdicts(clerk_a, village_a):
    review = services.qualification_review_request(by=clerk_a, person=PersonFactory(), village=village_a, post=choices.SECRETARY)
    with pytest.raises(PermissionDenied):
        services.department_verdict_record(verdict=review.verdicts.first(), by=clerk_a, result=choices.VettingResult.PASS)
    assert DepartmentVerdict.objects.filter(result=choices.VettingResult.PASS).count() == 0


def test_duplicate_pending_review_is_refused(clerk_a, village_a):
    person = PersonFactory()
    services.qualification_review_request(by=clerk_a, person=person, village=village_a, post=choices.SECRETARY)
    with pytest.raises(ValidationError):
        services.qualification_review_request(by=clerk_a, person=person, village=village_a, post=choices.SECRETARY)
    assert QualificationReview.objects.count() == 1


# --- first secretaries ------------------------------------------------------------------------


def test_first_secretary_default_term_comes_from_policy(county_user, village_a):
    fs = services.first_secretary_create(
        by=county_user, person=PersonFactory(), village=village_a, sending_unit=" 县财政局 ", term_start=datetime.date(2025, 3, 1)
    )
    assert fs.term_end == datetime.date(2027, 3, 1)
    assert fs.sending_unit == "县财政局"


def test_clerk_cannot_send_first_secretaries(clerk_a, village_a):
    with pytest.raises(PermissionDenied):
        services.first_secretary_create(
            by=clerk_a, person=PersonFactory(), village=village_a, sending_unit="县财政局", term_start=datetime.date(2025, 3, 1)
        )


def test_one_active_first_secretary_per_village(county_user, village_a):
    FirstSecretaryFactory(village=village_a)
    with pytest.raises(ValidationError) as exc:
        services.first_secretary_create(
            by=county_user,
            person=PersonFactory(),
            village=village_a,
            sending_unit="县财政局",
            term_start=datetime.date(2025, 3, 1),
        )
    assert "village" in exc.value.message_dict


def test_presence_record_checks_month_length_and_upserts(clerk_a, village_a):
    fs = FirstSecretaryFactory(village=village_a, term_start=datetime.date(2025, 1, 1), term_end=datetime.date(2027, 1, 1))
    with pytest.raises(ValidationError) as exc:
        services.presence_record(posting=fs, by=clerk_a, month=datetime.date(2025, 2, 1), days_in_village=25, leave_days=4)
    assert "28天" in exc.value.message_dict["days_in_village"][0]
    services.presence_record(posting=fs, by=clerk_a, month=datetime.date(2025, 2, 10), days_in_village=18)
    entry = services.presence_record(posting=fs, by=clerk_a, month=datetime.date(2025, 2, 1), days_in_village=21)
    assert fs.presence.count() == 1
    assert entry.days_in_village == 21
    assert entry.month == datetime.date(2025, 2, 1)


def test_presence_outside_term_is_refused(clerk_a, village_a):
    fs = FirstSecretaryFactory(village=village_a, term_start=datetime.date(2025, 3, 1), term_end=datetime.date(2027, 3, 1))
    with pytest.raises(ValidationError) as exc:
        services.presence_record(posting=fs, by=clerk_a, month=datetime.date(2025, 1, 1), days_in_village=20)
    assert "month" in exc.value.message_dict


def test_terms_expire_is_idempotent(village_a, village_b):
    FirstSecretaryFactory(village=village_a, term_start=datetime.date(2023, 1, 1), term_end=datetime.date(2025, 1, 1))
    FirstSecretaryFactory(village=village_b, term_start=datetime.date(2025, 1, 1), term_end=datetime.date(2027, 1, 1))
    assert services.first_secretary_terms_expire(on=datetime.date(2025, 6, 1)) == 1
    assert services.first_secretary_terms_expire(on=datetime.date(2025, 6, 1)) == 0


def test_recall_requires_a_reason(county_user, village_a):
    fs = FirstSecretaryFactory(village=village_a)
    with pytest.raises(ValidationError) as exc:
        services.first_secretary_end(
            posting=fs, by=county_user, status=choices.FirstSecretaryStatus.RECALLED, ended_on=datetime.date(2025, 6, 1)
        )
    assert "note" in exc.value.message_dict
    services.first_secretary_end(
        posting=fs,
        by=county_user,
        status=choices.FirstSecretaryStatus.RECALLED,
        ended_on=datetime.date(2025, 6, 1),
        note="长期不在岗",
    )
    fs.refresh_from_db()
    assert fs.status == choices.FirstSecretaryStatus.RECALLED


# --- villages -----------------------------------------------------------------------------------


def test_flags_are_dated_and_not_duplicated(county_user, clerk_a, village_a):
    weak = choices.VillageFlagKind.WEAK_LAX
    with pytest.raises(PermissionDenied):  # flags are the county's determination
        services.village_flag_add(village=village_a, by=clerk_a, kind=weak, start_date=datetime.date(2024, 3, 1))
    flag = services.village_flag_add(village=village_a, by=county_user, kind=weak, start_date=datetime.date(2024, 3, 1))
    with pytest.raises(ValidationError):
        services.village_flag_add(village=village_a, by=county_user, kind=weak, start_date=datetime.date(2024, 5, 1))
    services.village_flag_end(flag=flag, by=county_user, end_date=datetime.date(2025, 3, 1))
    assert flag.is_current(datetime.date(2024, 12, 31))
    assert not flag.is_current(datetime.date(2025, 3, 2))


def test_village_update_keeps_history(clerk_a, village_a):
    services.village_update(village=village_a, by=clerk_a, population=2100)
    last = village_a.history.order_by("-history_id").first()
    assert last.population == 2100
    assert last.history_user == clerk_a


def test_clerk_cannot_edit_other_township_village(clerk_b, village_a):
    with pytest.raises(PermissionDenied):
        services.village_update(village=village_a, by=clerk_b, population=1)


def test_appointment_for_person_under_18_is_refused(clerk_a, village_a):
    young = PersonFactory(born=datetime.date(2010, 1, 1), party_join_date=None, political_status=choices.PoliticalStatus.LEAGUE)
    with pytest.raises(ValidationError) as exc:
        services.appointment_create(
            by=clerk_a, person=young, village=village_a, post="group_leader", start_date=datetime.date(2024, 1, 1)
        )
    assert "start_date" in exc.value.message_dict


# --- history of bulk-created verdicts and deleted appointments ---------------------------------


def test_review_request_records_the_creation_of_every_verdict_with_who(clerk_a, village_a):
    review = services.qualification_review_request(by=clerk_a, person=PersonFactory(), village=village_a, post=choices.SECRETARY)
    verdicts = list(review.verdicts.all())
    assert len(verdicts) >= 2
    rows = DepartmentVerdict.history.filter(review_id=review.pk)
    assert rows.count() == len(verdicts)
    assert {r.id for r in rows} == {v.pk for v in verdicts}
    assert {(r.history_type, r.history_user_id) for r in rows} == {("+", clerk_a.pk)}


def test_a_deleted_appointment_stays_in_the_person_history(county_user, clerk_a, village_a, village_b):
    from cadres import selectors

    appt = AppointmentFactory(village=village_a, post=choices.CHAIR)
    AppointmentFactory(village=village_b, person=appt.person, post=choices.CHAIR)
    appt._history_user = county_user
    appt.delete()
    history = selectors.person_history(user=county_user, person=appt.person)
    deleted = [e for e in history if e["action"] == "删除"]
    assert len(deleted) == 1
    assert deleted[0]["user"] == county_user
    assert deleted[0]["what"].startswith("任职：")
    assert "甲一村" in deleted[0]["what"]
    assert deleted[0]["when"] is not None
    # the clerk of township A still sees the deletion in the own village, not township B's post
    clerk_view = selectors.person_history(user=clerk_a, person=appt.person)
    appointment_rows = [(e["action"], e["what"]) for e in clerk_view if e["what"].startswith("任职")]
    assert ("删除", deleted[0]["what"]) in appointment_rows
    assert all("乙一村" not in what for _a, what in appointment_rows)


def test_person_history_reads_the_rows_its_entries_name_once(county_user, township_a, django_assert_num_queries):
    """Each entry names its village and person ("任职：甲一村 …"); they are read once per page,
    not once per entry, so the history costs the same however many posts the person held."""
    from cadres import selectors
    from tests.factories import VillageFactory

    def history_queries(person) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            history = selectors.person_history(user=county_user, person=person)
        assert len([e for e in history if e["what"].startswith("任职：")]) == Appointment.history.filter(person=person).count()
        return len(ctx.captured_queries)

    one = AppointmentFactory(village=VillageFactory(township=township_a), post=choices.CHAIR).person
    many = AppointmentFactory(village=VillageFactory(township=township_a), post=choices.CHAIR).person
    for _ in range(4):
        AppointmentFactory(village=VillageFactory(township=township_a), person=many, post=choices.CHAIR)
    selectors.person_history(user=county_user, person=one)  # the user's permissions, read once
    assert history_queries(many) == history_queries(one)
    labels = {e["what"] for e in selectors.person_history(user=county_user, person=many) if e["what"].startswith("任职：")}
    assert len(labels) == 5 and all(many.name in label for label in labels)


def test_person_history_reads_who_made_the_changes_once_for_every_table(county_user, clerk_a, township_a):
    """Who made each change is read once for the page, whichever tables the changes are in."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cadres import selectors
    from tests.factories import VillageFactory

    appt = AppointmentFactory(village=VillageFactory(township=township_a), post=choices.CHAIR)
    person = appt.person
    Person.history.filter(id=person.pk).update(history_user=clerk_a)
    Appointment.history.filter(person_id=person.pk).update(history_user=county_user)
    with CaptureQueriesContext(connection) as ctx:
        entries = selectors.person_history(user=county_user, person=person)
    by_label = {e["what"].split("：")[0]: e["user"] for e in entries}
    assert by_label == {"人员信息": clerk_a, "任职": county_user}
    user_reads = [q["sql"] for q in ctx.captured_queries if q["sql"].split(" FROM ")[1].startswith('"cadres_user"')]
    assert len(user_reads) == 1


def test_person_history_probe_is_compiled_once_and_asks_by_id_alone(township_a):
    """The probe of a person's 变更记录 (core.history.nonempty_by_id) is built once per key and
    database and then run with each person's id; a probe with any other parameter is refused."""
    from cadres.models import ResumeEntry
    from core import history
    from tests.factories import VillageFactory

    person = AppointmentFactory(village=VillageFactory(township=township_a), post=choices.CHAIR).person
    other = PersonFactory()
    built = []

    def build(person_id):
        built.append(person_id)
        return [ResumeEntry.history.filter(person_id=person_id), Appointment.history.filter(person_id=person_id)]

    key = ("test_person_history_probe", person.pk)
    assert history.nonempty_by_id(key, build, person.pk) == [False, True]
    assert history.nonempty_by_id(key, build, other.pk) == [False, False]
    assert history.nonempty_by_id(key, build, person.pk) == [False, True]
    assert len(built) == 1 and built[0] not in (person.pk, other.pk)
    assert history.nonempty_by_id(("test_person_history_probe_none",), lambda person_id: [], person.pk) == []
    with pytest.raises(ValueError):
        history.nonempty_by_id(
            ("test_person_history_probe_post", person.pk),
            lambda person_id: [Appointment.history.filter(person_id=person_id, post=choices.CHAIR)],
            person.pk,
        )


# --- filing follows the post's policy flags ----------------------------------------------------


def _policy_with_chair(county_user, year, *, requires_filing, requires_vetting):
    from core.policy import policy_for_year

    profile = core_services.policy_profile_create(by=county_user, year=year)
    posts = [dict(p) for p in policy_for_year(year).section("register")["posts"]]
    for p in posts:
        if p["code"] == choices.CHAIR:
            p.update(requires_filing=requires_filing, requires_vetting=requires_vetting)
    core_services.policy_section_update(profile=profile, by=county_user, key="register", values={"posts": posts})


def test_filing_a_post_that_needs_filing_but_no_joint_review(county_user, clerk_a, village_a):
    _policy_with_chair(county_user, 2024, requires_filing=True, requires_vetting=False)
    appt = services.appointment_create(
        by=clerk_a, person=PersonFactory(), village=village_a, post=choices.CHAIR, start_date=datetime.date(2024, 5, 1)
    )
    assert appt.status == choices.FilingStatus.DRAFT
    assert appt.qualification_review is None
    services.appointment_township_approve(appointment=appt, by=clerk_a)
    appt = services.appointment_file(appointment=appt, by=county_user)
    assert appt.status == choices.FilingStatus.FILED
    assert Appointment.objects.current().filter(pk=appt.pk).exists()


def test_filing_a_post_that_needs_filing_and_a_joint_review_still_asks_for_it(county_user, clerk_a, village_a):
    _policy_with_chair(county_user, 2024, requires_filing=True, requires_vetting=True)
    appt = services.appointment_create(
        by=clerk_a, person=PersonFactory(), village=village_a, post=choices.CHAIR, start_date=datetime.date(2024, 5, 1)
    )
    with pytest.raises(ValidationError) as exc:
        services.appointment_township_approve(appointment=appt, by=clerk_a)
    assert exc.value.message_dict == {"qualification_review": ["该职务实行“凡进必审”，须先关联资格联审结果。"]}
    appt.refresh_from_db()
    assert appt.status == choices.FilingStatus.DRAFT


def test_flag_dates_must_be_sane_and_each_step_keeps_history(county_user, village_a):
    from django.utils import timezone

    weak = choices.VillageFlagKind.WEAK_LAX
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.village_flag_add(village=village_a, by=county_user, kind=weak, start_date=datetime.date(9999, 12, 1))
    assert exc.value.message_dict == {"start_date": ["认定日期应在2000年01月01日至今天之间。"]}
    with pytest.raises(ValidationError) as exc:
        services.village_flag_add(village=village_a, by=county_user, kind="nonsense", start_date=datetime.date(2024, 3, 1))
    assert exc.value.message_dict == {"kind": ["请选择村类型。"]}
    flag = services.village_flag_add(village=village_a, by=county_user, kind=weak, start_date=datetime.date(2024, 3, 1))
    with pytest.raises(ValidationError) as exc:
        services.village_flag_end(flag=flag, by=county_user, end_date=tomorrow)
    assert exc.value.message_dict == {"end_date": ["摘帽/销号日期不能晚于今天。"]}
    services.village_flag_end(flag=flag, by=county_user, end_date=datetime.date(2025, 3, 1))
    rows = list(flag.history.order_by("history_date").values_list("history_type", "end_date", "history_user_id"))
    assert rows == [("+", None, county_user.pk), ("~", datetime.date(2025, 3, 1), county_user.pk)]


def test_township_and_village_services_refuse_clerks_and_report_duplicates(county_user, clerk_a, township_a, village_a):
    from cadres.models import Township, Village

    with pytest.raises(PermissionDenied):
        services.township_create(by=clerk_a, name="新镇", code="430122901")
    with pytest.raises(PermissionDenied):
        services.village_create(by=clerk_a, township=township_a, name="新村", code="430122100009")
    with pytest.raises(ValidationError) as exc:
        services.township_update(township=township_a, by=county_user, code="430122100", name="甲镇", colour="red")
    assert exc.value.message_dict == {"colour": ["该项不能在此修改。"]}
    other = services.township_create(by=county_user, name="丙镇", code="４３０１２２９０２")  # full-width digits
    assert other.code == "430122902"
    with pytest.raises(ValidationError) as exc:
        services.township_update(township=other, by=county_user, code="430122100")
    assert exc.value.message_dict == {"code": ["区划代码430122100已被“甲镇”使用。"]}
    with pytest.raises(ValidationError) as exc:
        services.village_update(village=village_a, by=county_user, code="abc")
    assert exc.value.message_dict == {"code": ["村(社区)代码应为12位统计用区划代码。"]}
    assert Township.objects.get(pk=other.pk).code == "430122902"
    assert Village.objects.get(pk=village_a.pk).code == "430122100001"


# --- 凡进必审 for every post that needs vetting; one person, one current township -------------


def test_committee_member_whose_review_failed_is_refused_and_nothing_is_written(clerk_a, county_user, village_a):
    person = PersonFactory()
    review = services.qualification_review_request(by=clerk_a, person=person, village=village_a, post="committee_member")
    services.department_verdict_record(
        verdict=review.verdicts.first(), by=county_user, result=choices.VettingResult.FAIL, negative_item_code="n02"
    )
    with pytest.raises(ValidationError) as exc:
        services.appointment_create(
            by=clerk_a, person=person, village=village_a, post="committee_member", start_date=datetime.date(2024, 5, 1)
        )
    assert exc.value.message_dict == {"qualification_review": ["资格联审未通过，不能任此职务。"]}
    assert not Appointment.objects.filter(person=person).exists()


def test_a_post_outside_the_vetting_list_needs_no_review(clerk_a, county_user, village_a):
    person = PersonFactory()
    review = services.qualification_review_request(by=clerk_a, person=person, village=village_a, post="clerk")
    services.department_verdict_record(
        verdict=review.verdicts.first(), by=county_user, result=choices.VettingResult.FAIL, negative_item_code="n02"
    )
    a = services.appointment_create(
        by=clerk_a, person=person, village=village_a, post="clerk", start_date=datetime.date(2024, 5, 1)
    )
    assert a.is_current and a.qualification_review is None


def test_a_passed_review_is_linked_and_the_post_is_current_at_once(clerk_a, county_user, village_a):
    person = PersonFactory()
    review = services.qualification_review_request(by=clerk_a, person=person, village=village_a, post="committee_member")
    for verdict in review.verdicts.all():
        services.department_verdict_record(verdict=verdict, by=county_user, result=choices.VettingResult.PASS)
    a = services.appointment_create(
        by=clerk_a, person=person, village=village_a, post="committee_member", start_date=datetime.date(2024, 5, 1)
    )
    assert a.is_current and a.qualification_review == review


def test_filing_a_secretary_current_in_another_township_is_refused_until_the_old_post_ends(
    clerk_a, county_user, village_a, village_b
):
    person = PersonFactory()
    old = AppointmentFactory(person=person, village=village_b, post="committee_member", start_date=datetime.date(2021, 4, 1))
    passed_review(person, village_a, county_user)
    draft = services.appointment_create(
        by=county_user, person=person, village=village_a, post=choices.SECRETARY, start_date=datetime.date(2024, 5, 1)
    )
    services.appointment_township_approve(appointment=draft, by=county_user)
    with pytest.raises(ValidationError) as exc:
        services.appointment_file(appointment=draft, by=county_user)
    assert exc.value.message_dict["person"] == [
        "此人现任乙镇乙一村村民委员会委员（2021年04月起），同一人不能同时在两个乡镇任职。请先在人员页面为其办理离任，或核对身份证号。"
    ]
    draft.refresh_from_db()
    assert draft.status == choices.FilingStatus.TOWNSHIP_APPROVED
    services.appointment_end(
        appointment=old, by=county_user, end_date=datetime.date(2024, 4, 30), end_reason=choices.EndReason.values[0]
    )
    assert services.appointment_file(appointment=draft, by=county_user).is_current


def test_same_township_posts_are_not_a_conflict(clerk_a, village_a):
    from cadres.models import Village

    other_village = Village.objects.create(township=village_a.township, name="甲二村", code="430122100299")
    person = PersonFactory()
    AppointmentFactory(person=person, village=other_village, post="committee_member")
    a = services.appointment_create(
        by=clerk_a, person=person, village=village_a, post="clerk", start_date=datetime.date(2024, 5, 1)
    )
    assert a.is_current


def test_person_history_reads_only_the_tables_that_hold_rows_for_the_person(county_user, clerk_a, clerk_b, township_a):
    """One EXISTS probe, by person, tells which history tables hold anything for the person; the
    empty ones are not read. The entries are the same as reading every table; a table that holds
    rows for the person only outside the viewer's scope is read through the scope and shows nothing."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cadres import selectors
    from tests.factories import VillageFactory

    appt = AppointmentFactory(village=VillageFactory(township=township_a), post=choices.CHAIR)
    person = appt.person
    with CaptureQueriesContext(connection) as ctx:
        entries = selectors.person_history(user=county_user, person=person)
    sql = [q["sql"] for q in ctx.captured_queries]
    assert not any("cadres_historicalresumeentry" in s and "EXISTS" not in s for s in sql)  # empty: probed, not read
    assert any("cadres_historicalappointment" in s and "EXISTS" not in s for s in sql)
    assert {e["what"].split("：")[0] for e in entries} == {"人员信息", "任职"}
    assert len(selectors.person_history(user=clerk_a, person=person)) == len(entries)
    # another township's clerk (were the file theirs to open) sees the file's own changes, not the post
    assert {e["what"].split("：")[0] for e in selectors.person_history(user=clerk_b, person=person)} == {"人员信息"}
