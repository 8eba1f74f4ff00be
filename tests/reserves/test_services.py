"""Services of the reserve pool: pipeline, who may do which step, rules, history, atomicity."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cadres.choices import FilingStatus, PoliticalStatus, VettingResult
from cadres.models import Appointment, PolicyProfile, QualificationReview
from core.policy import default_profile_data
from reserves import services
from reserves.choices import ExitReason, PartyStage, Status
from reserves.models import Appraisal, Mentorship, PartyStageRecord, ReserveCandidate, ReserveEvent

from ..factories import AppointmentFactory, PersonFactory
from .factories import ReserveCandidateFactory
from .helpers import conclude_review, to_pool

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def young(township_a):
    """Eligible for 2026: born 1996, senior high, not a Party member, on file in township A."""
    return PersonFactory(
        name="赵青山", born=D(1996, 8, 12), political_status="masses", party_join_date=None, registered_township=township_a
    )


def survey(person, village, by, **kw):
    values = {"cohort": 2026, "source": "returned_graduate", "intended_post": "committee_member"} | kw
    return services.reserve_survey(by=by, person=person, village=village, **values)


# ---------------------------------------------------------------------------------------------
# 村级摸底 / 乡镇推荐 (clerks) and the county steps
# ---------------------------------------------------------------------------------------------


def test_clerk_surveys_and_nominates_in_own_township_with_dated_attributed_steps(clerk_a, village_a, young):
    candidate = survey(young, village_a, clerk_a, note="村党支部摸底")
    candidate = services.reserve_nominate(candidate=candidate, by=clerk_a, note="镇党委会研究")
    candidate.refresh_from_db()
    assert candidate.status == Status.NOMINATED
    assert candidate.source_name == "返乡大学生" and candidate.intended_post_name == "村民委员会委员"
    events = list(candidate.events.values_list("from_status", "to_status", "by__username", "date", "note"))
    today = timezone.localdate()
    assert events == [
        ("", Status.SURVEYED, "clerk_a", today, "村党支部摸底"),
        (Status.SURVEYED, Status.NOMINATED, "clerk_a", today, "镇党委会研究"),
    ]
    assert [h.history_user.username for h in candidate.history.all()] == ["clerk_a", "clerk_a"]


def test_clerk_cannot_survey_for_another_townships_village(clerk_a, village_b, young):
    with pytest.raises(PermissionDenied):
        survey(young, village_b, clerk_a)
    assert ReserveCandidate.objects.count() == 0


@pytest.mark.parametrize("step", ["reserve_review_request", "reserve_pool_enter", "reserve_exit"])
def test_clerk_cannot_take_county_steps(clerk_a, village_a, step):
    candidate = ReserveCandidateFactory(village=village_a, status=Status.NOMINATED)
    kwargs = {"reason": ExitReason.VOLUNTARY} if step == "reserve_exit" else {}
    with pytest.raises(PermissionDenied):
        getattr(services, step)(candidate=candidate, by=clerk_a, **kwargs)
    candidate.refresh_from_db()
    assert candidate.status == Status.NOMINATED and candidate.events.count() == 0


def test_auditor_cannot_write(auditor, village_a, young):
    with pytest.raises(PermissionDenied):
        survey(young, village_a, auditor)
    assert ReserveCandidate.objects.count() == 0


def test_eligibility_comes_from_the_years_policy_and_errors_are_field_keyed(county_user, village_a, township_a):
    old = PersonFactory(born=D(1984, 3, 1), registered_township=township_a)  # 41 on 2026-01-01
    low = PersonFactory(born=D(1998, 3, 1), education_fulltime="2_junior", registered_township=township_a)
    with pytest.raises(ValidationError) as exc:
        survey(old, village_a, county_user)
    assert exc.value.message_dict["person"] == ["截至2026年01月01日年满41周岁，超过后备力量年龄条件（35周岁及以下）。"]
    with pytest.raises(ValidationError) as exc:
        survey(low, village_a, county_user)
    assert "低于后备力量最低学历（高中及以上）" in exc.value.message_dict["education"][0]
    # County staff relax the rule in this year's profile: data, not code.
    data = default_profile_data()
    data["reserves"]["eligibility"]["min_education"] = "2_junior"
    PolicyProfile.objects.create(year=timezone.localdate().year, title="本年度", data=data)
    assert survey(low, village_a, county_user).status == Status.SURVEYED
    assert ReserveCandidate.objects.count() == 1


def test_unknown_source_and_post_are_refused(county_user, village_a, young):
    with pytest.raises(ValidationError) as exc:
        survey(young, village_a, county_user, source="nope", intended_post="king")
    assert set(exc.value.message_dict) == {"source", "intended_post"}
    assert ReserveCandidate.objects.count() == 0


def test_one_open_record_per_person_and_cohort(county_user, village_a, township_a, young):
    from ..factories import VillageFactory

    survey(young, village_a, county_user)
    other = VillageFactory(township=township_a, name="甲二村")
    with pytest.raises(ValidationError) as exc:
        survey(young, other, county_user)
    assert "已是甲镇甲一村2026届后备力量" in exc.value.message_dict["person"][0]
    assert survey(young, other, county_user, cohort=2031).cohort == 2031


def test_step_out_of_order_is_refused(county_user, village_a):
    candidate = ReserveCandidateFactory(village=village_a)
    with pytest.raises(ValidationError) as exc:
        services.reserve_pool_enter(candidate=candidate, by=county_user)
    assert "当前状态为“村级摸底”" in exc.value.message_dict["status"][0]


# ---------------------------------------------------------------------------------------------
# 县级审核 uses the register's joint review; a failed review never enters the pool
# ---------------------------------------------------------------------------------------------


def test_county_review_opens_the_registers_joint_review_and_pass_enters_pool(clerk_a, county_user, village_a):
    candidate = ReserveCandidateFactory(village=village_a, status=Status.NOMINATED)
    candidate = services.reserve_review_request(candidate=candidate, by=county_user)
    review = candidate.qualification_review
    assert review.person_id == candidate.person_id and review.village_id == village_a.pk
    assert review.post == "committee_member" and review.cohort == 2026 and review.verdicts.count() >= 9
    with pytest.raises(ValidationError) as exc:
        services.reserve_pool_enter(candidate=candidate, by=county_user)
    assert "尚未办结" in exc.value.message_dict["qualification_review"][0]
    conclude_review(review, by=county_user)
    candidate = services.reserve_pool_enter(candidate=candidate, by=county_user)
    candidate.refresh_from_db()
    assert candidate.status == Status.POOLED
    assert list(candidate.events.values_list("to_status", flat=True)) == [Status.REVIEWING, Status.POOLED]


def test_a_failed_review_can_never_enter_the_pool(county_user, village_a):
    candidate = ReserveCandidateFactory(village=village_a, status=Status.NOMINATED)
    candidate = services.reserve_review_request(candidate=candidate, by=county_user)
    conclude_review(candidate.qualification_review, by=county_user, result=VettingResult.FAIL)
    assert QualificationReview.objects.get().outcome == VettingResult.FAIL
    for _ in range(2):
        with pytest.raises(ValidationError) as exc:
            services.reserve_pool_enter(candidate=candidate, by=county_user)
        assert exc.value.message_dict["qualification_review"] == ["资格联审未通过，不能入库。请办理退出。"]
    candidate.refresh_from_db()
    assert candidate.status == Status.REVIEWING
    assert ReserveCandidate.objects.filter(status=Status.POOLED).count() == 0
    candidate = services.reserve_exit(candidate=candidate, by=county_user, reason=ExitReason.REVIEW_FAILED)
    assert candidate.status == Status.EXITED and candidate.exit_reason == ExitReason.REVIEW_FAILED


def test_database_refuses_pool_without_review(village_a):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ReserveCandidateFactory(village=village_a, status=Status.POOLED, qualification_review=None)


def test_existing_pending_review_is_reused(county_user, clerk_a, village_a):
    from cadres import services as register

    candidate = ReserveCandidateFactory(village=village_a, status=Status.NOMINATED)
    pending = register.qualification_review_request(
        by=clerk_a, person=candidate.person, village=village_a, post="committee_member"
    )
    candidate = services.reserve_review_request(candidate=candidate, by=county_user)
    assert candidate.qualification_review_id == pending.pk and QualificationReview.objects.count() == 1


# ---------------------------------------------------------------------------------------------
# 已任用: appointment and closing in one transaction
# ---------------------------------------------------------------------------------------------


def test_appointing_creates_the_appointment_and_closes_the_record(clerk_a, county_user, village_a):
    candidate = to_pool(ReserveCandidateFactory(village=village_a), clerk=clerk_a, county=county_user)
    candidate = services.reserve_appoint(candidate=candidate, by=county_user, start_date=timezone.localdate())
    candidate.refresh_from_db()
    appointment = Appointment.objects.get()
    assert candidate.status == Status.APPOINTED and candidate.appointment_id == appointment.pk
    assert candidate.closed_on == timezone.localdate()
    assert appointment.person_id == candidate.person_id and appointment.village_id == village_a.pk
    assert appointment.post == "committee_member" and appointment.cohort == 2026
    assert appointment.qualification_review_id == candidate.qualification_review_id
    assert appointment.status == FilingStatus.FILED  # 委员 needs no filing
    assert candidate.events.last().to_status == Status.APPOINTED


def test_appointing_a_secretary_starts_the_filing_workflow(clerk_a, county_user, village_a):
    candidate = ReserveCandidateFactory(village=village_a, intended_post="secretary", intended_post_name="村党组织书记")
    candidate = to_pool(candidate, clerk=clerk_a, county=county_user)
    services.reserve_appoint(candidate=candidate, by=county_user, start_date=timezone.localdate())
    appointment = Appointment.objects.get()
    assert appointment.post == "secretary" and appointment.status == FilingStatus.DRAFT
    assert appointment.qualification_review.outcome == VettingResult.PASS


def test_register_refusal_leaves_the_reserve_record_in_the_pool(clerk_a, county_user, village_a):
    candidate = to_pool(ReserveCandidateFactory(village=village_a), clerk=clerk_a, county=county_user)
    AppointmentFactory(person=candidate.person, village=village_a, post="committee_member")  # already holds the post
    before = Appointment.objects.count()
    with pytest.raises(ValidationError):
        services.reserve_appoint(candidate=candidate, by=county_user, start_date=timezone.localdate())
    candidate.refresh_from_db()
    assert candidate.status == Status.POOLED and candidate.appointment_id is None
    assert Appointment.objects.count() == before
    assert candidate.events.filter(to_status=Status.APPOINTED).count() == 0


def test_failure_after_the_appointment_rolls_the_appointment_back(clerk_a, county_user, village_a, monkeypatch):
    candidate = to_pool(ReserveCandidateFactory(village=village_a), clerk=clerk_a, county=county_user)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_log", boom)
    with pytest.raises(RuntimeError):
        services.reserve_appoint(candidate=candidate, by=county_user, start_date=timezone.localdate())
    candidate.refresh_from_db()
    assert Appointment.objects.count() == 0
    assert candidate.status == Status.POOLED and candidate.appointment_id is None


def test_exit_needs_a_reason_and_other_needs_a_note(county_user, village_a):
    candidate = ReserveCandidateFactory(village=village_a)
    with pytest.raises(ValidationError) as exc:
        services.reserve_exit(candidate=candidate, by=county_user, reason=ExitReason.OTHER)
    assert "note" in exc.value.message_dict
    candidate.refresh_from_db()
    assert candidate.status == Status.SURVEYED
    services.reserve_exit(candidate=candidate, by=county_user, reason=ExitReason.MOVED_AWAY, note="外出务工")
    candidate.refresh_from_db()
    assert candidate.status == Status.EXITED and candidate.closed_on == timezone.localdate()


# ---------------------------------------------------------------------------------------------
# Development: mentoring, practice posts, appraisal, Party path
# ---------------------------------------------------------------------------------------------


def test_mentoring_one_to_one_then_many_to_one(clerk_a, village_a):
    from reserves.selectors import candidate_get, development_summary

    candidate = ReserveCandidateFactory(village=village_a, pooled=True)
    services.mentorship_add(
        candidate=candidate, by=clerk_a, mentor_type="township_leader", mentor_name="刘镇长", start_date=D(2025, 4, 1)
    )
    assert development_summary(candidate_get(user=clerk_a, pk=candidate.pk))["mentor_mode"] == "一带一"
    services.mentorship_add(
        candidate=candidate, by=clerk_a, mentor_type="first_secretary", mentor_name="王书记", start_date=D(2025, 5, 1)
    )
    assert development_summary(candidate_get(user=clerk_a, pk=candidate.pk))["mentor_mode"] == "多带一"
    with pytest.raises(ValidationError) as exc:
        services.mentorship_add(
            candidate=candidate, by=clerk_a, mentor_type="boss", mentor_name="刘镇长", start_date=D(2025, 4, 1)
        )
    assert set(exc.value.message_dict) == {"mentor_type", "mentor_name"}
    m = Mentorship.objects.get(mentor_name="刘镇长")
    with pytest.raises(ValidationError):
        services.mentorship_end(mentorship=m, by=clerk_a, end_date=D(2025, 3, 1))
    services.mentorship_end(mentorship=m, by=clerk_a, end_date=D(2025, 9, 1))
    assert development_summary(candidate_get(user=clerk_a, pk=candidate.pk))["mentor_mode"] == "一带一"
    assert Mentorship.objects.count() == 2


def test_practice_post_and_assessment(clerk_a, village_a):
    candidate = ReserveCandidateFactory(village=village_a, pooled=True)
    practice = services.practice_post_add(candidate=candidate, by=clerk_a, post="secretary_assistant", start_date=D(2025, 4, 1))
    assert practice.post_name == "村党组织书记（村委会主任）助理"
    with pytest.raises(ValidationError):
        services.practice_post_add(candidate=candidate, by=clerk_a, post="secretary_assistant", start_date=D(2025, 5, 1))
    services.practice_post_assess(practice=practice, by=clerk_a, end_date=D(2025, 10, 1), assessment="协助组织议事，表现良好")
    practice.refresh_from_db()
    assert practice.end_date == D(2025, 10, 1) and practice.assessment == "协助组织议事，表现良好"


def test_poor_appraisal_proposes_removal_and_replacement(clerk_a, county_user, village_a):
    candidate = ReserveCandidateFactory(village=village_a, pooled=True, surveyed_on=D(2024, 3, 1))
    services.appraisal_record(candidate=candidate, by=clerk_a, year=2024, result="good", date=D(2024, 12, 20))
    candidate.refresh_from_db()
    assert candidate.adjustment_proposed_on is None
    services.appraisal_record(candidate=candidate, by=clerk_a, year=2025, result="poor", date=D(2025, 12, 20))
    candidate.refresh_from_db()
    assert candidate.adjustment_proposed_on == D(2025, 12, 20)
    assert candidate.adjustment_note == "2025年度测评“差”：建议调整出库，并从本村择优补充推荐后备力量。"
    with pytest.raises(ValidationError) as exc:
        services.appraisal_record(candidate=candidate, by=clerk_a, year=2025, result="good", date=D(2025, 12, 21))
    assert exc.value.message_dict["year"] == ["2025年度已有测评结果。"]
    assert Appraisal.objects.count() == 2
    services.reserve_exit(candidate=candidate, by=county_user, reason=ExitReason.APPRAISAL_POOR)
    with pytest.raises(ValidationError):  # closed records take no more development entries
        services.appraisal_record(candidate=candidate, by=clerk_a, year=2024, result="good")


def test_party_path_enforces_intervals_and_updates_the_register(clerk_a, village_a):
    candidate = ReserveCandidateFactory(village=village_a, pooled=True)
    services.party_stage_record(candidate=candidate, by=clerk_a, stage=PartyStage.ACTIVIST, date=D(2023, 5, 10))
    with pytest.raises(ValidationError) as exc:
        services.party_stage_record(candidate=candidate, by=clerk_a, stage=PartyStage.CANDIDATE, date=D(2024, 5, 9))
    assert "最早于2024年05月10日" in exc.value.message_dict["date"][0]
    assert PartyStageRecord.objects.count() == 1
    services.party_stage_record(candidate=candidate, by=clerk_a, stage=PartyStage.CANDIDATE, date=D(2024, 5, 10))
    services.party_stage_record(candidate=candidate, by=clerk_a, stage=PartyStage.PROBATIONARY, date=D(2024, 7, 1))
    person = candidate.person
    person.refresh_from_db()
    assert person.political_status == PoliticalStatus.PROBATIONARY and person.party_join_date == D(2024, 7, 1)
    with pytest.raises(ValidationError) as exc:
        services.party_stage_record(
            candidate=candidate, by=clerk_a, stage=PartyStage.EXTENSION, date=D(2025, 6, 1), until=D(2026, 7, 2)
        )
    assert "最迟至2026年07月01日" in exc.value.message_dict["until"][0]
    services.party_stage_record(candidate=candidate, by=clerk_a, stage=PartyStage.FULL, date=D(2025, 7, 1))
    person.refresh_from_db()
    assert person.political_status == PoliticalStatus.MEMBER
    assert list(PartyStageRecord.objects.values_list("stage", flat=True)) == ["activist", "candidate", "probationary", "full"]


def test_party_members_need_no_party_path(clerk_a, village_a):
    candidate = ReserveCandidateFactory(
        village=village_a, person__political_status="member", person__party_join_date=D(2020, 7, 1)
    )
    with pytest.raises(ValidationError) as exc:
        services.party_stage_record(candidate=candidate, by=clerk_a, stage=PartyStage.APPLICANT, date=D(2024, 1, 1))
    assert "已是中共党员" in exc.value.message_dict["stage"][0]
    assert ReserveEvent.objects.count() == 0
