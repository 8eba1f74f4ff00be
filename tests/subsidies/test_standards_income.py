"""Pay standards from rural income × multiples (白河县 2×, 一肩挑 2.5×) and the deputies' floor
(湖北: ≥ 70 % of the principal floor): pure math table-tested, then the effect on a pay run."""

import copy
import json
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from subsidies import rules, services, standards
from subsidies.models import PayRunLine
from subsidies.policy_section import validate_section
from tests.policy_post import editor_post

from .factories import cadre

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "policy"
RULES = json.loads((FIXTURES / "subsidies.json").read_text(encoding="utf-8"))
POSTS = json.loads((FIXTURES / "register.json").read_text(encoding="utf-8"))["posts"]


def _rules(**standards_changes):
    r = copy.deepcopy(RULES)
    r["standards"] = {**r["standards"], **standards_changes}
    return r


BAIHE = {"basis": "income", "rural_income_per_head": "19000", "secretary_multiple": "2", "one_shoulder_multiple": "2.5"}


# --- rounding and the income multiple ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "mode", "expected"),
    [
        ("47222.204", "fen", D("47222.20")),
        ("47222.205", "fen", D("47222.21")),  # half up at the fen
        ("47222.49", "yuan", D("47222.00")),
        ("47222.50", "yuan", D("47223.00")),  # half up at the yuan
        ("47149.99", "hundred", D("47100.00")),
        ("47150.00", "hundred", D("47200.00")),  # half up at the hundred
        ("47150.00", "unknown", D("47150.00")),  # an unknown mode keeps the fen
    ],
)
def test_round_standard(value, mode, expected):
    assert rules.round_standard(D(value), mode) == expected


@pytest.mark.parametrize(
    ("income", "multiple", "rounding", "amount", "text"),
    [
        ("19000", "2", "yuan", D("38000.00"), "¥38,000 = ¥19,000（上年农村居民人均可支配收入） × 2 倍（书记）"),
        ("19000", "2.5", "yuan", D("47500.00"), "¥47,500 = ¥19,000（上年农村居民人均可支配收入） × 2.5 倍（书记）"),
        ("18888.88", "2.5", "fen", D("47222.20"), "¥47,222.20 = ¥18,888.88（上年农村居民人均可支配收入） × 2.5 倍（书记）"),
        ("18888.88", "2.5", "yuan", D("47222.00"), "，四舍五入到元"),
        ("18888.88", "2.5", "hundred", D("47200.00"), "，四舍五入到百元"),
        ("0", "2", "yuan", D("0.00"), "¥0 = ¥0"),
    ],
)
def test_income_standard(income, multiple, rounding, amount, text):
    calc = rules.income_standard(income=D(income), multiple=D(multiple), rounding=rounding)
    assert calc.amount == amount
    assert text in calc.explanation


def test_income_standard_refuses_float():
    with pytest.raises(TypeError):
        rules.income_standard(income=19000.0, multiple=D("2"))


# --- the deputies' floor -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("standard", "percent", "minimum", "warning"),
    [
        ("36000", 0, "0", None),  # default: no floor for deputies (today's behaviour)
        ("20000", 0, "0", None),
        ("28000", 70, "0", None),  # exactly 70 % of the ¥40,000 principal floor
        ("27999.99", 70, "0", "¥27,999.99 低于副职保底标准 ¥28,000（主职保底 ¥40,000 × 70% = ¥28,000）"),
        ("29000", 70, "30000", "¥29,000 低于副职保底标准 ¥30,000（主职保底 ¥40,000 × 70% = ¥28,000，且不低于 ¥30,000）"),
        ("30000", 70, "30000", None),
        ("29999", 0, "30000", "¥29,999 低于副职保底标准 ¥30,000（不低于 ¥30,000）"),
    ],
)
def test_deputy_floor_warning(standard, percent, minimum, warning):
    got = rules.deputy_floor_warning(standard=D(standard), principal_floor=D("40000"), percent=percent, minimum=D(minimum))
    assert got == warning


def test_principal_floor_is_the_larger_of_income_multiple_and_minimum():
    assert rules.principal_floor(rural_income=D("19000"), multiple="2", minimum=D("40000")) == D("40000.00")
    assert rules.principal_floor(rural_income=D("21000"), multiple="2", minimum=D("40000")) == D("42000.00")


