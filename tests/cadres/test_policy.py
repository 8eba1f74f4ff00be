"""Yearly policy profile: defaults with sources, year fallback, edits with history."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cadres import services
from cadres.models import PolicyProfile
from core import dates as core_dates
from core import services as core_services
from core.policy import SECTIONS, policy_for_year, post_choices, section_sources


def test_default_profile_cites_sources_for_every_register_value(db):
    register = policy_for_year(2026).section("register")
    sources = section_sources("register")
    for key in ("vetting_departments", "negative_list", "posts", "first_secretary"):
        assert key in register
        assert sources.get(key), f"no source for {key}"
    assert register["first_secretary"]["min_days_per_month"] == 20
    assert len(register["negative_list"]) == 11
    assert "register" in SECTIONS


def test_unsaved_default_is_used_when_no_profile_exists(db):
    profile = policy_for_year(2026)
    assert profile.pk is None
    assert ("secretary", "村党组织书记") in post_choices(2026)


def test_profiles_for_several_years_in_one_query_are_those_of_each_year(county_user, django_assert_num_queries):
    from core.policy import policies_for_years

    assert policies_for_years([2026])[2026].pk is None  # no profile at all: the unsaved defaults
    p2025 = core_services.policy_profile_create(by=county_user, year=2025)
    p2027 = core_services.policy_profile_create(by=county_user, year=2027)
    with django_assert_num_queries(1):
        found = policies_for_years([2028, 2027, 2026, 2025])
    assert {y: p.pk for y, p in found.items()} == {2025: p2025.pk, 2026: p2025.pk, 2027: p2027.pk, 2028: p2027.pk}
    with django_assert_num_queries(1):  # before the first profile: the earliest, as policy_for_year
        early = policies_for_years([2020, 2025])
    assert early[2020].pk == policy_for_year(2020).pk == p2025.pk
    assert policies_for_years([]) == {}


def test_year_falls_back_to_latest_earlier_profile(county_user):
    p2025 = core_services.policy_profile_create(by=county_user, year=2025)
    core_services.policy_section_update(
        profile=p2025,
        by=county_user,
        key="register",
        values={"first_secretary": {"min_days_per_month": 18, "term_months": 24, "expiry_warning_days": 60}},
    )
    assert policy_for_year(2027).section("register")["first_secretary"]["min_days_per_month"] == 18
    p2027 = core_services.policy_profile_create(by=county_user, year=2027)
    assert p2027.section("register")["first_secretary"]["min_days_per_month"] == 18  # copied from 2025
    core_services.policy_section_update(
        profile=p2027,
        by=county_user,
        key="register",
        values={"first_secretary": {"min_days_per_month": 22, "term_months": 24, "expiry_warning_days": 60}},
    )
    assert policy_for_year(2026).section("register")["first_secretary"]["min_days_per_month"] == 18
    assert policy_for_year(2027).section("register")["first_secretary"]["min_days_per_month"] == 22


def test_renamed_post_is_used_for_new_appointments(county_user, village_a):

    from ..factories import PersonFactory

    profile = core_services.policy_profile_create(by=county_user, year=core_dates.today().year)
    posts = profile.section("register")["posts"]
    for p in posts:
        if p["code"] == "clerk":
            p["name"] = "村务专职工作者"
    core_services.policy_section_update(profile=profile, by=county_user, key="register", values={"posts": posts})
    a = services.appointment_create(
        by=county_user, person=PersonFactory(), village=village_a, post="clerk", start_date=core_dates.today()
    )
    assert a.post_name == "村务专职工作者"


def test_profile_edits_keep_history_with_user(county_user):
    profile = core_services.policy_profile_create(by=county_user, year=2026)
    core_services.policy_section_update(
        profile=profile, by=county_user, key="register", values={"vetting_departments": [{"code": "d01", "name": "纪委监委"}]}
    )
    assert profile.history.count() == 2
    assert profile.history.first().history_user == county_user


def test_only_county_edits_policy(clerk_a, county_user):
    with pytest.raises(PermissionDenied):
        core_services.policy_profile_create(by=clerk_a, year=2026)
    profile = core_services.policy_profile_create(by=county_user, year=2026)
    with pytest.raises(PermissionDenied):
        core_services.policy_section_update(profile=profile, by=clerk_a, key="register", values={})
    with pytest.raises(ValidationError):
        core_services.policy_profile_create(by=county_user, year=2026)
    assert PolicyProfile.objects.count() == 1


def test_changing_a_section_with_on_change_schedules_its_task(county_user, django_capture_on_commit_callbacks, monkeypatch):
    calls = []
    import training.tasks

    monkeypatch.setattr(training.tasks.training_year_recompute_task, "delay", lambda year: calls.append(year))
    profile = core_services.policy_profile_create(by=county_user, year=2026)
    with django_capture_on_commit_callbacks(execute=True):
        core_services.policy_section_update(profile=profile, by=county_user, key="training", values={})
        core_services.policy_section_update(profile=profile, by=county_user, key="register", values={})
    assert calls == [2026]
