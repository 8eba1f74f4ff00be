"""Pay runs, the append-only ledger, reversals, locks, awards and the inputs from other apps."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cadres import choices
from cadres.models import PolicyProfile
from core.policy import default_profile_data
from subsidies import services
from subsidies.choices import EntrySource, EntryType, RunStatus, StopReason
from subsidies.models import AppendOnlyError, LedgerEntry, PayRun, PayRunLine

from ..factories import PersonFactory, VillageFactory
from .factories import LedgerEntryFactory, PayAccountFactory, PayPeriodFactory, cadre

pytestmark = pytest.mark.django_db


def _profile(year=2025, **section):
    data = default_profile_data()
    for key, value in section.items():
        if isinstance(value, dict):
            data["subsidies"][key] = {**data["subsidies"][key], **value}
        else:
            data["subsidies"][key] = value
    return PolicyProfile.objects.create(year=year, title="测试", data=data)


# --- monthly base pay ---------------------------------------------------------------------------


def test_monthly_base_run_pays_each_post_class_its_share(run_job, clerk_a, village_a):
    sec = cadre(village_a, "secretary")
    dep = cadre(village_a, "deputy_secretary")
    gen = cadre(village_a, "committee_member")
    run = run_job(services.payrun_create, by=clerk_a, kind="base_monthly", period_code="2025-03")
    assert run.status == RunStatus.PREVIEW
    amounts = dict(PayRunLine.objects.filter(run=run).values_list("person_id", "amount"))
    # default tier ¥42,000 + ¥3,000 = ¥45,000; 60 % base ÷ 12
    assert amounts == {sec.person_id: D("2250.00"), dep.person_id: D("1800.00"), gen.person_id: D("1575.00")}
    assert run.total_amount == D("5625.00")
    assert run.line_count == 3
    assert LedgerEntry.objects.count() == 0  # a preview writes nothing to the ledger
    line = PayRunLine.objects.get(run=run, person_id=sec.person_id)
    assert "¥45,000 = ¥42,000 + ¥3,000" in line.explanation
    assert "¥2,250 = ¥27,000 ÷ 12" in line.explanation


def test_one_shoulder_is_paid_once_at_the_highest_post(run_job, clerk_a, village_a):
    sec = cadre(village_a, "secretary")
    cadre(village_a, "chair", person=sec.person)
    cadre(village_a, "clerk", person=sec.person)
    run = run_job(services.payrun_create, by=clerk_a, kind="base_monthly", period_code="2025-03")
    line = PayRunLine.objects.get(run=run)
    assert line.amount == D("2250.00")
    assert "只按最高职务" in line.explanation


def test_one_shoulder_multiple_when_the_profile_says_so(run_job, clerk_a, village_a):
    _profile(standards={"cross_post_mode": "multiple", "cross_post_multiple_percent": 125})
    sec = cadre(village_a, "secretary")
    cadre(village_a, "chair", person=sec.person)
    run = run_job(services.payrun_create, by=clerk_a, kind="base_monthly", period_code="2025-03")
    # ¥45,000 × 125 % = ¥56,250; × 60 % ÷ 12 = ¥2,812.50
    assert PayRunLine.objects.get(run=run).amount == D("2812.50")


def test_tier_comes_from_last_years_village_category(run_job, clerk_a, village_a, monkeypatch):
    from assessments import selectors as review_selectors

    sec = cadre(village_a, "secretary")
    calls = []

    def fake(*, year, township_ids=None):
        calls.append(year)
        return [
            {
                "person_id": sec.person_id,
                "village_id": village_a.pk,
                "township_id": village_a.township_id,
                "village_category": "A",
            }
        ]

    monkeypatch.setattr(review_selectors, "review_results_for_pay", fake)
    run = run_job(services.payrun_create, by=clerk_a, kind="base_monthly", period_code="2025-03")
    # tier A ¥45,000 + ¥3,000 = ¥48,000 → base ¥28,800 → ¥2,400/month
    assert PayRunLine.objects.get(run=run).amount == D("2400.00")
    assert calls == [2024]


def test_ended_and_unfiled_posts_are_not_paid(run_job, clerk_a, village_a):
    cadre(village_a, "secretary", end=datetime.date(2025, 1, 31), end_reason=choices.EndReason.RESIGNED)
    draft = cadre(village_a, "chair")
    draft.status = choices.FilingStatus.DRAFT
    draft.save()
    run = run_job(services.payrun_create, by=clerk_a, kind="base_monthly", period_code="2025-03")
    assert run.line_count == 0
    assert not PayRunLine.objects.filter(run=run).exists()


def test_full_journey_posts_entries_whose_sum_equals_the_run_total(posted_run, clerk_a, county_user, village_a):
    for post in ("secretary", "deputy_secretary", "committee_member", "group_leader"):
        cadre(village_a, post)
    run = posted_run()
    entries = LedgerEntry.objects.filter(pay_run=run)
    assert entries.count() == 4
    assert entries.total() == run.total_amount == D("2250.00") + D("1800.00") + D("1575.00") * 2
    assert set(entries.values_list("source", flat=True)) == {EntrySource.RULE_RUN}
    assert run.prepared_by == clerk_a and run.approved_by == county_user
    e = entries.first()
    assert e.history.count() == 1 and e.history.first().history_user == county_user
    run = services.payrun_mark_paid(run=run, by=county_user, bank_batch_ref="NS20250325-01")
    assert run.status == RunStatus.PAID and run.bank_batch_ref == "NS20250325-01"


def test_posting_is_idempotent(posted_run, county_user, village_a):
    cadre(village_a)
    run = posted_run()
    again = services.payrun_post(run=run, by=county_user)
    assert again.status == RunStatus.APPROVED
    assert LedgerEntry.objects.filter(pay_run=run).count() == 1
    recomputed = services.payrun_compute(run=run, by=county_user)  # a worker retry after posting
    assert recomputed.status == RunStatus.APPROVED
    assert PayRunLine.objects.filter(run=run).count() == 1


def test_recomputing_a_preview_replaces_its_lines(run_job, clerk_a, village_a):
    cadre(village_a)
    run = run_job(services.payrun_create, by=clerk_a, kind="base_monthly", period_code="2025-03")
    cadre(village_a, "deputy_secretary")
    run = run_job(services.payrun_recompute, run=run, by=clerk_a)
    assert run.status == RunStatus.PREVIEW
    assert PayRunLine.objects.filter(run=run).count() == 2
    assert run.total_amount == D("4050.00")


def test_a_second_run_for_the_same_period_and_scope_is_refused(run_job, clerk_a, county_user, village_a):
    cadre(village_a)
    run_job(services.payrun_create, by=clerk_a, kind="base_monthly", period_code="2025-03")
    with pytest.raises(ValidationError) as exc:
        services.payrun_create(by=clerk_a, kind="base_monthly", period_code="2025-03")
    assert "不能重复计发" in exc.value.message_dict["period"][0]
    with pytest.raises(ValidationError):
        services.payrun_create(by=county_user, kind="base_monthly", period_code="2025-03")  # county-wide overlaps
    assert PayRun.objects.count() == 1


def test_period_kind_must_match_the_run_kind(clerk_a):
    with pytest.raises(ValidationError) as exc:
        services.payrun_create(by=clerk_a, kind="base_monthly", period_code="2025")
    assert "月度" in exc.value.message_dict["period"][0]
    with pytest.raises(ValidationError):
        services.payrun_create(by=clerk_a, kind="performance_yearly", period_code="2025-13")
    assert PayRun.objects.count() == 0


def test_clerk_run_is_always_for_the_own_township(run_job, clerk_a, township_b, village_a, village_b):
    cadre(village_a)
    cadre(village_b)
    run = run_job(services.payrun_create, by=clerk_a, kind="base_monthly", period_code="2025-03", township=township_b)
    assert run.township == clerk_a.township
    assert set(PayRunLine.objects.filter(run=run).values_list("township_id", flat=True)) == {clerk_a.township_id}


def test_county_wide_run_covers_every_township(run_job, county_user, village_a, village_b):
    cadre(village_a)
    cadre(village_b, "deputy_secretary")
    run = run_job(services.payrun_create, by=county_user, kind="base_monthly", period_code="2025-03")
    assert run.township is None
    assert run.total_amount == D("4050.00")


def test_person_with_posts_in_two_townships_is_paid_once_where_the_highest_post_is(
    run_job, clerk_a, clerk_b, village_a, village_b
):
    sec = cadre(village_a, "secretary")
    cadre(village_b, "committee_member", person=sec.person)
    run_a = run_job(services.payrun_create, by=clerk_a, kind="base_monthly", period_code="2025-03")
    run_b = run_job(services.payrun_create, by=clerk_b, kind="base_monthly", period_code="2025-03")
    assert run_a.total_amount == D("2250.00")
    assert run_b.line_count == 0


def test_only_the_county_approves_and_clerks_cannot_touch_other_townships(run_job, clerk_a, clerk_b, county_user, village_a):
    cadre(village_a)
    run = run_job(services.payrun_create, by=clerk_a, kind="base_monthly", period_code="2025-03")
    with pytest.raises(PermissionDenied):
        services.payrun_prepare(run=run, by=clerk_b)
    run = services.payrun_prepare(run=run, by=clerk_a)
    with pytest.raises(PermissionDenied):
        services.payrun_approve(run=run, by=clerk_a)
    run.refresh_from_db()
    assert run.status == RunStatus.PREPARED
    with pytest.raises(ValidationError) as exc:
        services.payrun_return(run=run, by=county_user, reason="  ")
    assert "reason" in exc.value.message_dict
    run = services.payrun_return(run=run, by=county_user, reason="人数不对")
    assert run.status == RunStatus.PREVIEW and "人数不对" in run.message


def test_double_pay_across_runs_is_refused_at_posting(run_job, clerk_a, county_user, village_a):
    sec = cadre(village_a)
    run = run_job(services.payrun_create, by=clerk_a, kind="base_monthly", period_code="2025-03")
    services.payrun_prepare(run=run, by=clerk_a)
    # meanwhile someone enters the same base pay by hand
    services.ledger_entry_add(
        by=county_user, person=sec.person, period_code="2025-03", entry_type=EntryType.BASE, amount="2250", reason="补录"
    )
    run = run_job(services.payrun_approve, run=run, by=county_user)
    assert run.status == RunStatus.PREPARED
    assert "不能重复入账" in run.message
    assert LedgerEntry.objects.filter(pay_run=run).count() == 0


# --- locks, reversals, append-only ----------------------------------------------------------------


def test_locked_period_allows_only_reversals(posted_run, run_job, clerk_a, county_user, village_a):
    sec = cadre(village_a)
    run = posted_run()
    services.period_lock(period=run.period, by=county_user)
    with pytest.raises(ValidationError) as exc:
        services.ledger_entry_add(
            by=county_user, person=sec.person, period_code="2025-03", entry_type=EntryType.AWARD, amount="100", reason="x"
        )
    assert "已锁定" in exc.value.message_dict["period"][0]
    with pytest.raises(ValidationError):
        services.payrun_create(by=clerk_a, kind="performance_yearly", period_code="2025-03")
    entry = LedgerEntry.objects.get(pay_run=run)
    reversal = services.ledger_entry_reverse(entry=entry, by=county_user, reason="离任未及时报送")
    assert reversal.amount == D("-2250.00")
    assert LedgerEntry.objects.filter(person=sec.person, period=run.period).total() == D("0.00")


def test_clerk_cannot_lock_periods(clerk_a):
    period = PayPeriodFactory()
    with pytest.raises(PermissionDenied):
        services.period_lock(period=period, by=clerk_a)
    period.refresh_from_db()
    assert not period.is_locked


def test_reversal_needs_a_reason_and_happens_once(county_user, village_a):
    entry = LedgerEntryFactory(village=village_a, created_by=county_user)
    with pytest.raises(ValidationError) as exc:
        services.ledger_entry_reverse(entry=entry, by=county_user, reason="")
    assert exc.value.message_dict["reason"] == ["冲销更正须填写事由。"]
    assert LedgerEntry.objects.count() == 1
    reversal = services.ledger_entry_reverse(entry=entry, by=county_user, reason="重复发放")
    assert reversal.reverses == entry and reversal.source == EntrySource.REVERSAL
    assert reversal.explanation.startswith(f"冲销第{entry.pk}号账目 ¥2,250：重复发放")
    with pytest.raises(ValidationError):
        services.ledger_entry_reverse(entry=entry, by=county_user, reason="再冲一次")
    with pytest.raises(ValidationError):
        services.ledger_entry_reverse(entry=reversal, by=county_user, reason="冲销冲销")
    assert LedgerEntry.objects.count() == 2


def test_clerk_cannot_reverse_or_add_entries(clerk_a, village_a):
    entry = LedgerEntryFactory(village=village_a)
    with pytest.raises(PermissionDenied):
        services.ledger_entry_reverse(entry=entry, by=clerk_a, reason="x")
    with pytest.raises(PermissionDenied):
        services.ledger_entry_add(by=clerk_a, person=entry.person, period_code="2025", entry_type="award", amount="1", reason="x")
    assert LedgerEntry.objects.count() == 1


def test_ledger_entries_can_never_be_edited_or_deleted(village_a):
    entry = LedgerEntryFactory(village=village_a)
    entry.amount = D("1.00")
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=D("1.00"))
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.all().delete()
    assert LedgerEntry.objects.get(pk=entry.pk).amount == D("2250.00")


def test_manual_entry_amount_errors_are_keyed_and_nothing_is_written(county_user, village_a):
    sec = cadre(village_a)
    with pytest.raises(ValidationError) as exc:
        services.ledger_entry_add(
            by=county_user, person=sec.person, period_code="2025", entry_type="award", amount="0", reason="x"
        )
    assert exc.value.message_dict == {"amount": ["金额不能为0。"]}
    with pytest.raises(ValidationError) as exc:
        services.ledger_entry_add(
            by=county_user, person=sec.person, period_code="25年", entry_type="award", amount="5", reason="x"
        )
    assert "period" in exc.value.message_dict
    assert LedgerEntry.objects.count() == 0


def test_eleven_excellent_secretaries_times_5000(county_user, township_a):
    people = [cadre(VillageFactory(township=township_a)).person for _ in range(11)]
    entries = services.award_post(by=county_user, people=people, period_code="2024", award_code="excellent_secretary")
    assert len(entries) == 11
    assert LedgerEntry.objects.filter(entry_type=EntryType.AWARD, period__code="2024").total() == D("55000.00")
    assert entries[0].explanation.startswith("奖励：优秀基层党组织书记奖励")


# --- performance pay ---------------------------------------------------------------------------


def _review(monkeypatch, results):
    from assessments import selectors as review_selectors

    monkeypatch.setattr(
        review_selectors,
        "review_results_for_pay",
        lambda *, year, township_ids=None: [r for r in results if township_ids is None or r["township_id"] in township_ids],
    )


def _result(appt, grade="competent", label="称职", score="85", category=""):
    return {
        "person_id": appt.person_id,
        "village_id": appt.village_id,
        "township_id": appt.village.township_id,
        "grade": grade,
        "grade_label": label,
        "score": D(score),
        "village_category": category,
        "stars": 3,
    }


def test_performance_pay_from_grades(run_job, clerk_a, village_a, monkeypatch):
    sec = cadre(village_a, "secretary")
    dep = cadre(village_a, "vice_chair")
    bad = cadre(village_a, "committee_member")
    _review(monkeypatch, [_result(sec, "excellent", "优秀"), _result(dep), _result(bad, "incompetent", "不称职")])
    run = run_job(services.payrun_create, by=clerk_a, kind="performance_yearly", period_code="2025")
    amounts = dict(PayRunLine.objects.filter(run=run).values_list("person_id", "amount"))
    # pools: ¥45,000 − ¥27,000 = ¥18,000; deputy ¥36,000 × 40 % = ¥14,400 × 90 % = ¥12,960
    assert amounts == {sec.person_id: D("18000.00"), dep.person_id: D("12960.00"), bad.person_id: D("0.00")}
    zero = PayRunLine.objects.get(run=run, person_id=bad.person_id)
    assert zero.zero_reason == "年度考核不称职" and "× 0%（不称职）" in zero.explanation
    # 人数 and the total count the people paid; the ¥0 line is listed, not counted
    assert (run.line_count, run.total_amount) == (2, D("30960.00"))
    assert PayRunLine.objects.filter(run=run).exclude(amount=0).values_list("zero_reason", flat=True).distinct().get() == ""
    line = PayRunLine.objects.get(run=run, person_id=dep.person_id)
    assert "¥12,960 = ¥14,400 × 90%（称职）" in line.explanation


def test_performance_pay_by_points_deduction(run_job, clerk_a, village_a, monkeypatch):
    _profile(performance={"mode": "points", "full_score": "90", "per_point": "5.00"})
    sec = cadre(village_a, "secretary")
    _review(monkeypatch, [_result(sec, score="62")])
    run = run_job(services.payrun_create, by=clerk_a, kind="performance_yearly", period_code="2025")
    line = PayRunLine.objects.get(run=run)
    assert line.amount == D("17860.00")
    assert "¥17,860 = ¥18,000 − 28 分 × ¥5" in line.explanation


def test_performance_pay_with_village_category_multiplier(run_job, clerk_a, village_a, monkeypatch):
    _profile(performance={"use_village_category": True})
    sec = cadre(village_a, "secretary")
    _review(monkeypatch, [_result(sec, category="B")])
    run = run_job(services.payrun_create, by=clerk_a, kind="performance_yearly", period_code="2025")
    # ¥18,000 × 90 % × 90 %（二类村）
    assert PayRunLine.objects.get(run=run).amount == D("14580.00")


def test_clerk_performance_run_ignores_other_townships_results(run_job, clerk_a, village_a, village_b, monkeypatch):
    a = cadre(village_a)
    b = cadre(village_b)
    from assessments import selectors as review_selectors

    monkeypatch.setattr(review_selectors, "review_results_for_pay", lambda *, year, township_ids=None: [_result(a), _result(b)])
    run = run_job(services.payrun_create, by=clerk_a, kind="performance_yearly", period_code="2025")
    assert list(PayRunLine.objects.filter(run=run).values_list("person_id", flat=True)) == [a.person_id]


# --- yearly subsidies -----------------------------------------------------------------------------


def _departed(
    village,
    *,
    born=datetime.date(1958, 3, 1),
    start=datetime.date(2005, 1, 1),
    end=datetime.date(2015, 1, 1),
    reason="election",
    male=True,
):
    return cadre(village, "secretary", start=start, end=end, end_reason=reason, born=born, male=male).person


def test_yearly_subsidies_pension_living_and_education(run_job, clerk_a, village_a, monkeypatch):
    from training import selectors as training_selectors

    sec = cadre(village_a, "secretary")
    PayAccountFactory(person=sec.person)
    uninsured = cadre(VillageFactory(township=village_a.township), "secretary")
    PayAccountFactory(person=uninsured.person, pension_at_standard=False)
    old = _departed(village_a)
    monkeypatch.setattr(
        training_selectors,
        "education_subsidies_for_year",
        lambda *, year, township_ids=None: [
            {
                "upgrade_id": 7,
                "person_id": sec.person_id,
                "township_id": village_a.township_id,
                "kind": "tuition",
                "amount": D("1500.00"),
                "date": datetime.date(2025, 9, 1),
                "label": "学历提升学费补贴：湖南开放大学",
            },
        ],
    )
    run = run_job(services.payrun_create, by=clerk_a, kind="subsidy_yearly", period_code="2025")
    lines = {(line.person_id, line.entry_type): line for line in PayRunLine.objects.filter(run=run)}
    assert lines[(sec.person_id, EntryType.PENSION)].amount == D("2000.00")
    not_at_standard = lines[(uninsured.person_id, EntryType.PENSION)]
    assert (not_at_standard.amount, not_at_standard.zero_reason) == (D("0.00"), "低于标准")
    assert lines[(sec.person_id, EntryType.EDUCATION)].amount == D("1500.00")
    assert lines[(sec.person_id, EntryType.EDUCATION)].source_ref == "training:7:tuition"
    living = lines[(old.pk, EntryType.LIVING)]
    # 10 years continuous ≥ 6 → 10 % of the secretary base ¥27,000
    assert living.amount == D("2700.00")
    assert "¥2,700 = ¥27,000 × 10%（连续满6年或累计满9年）" in living.explanation
    assert run.total_amount == D("6200.00")


@pytest.mark.parametrize(
    ("kwargs", "paid", "reason"),
    [
        ({}, True, ""),
        ({"reason": "removed"}, False, "非正常离任"),  # dismissed: not a normal departure
        ({"born": datetime.date(1970, 3, 1)}, False, "未到龄"),  # 55, a man: too young
        ({"born": datetime.date(1970, 3, 1), "male": False}, True, ""),  # 55, a woman
        ({"start": datetime.date(2010, 1, 1)}, False, "任职年限不足"),  # 5 years only
    ],
)
def test_living_subsidy_eligibility(run_job, clerk_a, village_a, kwargs, paid, reason):
    person = _departed(village_a, **kwargs)
    run = run_job(services.payrun_create, by=clerk_a, kind="subsidy_yearly", period_code="2025")
    line = PayRunLine.objects.get(run=run, person=person, entry_type=EntryType.LIVING)
    assert (line.amount > 0) is paid
    assert line.zero_reason == reason


def test_living_subsidy_stop_takes_effect_next_year(run_job, clerk_a, county_user, village_a):
    person = _departed(village_a)
    services.living_subsidy_stop_add(person=person, by=clerk_a, date=datetime.date(2025, 6, 1), reason=StopReason.DISCIPLINE)
    run_2025 = run_job(services.payrun_create, by=clerk_a, kind="subsidy_yearly", period_code="2025")
    run_2026 = run_job(services.payrun_create, by=clerk_a, kind="subsidy_yearly", period_code="2026")
    assert PayRunLine.objects.get(run=run_2025, person=person).amount > 0
    stopped = PayRunLine.objects.get(run=run_2026, person=person)
    assert (stopped.amount, stopped.zero_reason) == (D("0.00"), "已终止发放")
    assert "2026年起停发" in stopped.explanation


def test_living_subsidy_service_years_count_overlaps_once(run_job, clerk_a, village_a):
    _profile(living={"model": "per_three_years"})
    person = _departed(village_a, start=datetime.date(2003, 1, 1), end=datetime.date(2015, 1, 1))
    cadre(
        village_a, "chair", start=datetime.date(2006, 1, 1), end=datetime.date(2015, 1, 1), end_reason="election", person=person
    )
    run = run_job(services.payrun_create, by=clerk_a, kind="subsidy_yearly", period_code="2025")
    line = PayRunLine.objects.get(run=run, person=person)
    # 12 years counted once (not 12 + 9): 4 × ¥30 × 12 months
    assert line.amount == D("1440.00")


def test_living_subsidy_bands_model(run_job, clerk_a, village_a):
    _profile(living={"model": "bands"})
    person = _departed(village_a, start=datetime.date(1999, 1, 1), end=datetime.date(2015, 1, 1))
    PayAccountFactory(person=person, living_extra=True, pension_insured=False)
    run = run_job(services.payrun_create, by=clerk_a, kind="subsidy_yearly", period_code="2025")
    assert PayRunLine.objects.get(run=run, person=person).amount == D("850.00")  # 16 years → ¥800 + ¥50


def test_living_subsidy_per_term_model(run_job, clerk_a, village_a):
    _profile(living={"model": "per_term"})
    person = _departed(village_a, start=datetime.date(2006, 1, 1), end=datetime.date(2015, 1, 1))
    run = run_job(services.payrun_create, by=clerk_a, kind="subsidy_yearly", period_code="2025")
    assert PayRunLine.objects.get(run=run, person=person).amount == D("2160.00")  # 3 terms × ¥60 × 12


def test_stops_and_benefits_keep_history(clerk_a, village_a):
    person = cadre(village_a).person
    stop = services.living_subsidy_stop_add(person=person, by=clerk_a, date=datetime.date(2025, 1, 1), reason=StopReason.DECEASED)
    benefit = services.benefit_record_add(person=person, by=clerk_a, kind="health_check", year=2025, provider="县人民医院")
    assert stop.history.first().history_user == clerk_a
    assert benefit.history.first().history_user == clerk_a
    with pytest.raises(ValidationError) as exc:
        services.benefit_record_add(person=person, by=clerk_a, kind="health_check", year=2025)
    assert "kind" in exc.value.message_dict


def test_clerk_cannot_record_for_other_townships_people(clerk_b, village_a):
    person = cadre(village_a).person
    with pytest.raises(PermissionDenied):
        services.living_subsidy_stop_add(person=person, by=clerk_b, date=datetime.date(2025, 1, 1), reason=StopReason.OTHER)


def test_pay_account_keeps_history_and_validates_card_number(county_user, clerk_a, village_a):
    person = cadre(village_a).person
    with pytest.raises(ValidationError) as exc:
        services.pay_account_save(person=person, by=county_user, bank_name="农商行", account_number="12AB")
    assert "account_number" in exc.value.message_dict
    account = services.pay_account_save(
        person=person, by=county_user, bank_name="农商行", account_number="6221 0000 1111 2222 333"
    )
    assert account.account_number == "6221000011112222333"
    services.pay_account_save(person=person, by=county_user, bank_name="建设银行")
    assert account.history.count() == 2
    with pytest.raises(PermissionDenied):
        services.pay_account_save(person=person, by=clerk_a, bank_name="x")


def test_unused_person_has_no_township_for_manual_entries(county_user):
    with pytest.raises(ValidationError) as exc:
        services.ledger_entry_add(
            by=county_user, person=PersonFactory(), period_code="2025", entry_type="award", amount="10", reason="x"
        )
    assert "person" in exc.value.message_dict