# --- standards from the policy -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("held", "changes", "annual"),
    [
        # fixed standards (the default): unchanged, tier B ¥42,000 + ¥3,000
        ([("secretary", "B")], {}, D("45000.00")),
        ([("secretary", "B"), ("chair", "B")], {}, D("45000.00")),
        # income × multiple: 书记 / 主任 2 ×, 副职 80 % of the secretary, 一肩挑 2.5 ×
        ([("secretary", "A")], BAIHE, D("38000.00")),  # the village tier plays no part
        ([("chair", "B")], BAIHE, D("38000.00")),
        ([("deputy_secretary", "B")], BAIHE, D("30400.00")),
        ([("committee_member", "B")], BAIHE, D("26600.00")),
        ([("secretary", "A"), ("chair", "B")], BAIHE, D("47500.00")),
        ([("secretary", "B"), ("chair", "B"), ("clerk", "B")], BAIHE, D("47500.00")),  # highest post only
        ([("secretary", "B"), ("chair", "B"), ("clerk", "B")], {**BAIHE, "cross_post_mode": "sum"}, D("77900.00")),
    ],
)
def test_person_standard_by_basis(held, changes, annual):
    std = standards.person_standard(_rules(**changes), POSTS, held)
    assert std.annual.amount == annual


def test_one_shoulder_explanation_names_both_posts():
    std = standards.person_standard(_rules(**BAIHE), POSTS, [("secretary", "B"), ("chair", "B")])
    assert "¥47,500 = ¥19,000（上年农村居民人均可支配收入） × 2.5 倍（一肩挑：村党组织书记、村民委员会主任）" in std.explanation
    assert std.split.monthly == D("2375.00")  # 60 % ÷ 12


def test_standards_table_has_one_column_when_income_based():
    rows = standards.standards_table(_rules(**BAIHE), POSTS)
    assert [len(r["cells"]) for r in rows][:1] == [1]
    secretary = next(r for r in rows if r["post"]["code"] == "secretary")
    assert secretary["cells"][0]["annual"] == D("38000.00")
    assert standards.display_tiers(_rules()) == RULES["tiers"]


def test_deputy_floor_applies_to_deputies_only():
    r = _rules(deputy_floor_percent=70, deputy_floor_minimum="37000")
    deputy = standards.person_standard(r, POSTS, [("deputy_secretary", "B")])  # ¥36,000
    assert deputy.warnings == ["¥36,000 低于副职保底标准 ¥37,000（主职保底 ¥40,000 × 70% = ¥28,000，且不低于 ¥37,000）"]
    general = standards.person_standard(r, POSTS, [("committee_member", "B")])
    assert general.warnings == []  # 一般干部 are not deputies
    assert standards.person_standard(_rules(), POSTS, [("deputy_secretary", "B")]).warnings == []  # default: no floor


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({}, None),
        (BAIHE, None),
        ({**BAIHE, "rural_income_per_head": "0"}, "须填写上年农村居民人均可支配收入"),
        ({**BAIHE, "secretary_multiple": "0", "one_shoulder_multiple": "0"}, "书记报酬倍数须大于0"),
        ({**BAIHE, "one_shoulder_multiple": "1.5"}, "一肩挑倍数（1.5）不能低于书记倍数（2）"),
        ({"one_shoulder_multiple": "1.5"}, None),  # only checked when income-based
    ],
)
def test_policy_check_of_income_based_standards(changes, message):
    values = {"standards": {**RULES["standards"], **changes}}
    if message is None:
        validate_section(values)
    else:
        with pytest.raises(ValidationError, match=message):
            validate_section(values)


# --- effect on the pay run -----------------------------------------------------------------------


def _profile(**standards_changes):
    from cadres.models import PolicyProfile
    from core.policy import default_profile_data

    data = default_profile_data()
    data["subsidies"]["standards"].update(standards_changes)
    return PolicyProfile.objects.create(year=2025, title="测试", data=data)


