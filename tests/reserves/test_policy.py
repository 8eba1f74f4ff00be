"""The "reserves" section of the yearly policy profile: defaults with sources, browser editing."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cadres.models import PolicyProfile
from core.policy import SECTIONS, section_sources
from core.services import policy_profile_create
from reserves import selectors
from reserves.policy_section import reserve_rules

pytestmark = pytest.mark.django_db


def test_defaults_cite_their_sources():
    assert "reserves" in SECTIONS
    rules = reserve_rules()
    assert rules["eligibility"]["target_per_village"] == 2 and rules["eligibility"]["max_age"] == 35
    sources = section_sources("reserves")
    assert set(sources) == {"eligibility", "source_categories", "mentor_types", "practice_posts", "appraisal_results"}
    assert "沙坡头区" in sources["eligibility"]
    assert [m["name"] for m in rules["mentor_types"]] == ["乡镇领导干部", "包村干部", "驻村第一书记", "村“两委”成员"]


def test_county_edits_the_target_in_the_browser_and_coverage_follows(client, county_user, village_a):
    year = timezone.localdate().year
    policy_profile_create(by=county_user, year=year)
    client.force_login(county_user)
    url = reverse("core:policy_section_edit", args=[year, "reserves"])
    page = client.get(url)
    assert page.status_code == 200 and "每村后备力量目标" in page.content.decode()
    editor = page.context["editor"]
    data = {}
    for part, kind, obj in editor.parts:
        if kind == "group":
            for name in obj.fields:
                value = obj.initial.get(name)
                data[f"{part.key}-{name}"] = "on" if value is True else ("" if value in (None, False) else value)
        else:
            mgmt = obj.management_form
            for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
                data[f"{part.key}-{name}"] = mgmt[name].value()
            data[f"{part.key}-TOTAL_FORMS"] = len(obj.initial)
            for i, row in enumerate(obj.initial):
                for k, v in row.items():
                    if v is True:
                        data[f"{part.key}-{i}-{k}"] = "on"
                    elif v not in (None, False):
                        data[f"{part.key}-{i}-{k}"] = v
    data["eligibility-target_per_village"] = 3
    data["eligibility-age_cutoff"] = "07-01"
    response = client.post(url, data)
    assert response.status_code == 302, response.context.get("errors")
    profile = PolicyProfile.objects.get(year=year)
    assert profile.section("reserves")["eligibility"]["target_per_village"] == 3
    assert selectors.target_per_village() == 3 and reserve_rules()["eligibility"]["age_cutoff"] == "07-01"
    assert selectors.coverage(user=county_user, cohort=2026)["target"] == 3


def test_malformed_cut_off_falls_back_to_the_default(county_user):
    profile = policy_profile_create(by=county_user, year=timezone.localdate().year)
    profile.data["reserves"]["eligibility"]["age_cutoff"] = "13-45"
    profile.save()
    assert reserve_rules()["eligibility"]["age_cutoff"] == "01-01"