@pytest.mark.django_db
def test_base_run_pays_income_based_standards_and_one_shoulder_at_its_multiple(run_job, clerk_a, village_a):
    _profile(**BAIHE)
    both = cadre(village_a, "secretary")
    cadre(village_a, "chair", person=both.person)
    dep = cadre(village_a, "deputy_secretary")
    run = run_job(services.payrun_create, by=clerk_a, kind="base_monthly", period_code="2025-03")
    amounts = dict(PayRunLine.objects.filter(run=run).values_list("person_id", "amount"))
    # 一肩挑 ¥19,000 × 2.5 = ¥47,500 → ¥2,375 a month; deputy ¥38,000 × 80 % = ¥30,400 → ¥1,520
    assert amounts == {both.person_id: D("2375.00"), dep.person_id: D("1520.00")}
    line = PayRunLine.objects.get(run=run, person_id=both.person_id)
    assert "× 2.5 倍（一肩挑：村党组织书记、村民委员会主任）" in line.explanation


@pytest.mark.django_db
def test_base_run_flags_a_deputy_below_the_deputy_floor(run_job, clerk_a, village_a):
    _profile(deputy_floor_percent=90)  # 90 % of the ¥40,000 principal floor = ¥36,000
    dep = cadre(village_a, "deputy_secretary")  # ¥36,000: at the floor
    _vice = cadre(village_a, "committee_member")  # 一般干部: no deputy floor
    run = run_job(services.payrun_create, by=clerk_a, kind="base_monthly", period_code="2025-03")
    assert PayRunLine.objects.get(run=run, person_id=dep.person_id).warning == ""
    run = run_job(services.payrun_cancel, run=run, by=clerk_a)
    from cadres.models import PolicyProfile

    profile = PolicyProfile.objects.get(year=2025)
    profile.data["subsidies"]["standards"]["deputy_floor_minimum"] = "36500"
    profile.save()
    run = run_job(services.payrun_create, by=clerk_a, kind="base_monthly", period_code="2025-03")
    lines = {line.person_id: line for line in PayRunLine.objects.filter(run=run)}
    assert lines[dep.person_id].warning.startswith("¥36,000 低于副职保底标准 ¥36,500")
    assert lines[_vice.person_id].warning == ""


@pytest.mark.django_db
def test_standards_page_shows_the_basis_and_the_one_shoulder_figure(client, county_user):
    from django.urls import reverse

    _profile(**BAIHE)
    client.force_login(county_user)
    html = client.get(reverse("subsidies:standards") + "?year=2025").content.decode()
    assert "书记报酬：按上年农村居民人均可支配收入的倍数" in html
    assert "按上年农村居民人均可支配收入倍数" in html
    assert "一肩挑（同一人担任书记和主任）：年报酬 <strong>¥47,500</strong>" in html


def _editor_data(editor) -> dict:
    return editor_post(editor)


@pytest.mark.django_db
def test_editor_of_an_older_profile_starts_new_fields_from_their_defaults_and_checks_them(client, county_user):
    from django.urls import reverse

    from cadres.models import PolicyProfile
    from core.policy import default_profile_data

    data = default_profile_data()
    for key in ("basis", "secretary_multiple", "one_shoulder_multiple", "income_rounding", "deputy_floor_percent"):
        del data["subsidies"]["standards"][key]  # saved before these fields existed
    profile = PolicyProfile.objects.create(year=2025, title="旧配置", data=data)
    client.force_login(county_user)
    url = reverse("core:policy_section_edit", args=[2025, "subsidies"])
    page = client.get(url)
    assert "副职保底为主职保底的（%）" in page.content.decode()
    post = _editor_data(page.context["editor"])
    assert post["standards-basis"] == "fixed" and post["standards-one_shoulder_multiple"] == "2.5"
    post.update({"standards-basis": "income", "standards-one_shoulder_multiple": "1.8"})
    response = client.post(url, post)
    assert response.status_code == 200
    import re

    assert "一肩挑倍数（1.8）不能低于书记倍数（2）" in response.content.decode(), re.findall(
        r"(?:invalid-feedback|alert)[^>]*>([^<]{0,200})", response.content.decode()
    )
    assert "basis" not in PolicyProfile.objects.get(pk=profile.pk).data["subsidies"]["standards"]
    post.update({"standards-one_shoulder_multiple": "2.5", "standards-deputy_floor_percent": "70"})
    assert client.post(url, post).status_code == 302
    saved = PolicyProfile.objects.get(pk=profile.pk).data["subsidies"]["standards"]
    assert (saved["basis"], saved["one_shoulder_multiple"], saved["deputy_floor_percent"]) == ("income", "2.5", 70)
