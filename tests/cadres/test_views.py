"""HTML pages of the register: query counts, forms, the filing journey, history, policy editor, login."""

import datetime

import pytest
from django.urls import reverse

from cadres import choices, services
from cadres.models import Appointment, DepartmentVerdict, Person, PolicyProfile, QualificationReview
from core import dates as core_dates
from core import services as core_services
from core.policy import policy_for_year
from tests.pages import person_page
from tests.policy_post import editor_post

from ..factories import AppointmentFactory, FirstSecretaryFactory, PersonFactory, VillageFactory, VillageFlagFactory

pytestmark = pytest.mark.django_db


def _villages(township, n):
    return [VillageFactory(township=township, code=f"430122100{i + 500:03d}", name=f"测试{i:03d}村") for i in range(n)]


def _build_villages(clerk, township, n):
    for v in _villages(township, n):
        VillageFlagFactory(village=v)
        AppointmentFactory(village=v)


def _build_people(clerk, township, n):
    for v in _villages(township, n):
        a = AppointmentFactory(village=v)
        AppointmentFactory(village=v, person=a.person, post=choices.CHAIR)


def _build_appointments(clerk, township, n):
    for v in _villages(township, n):
        AppointmentFactory(village=v, status=choices.FilingStatus.DRAFT)


def _build_reviews(clerk, township, n):
    for v in _villages(township, n):
        services.qualification_review_request(by=clerk, person=PersonFactory(), village=v, post=choices.SECRETARY)


def _build_first_secretaries(clerk, township, n):
    for v in _villages(township, n):
        FirstSecretaryFactory(village=v)


def _build_townships(clerk, township, n):
    from ..factories import TownshipFactory

    for i in range(n - 1):
        t = TownshipFactory(code=f"430122{i + 300:03d}", name=f"丙{i:02d}镇")
        VillageFactory(township=t, code=f"430122{i + 300:03d}001")


# Every list as county staff. Common queries: (1) session, (2) user, (3) COUNT for the paginator,
# (4)+(5) the user's and the groups' permissions (navbar, buttons); list pages with a township filter add
# (6) the scoped township options; policy-dependent pages read the profile in force (2: this year's or
# the earliest one, none in tests).
LIST_CASES = [
    # township_list: session, user, COUNT, 2× permissions, annotated townships page = 6
    ("cadres:township_list", "", _build_townships, 6),
    # village_list: session, user, COUNT, 2× permissions, township options, villages page,
    # prefetch current flags, prefetch current secretaries (+person) = 9
    ("cadres:village_list", "", _build_villages, 9),
    # person_list: session, user, COUNT, 2× policy profile (post choices), 2× permissions,
    # township options, people page (+registered township), prefetch current appointments (+village, township) = 10
    ("cadres:person_list", "", _build_people, 10),
    # appointment_list (queue tab): session, user, 2× permissions (queue depends on perm), COUNT, page = 6
    ("cadres:appointment_list", "", _build_appointments, 6),
    # appointment_list (all tab): session, user, COUNT, 2× permissions, township options,
    # village options (+township), page = 8
    ("cadres:appointment_list", "?tab=all", _build_appointments, 8),
    # review_list: session, user, COUNT, 2× permissions, township options, page (+person, village, township) = 7
    ("cadres:review_list", "", _build_reviews, 7),
    # first_secretary_list: session, user, COUNT, 2× policy profile (warning days), 2× permissions,
    # township options, page (+person, village, township) = 9
    ("cadres:first_secretary_list", "", _build_first_secretaries, 9),
]


@pytest.mark.parametrize("rows", [1, 50])
@pytest.mark.parametrize(("url_name", "query", "build", "expected"), LIST_CASES)
def test_list_pages_have_constant_query_counts(
    client, county_user, clerk_a, township_a, django_assert_num_queries, url_name, query, build, expected, rows
):
    build(clerk_a, township_a, rows)
    client.force_login(county_user)
    with django_assert_num_queries(expected):
        response = client.get(reverse(url_name) + query)
    assert response.status_code == 200
    assert len(response.context["rows"]) >= 1


@pytest.mark.parametrize("rows", [1, 50])
def test_clerk_person_list_query_count_does_not_grow(client, clerk_a, township_a, django_assert_num_queries, rows):
    _build_people(clerk_a, township_a, rows)
    client.force_login(clerk_a)
    # session, user, COUNT (scoped), 2× policy profile, clerk's township (scope label), 2× permissions,
    # township options, people page, prefetch current appointments = 11
    with django_assert_num_queries(11):
        response = client.get(reverse("cadres:person_list"))
    assert len(response.context["rows"]) == rows


# ---------------------------------------------------------------------------------------------
# Login
# ---------------------------------------------------------------------------------------------


def test_login_page_renders_in_chinese(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>登录 · 头雁</title>" in html
    assert "用户名" in html and "密码" in html
    assert "cdn" not in html.lower()


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("cadres:person_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_login_with_right_password_goes_home(client, clerk_a):
    response = client.post(reverse("login"), {"username": "clerk_a", "password": "pw-touyan-123"})
    assert response.status_code == 302
    assert response.url == reverse("home")
    home = client.get(reverse("home"))
    assert "甲镇" in home.content.decode()


def test_five_wrong_passwords_lock_the_account(client, clerk_a):
    for _ in range(4):
        response = client.post(reverse("login"), {"username": "clerk_a", "password": "wrong"})
        assert "用户名或密码不正确" in response.content.decode()
    response = client.post(reverse("login"), {"username": "clerk_a", "password": "wrong"})
    assert "账户因多次登录失败已被临时锁定，请15分钟后再试或联系管理员" in response.content.decode()
    # Even the right password is refused while locked.
    response = client.post(reverse("login"), {"username": "clerk_a", "password": "pw-touyan-123"})
    assert "已被临时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post(client, clerk_a):
    client.force_login(clerk_a)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------


def test_home_shows_figures_and_work_queues(client, clerk_a, village_a):
    AppointmentFactory(village=village_a, status=choices.FilingStatus.DRAFT, person__name="王待审")
    client.force_login(clerk_a)
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert "<title>首页 · 头雁</title>" in html
    assert "王待审" in html
    assert response.context["counts"]["filing_queue"] == 1
    assert "书记空缺村" in html


def test_navbar_hides_policy_from_clerks(client, clerk_a, county_user):
    client.force_login(clerk_a)
    assert "政策配置" not in client.get(reverse("home")).content.decode()
    client.force_login(county_user)
    assert "政策配置" in client.get(reverse("home")).content.decode()


def test_village_page_shows_two_committees_and_one_shoulder(client, clerk_a, village_a):
    a = AppointmentFactory(village=village_a, person__name="李一肩")
    AppointmentFactory(village=village_a, person=a.person, post=choices.CHAIR)
    AppointmentFactory(village=village_a, person__name="赵委员", post="committee_member")
    VillageFlagFactory(village=village_a, kind=choices.VillageFlagKind.WEAK_LAX)
    client.force_login(clerk_a)
    html = client.get(reverse("cadres:village_detail", args=[village_a.pk])).content.decode()
    assert "李一肩" in html and "赵委员" in html
    assert "一肩挑" in html
    assert "软弱涣散村" in html
    assert "<title>甲一村 · 头雁</title>" in html


def test_village_list_filters_sorts_and_exports(client, county_user, village_a, village_b):
    AppointmentFactory(village=village_a)
    client.force_login(county_user)
    response = client.get(reverse("cadres:village_list"), {"secretary_vacant": "true"})
    assert [v.pk for v in response.context["rows"]] == [village_b.pk]
    response = client.get(reverse("cadres:village_list"), {"sort": "-code"})
    assert [v.pk for v in response.context["rows"]] == [village_b.pk, village_a.pk]
    response = client.get(reverse("cadres:village_list"), {"sort": "evil; drop"})
    assert response.context["sort"] == "code"


def test_person_list_masks_id_numbers_and_person_page_shows_full_id_only_with_permission(
    client, county_user, clerk_a, auditor, village_a
):
    a = AppointmentFactory(village=village_a)
    number = a.person.id_number
    client.force_login(auditor)
    assert number not in client.get(reverse("cadres:person_list")).content.decode()
    assert a.person.masked_id_number in client.get(reverse("cadres:person_list")).content.decode()
    assert number not in person_page(client, a.person_id)
    client.force_login(clerk_a)
    assert number not in client.get(reverse("cadres:person_list")).content.decode()
    assert number in person_page(client, a.person_id)
    client.force_login(county_user)
    assert number not in client.get(reverse("cadres:person_list")).content.decode()
    assert number in person_page(client, a.person_id)


def test_person_list_rows_read_each_file_escaped_with_its_current_posts(client, county_user, village_a):
    holder = AppointmentFactory(village=village_a, person=PersonFactory(name="周<b>建国</b>", ethnicity="回族")).person
    AppointmentFactory(village=village_a, person=holder, post=choices.CHAIR)
    bare = PersonFactory(name="吴无职", education_fulltime="", education_inservice="")
    client.force_login(county_user)
    html = client.get(reverse("cadres:person_list")).content.decode()
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    rows = {row.split('">', 2)[1].split("</a>")[0]: row for row in body.split("<tr>")[1:]}
    first = rows["周&lt;b&gt;建国&lt;/b&gt;"]
    assert first.startswith(f'<td><a href="/people/{holder.pk}/">') and "<b>" not in body
    assert f"<td>{holder.get_sex_display()}</td><td>{holder.age}</td><td>回族</td>" in first
    assert f'<td class="nowrap font-monospace small">{holder.masked_id_number}</td>' in first
    place = f"{village_a.township.name}{village_a.name}"
    assert first.count(f'<div class="small">{place} ') == 2  # both current posts
    last = rows[bare.name].strip()  # no education, no post
    assert "<td>—</td>" in last and last.endswith('<td><span class="text-muted">—</span></td></tr>')


def test_person_page_has_every_section_including_those_of_the_other_apps(client, clerk_a, village_a):
    from cadres.person_sections import PERSON_SECTIONS

    assert {"reserves", "training", "assessments", "subsidies"} <= set(PERSON_SECTIONS)
    a = AppointmentFactory(village=village_a)
    client.force_login(clerk_a)
    html = person_page(client, a.person_id)
    for title in (
        "现任职务",
        "任职经历",
        "资格联审",
        "驻村第一书记",
        "奖惩及发展去向",
        "年度考核",
        "教育培训",
        "后备力量",
        "报酬补贴",
        "变更记录",
    ):
        assert title in html
    for section in PERSON_SECTIONS.values():
        if not section.permission:
            assert f'id="section-{section.key}"' in html


def test_first_secretary_page_flags_shortfall_months(client, county_user, village_a):
    posting = FirstSecretaryFactory(village=village_a, term_start=datetime.date(2025, 1, 1), term_end=datetime.date(2027, 1, 1))
    services.presence_record(posting=posting, by=county_user, month=datetime.date(2025, 2, 1), days_in_village=12)
    services.presence_record(posting=posting, by=county_user, month=datetime.date(2025, 3, 1), days_in_village=22)
    client.force_login(county_user)
    response = client.get(reverse("cadres:first_secretary_detail", args=[posting.pk]))
    html = response.content.decode()
    assert "每月不少于20天" in html
    assert html.count('class="shortfall"') == 1


def test_presence_form_shows_service_error(client, county_user, village_a):
    posting = FirstSecretaryFactory(village=village_a, term_start=datetime.date(2025, 1, 1), term_end=datetime.date(2027, 1, 1))
    client.force_login(county_user)
    response = client.post(
        reverse("cadres:presence_record", args=[posting.pk]),
        {"presence-month": "2025-02-01", "presence-days_in_village": "25", "presence-leave_days": "5"},
    )
    assert "不能超过当月天数（28天）" in response.content.decode()
    assert posting.presence.count() == 0


# ---------------------------------------------------------------------------------------------
# Forms: bad input shows the Chinese message on the field and writes nothing
# ---------------------------------------------------------------------------------------------


def _person_data(**overrides):
    data = {
        "id_number": "430122198005170016",
        "name": "周新",
        "ethnicity": "汉族",
        "political_status": choices.PoliticalStatus.MEMBER,
        "party_join_date": "2005-07-01",
        "education_fulltime": choices.Education.SENIOR,
        "phone": "13800000000",
    }
    data.update(overrides)
    return data


def _valid_id(sex_male=True):
    from cadres.idcard import make_id_number

    return make_id_number("430122", datetime.date(1980, 5, 17), 42, sex_male)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id_number": "430122198005170010"}, "id_number", "校验位错误"),
        ({"sex": choices.Sex.FEMALE}, "sex", "性别与身份证号不一致"),
        ({"birth_date": "1981-01-01"}, "birth_date", "出生日期与身份证号不一致"),
        ({"party_join_date": ""}, "party_join_date", "须填写入党时间"),
        ({"phone": "12345"}, "phone", "请输入11位手机号"),
    ],
)
def test_person_create_form_shows_field_errors_and_writes_nothing(client, clerk_a, overrides, field, message):
    data = _person_data(id_number=_valid_id())
    data.update(overrides)
    client.force_login(clerk_a)
    before = Person.objects.count()
    response = client.post(reverse("cadres:person_create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in e for e in form.errors[field]), form.errors
    assert message in response.content.decode()
    assert Person.objects.count() == before


def test_clerk_creates_person_in_own_township(client, clerk_a, township_a):
    client.force_login(clerk_a)
    response = client.post(reverse("cadres:person_create"), _person_data(id_number=_valid_id().lower()))
    person = Person.objects.get(name="周新")
    assert response.status_code == 302
    assert response.url == reverse("cadres:person_detail", args=[person.pk])
    assert person.registered_township == township_a
    assert person.sex == choices.Sex.MALE


def test_person_edit_shows_history_with_old_and_new_values_and_editor(client, clerk_a, village_a):
    a = AppointmentFactory(village=village_a, person__phone="13800000001")
    client.force_login(clerk_a)
    data = {name: getattr(a.person, name) or "" for name in ("name", "ethnicity", "political_status", "education_fulltime")}
    data.update({"phone": "13900000002", "party_join_date": "2005-07-01"})
    response = client.post(reverse("cadres:person_update", args=[a.person_id]), data)
    assert response.status_code == 302
    html = person_page(client, a.person_id)
    assert "13800000001" in html and "13900000002" in html
    assert clerk_a.full_name in html
    history = client.get(reverse("cadres:person_history", args=[a.person_id]), HTTP_HX_REQUEST="true").context["entries"]
    assert ("联系电话", "13800000001", "13900000002") in history[0]["changes"]


def test_person_record_add_rejects_future_date(client, clerk_a, village_a):
    a = AppointmentFactory(village=village_a)
    client.force_login(clerk_a)
    future = (core_dates.today() + datetime.timedelta(days=10)).isoformat()
    response = client.post(
        reverse("cadres:person_record_add", args=[a.person_id]),
        {"kind": choices.RecordKind.HONOUR, "date": future, "title": "优秀党务工作者"},
    )
    assert "日期不能晚于今天" in response.content.decode()
    assert a.person.records.count() == 0


# ---------------------------------------------------------------------------------------------
# The filing journey
# ---------------------------------------------------------------------------------------------


def test_filing_journey_from_clerk_draft_to_county_filing(client, clerk_a, county_user, village_a):
    person = PersonFactory(name="陈书记", registered_township=village_a.township)
    client.force_login(clerk_a)
    # 1. clerk asks for the joint review
    response = client.post(
        reverse("cadres:review_request"), {"person": person.pk, "village": village_a.pk, "post": choices.SECRETARY}
    )
    review = QualificationReview.objects.get(person=person)
    assert response.url == reverse("cadres:review_detail", args=[review.pk])
    # clerks see the outcome only, not the departments
    html = client.get(response.url).content.decode()
    assert "纪委监委" not in html and "待审查" in html
    # 2. clerk records the secretary appointment → draft
    response = client.post(
        reverse("cadres:appointment_create", args=[person.pk]),
        {"village": village_a.pk, "post": choices.SECRETARY, "start_date": "2025-01-10", "cohort": "2021"},
    )
    appointment = Appointment.objects.get(person=person)
    assert response.url == reverse("cadres:appointment_detail", args=[appointment.pk])
    assert appointment.status == choices.FilingStatus.DRAFT
    assert appointment.qualification_review == review
    # 3. township approval fails while the review is pending
    response = client.post(reverse("cadres:appointment_approve", args=[appointment.pk]), {"approve-note": ""})
    assert "资格联审尚未办结" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == choices.FilingStatus.DRAFT
    # clerks cannot record verdicts
    verdict = review.verdicts.first()
    assert client.post(reverse("cadres:verdict_record", args=[review.pk, verdict.pk]), {}).status_code == 403
    # 4. county records every department's verdict as pass
    client.force_login(county_user)
    html = client.get(reverse("cadres:review_detail", args=[review.pk])).content.decode()
    assert "纪委监委" in html
    for v in review.verdicts.all():
        prefix = f"v{v.pk}"
        response = client.post(
            reverse("cadres:verdict_record", args=[review.pk, v.pk]), {f"{prefix}-result": "pass", f"{prefix}-note": "无异常"}
        )
        assert response.status_code == 302
    review.refresh_from_db()
    assert review.outcome == choices.VettingResult.PASS
    # 5. clerk approves
    client.force_login(clerk_a)
    response = client.post(reverse("cadres:appointment_approve", args=[appointment.pk]), {"approve-note": "同意"})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == choices.FilingStatus.TOWNSHIP_APPROVED
    # clerks cannot file
    assert client.post(reverse("cadres:appointment_file", args=[appointment.pk]), {}).status_code == 403
    # 6. county files
    client.force_login(county_user)
    response = client.post(reverse("cadres:appointment_file", args=[appointment.pk]), {"file-note": "", "confirmed": "yes"})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.is_current
    html = client.get(reverse("cadres:appointment_detail", args=[appointment.pk])).content.decode()
    assert "已备案（生效）" in html and clerk_a.full_name in html and county_user.full_name in html
    # 7. current on the village page
    client.force_login(clerk_a)
    response = client.get(reverse("cadres:village_detail", args=[village_a.pk]))
    assert [a.pk for a in response.context["members"]] == [appointment.pk]
    # 8. a second secretary for the same village gets the friendly message at filing
    second = AppointmentFactory(
        village=village_a, person__name="吴二", status=choices.FilingStatus.TOWNSHIP_APPROVED, qualification_review=None
    )
    other_review = services.qualification_review_request(
        by=clerk_a, person=second.person, village=village_a, post=choices.SECRETARY
    )
    DepartmentVerdict.objects.filter(review=other_review).update(result=choices.VettingResult.PASS)
    QualificationReview.objects.filter(pk=other_review.pk).update(outcome=choices.VettingResult.PASS)
    Appointment.objects.filter(pk=second.pk).update(qualification_review=other_review)
    client.force_login(county_user)
    response = client.post(reverse("cadres:appointment_file", args=[second.pk]), {"file-note": "", "confirmed": "yes"})
    assert "该村(社区)已有现任党组织书记陈书记" in response.content.decode()
    second.refresh_from_db()
    assert second.status == choices.FilingStatus.TOWNSHIP_APPROVED


def test_reject_needs_a_reason(client, clerk_a, village_a):
    a = AppointmentFactory(village=village_a, status=choices.FilingStatus.DRAFT)
    client.force_login(clerk_a)
    response = client.post(reverse("cadres:appointment_reject", args=[a.pk]), {"reject-note": ""})
    assert "退回须填写理由" in response.content.decode()
    a.refresh_from_db()
    assert a.status == choices.FilingStatus.DRAFT


def test_failed_verdict_needs_a_blocking_item(client, county_user, clerk_a, village_a):
    review = services.qualification_review_request(by=clerk_a, person=PersonFactory(), village=village_a, post=choices.SECRETARY)
    v = review.verdicts.first()
    client.force_login(county_user)
    url = reverse("cadres:verdict_record", args=[review.pk, v.pk])
    response = client.post(url, {f"v{v.pk}-result": "fail", f"v{v.pk}-negative_item_code": "w01"})
    assert "不构成否决" in response.content.decode()
    v.refresh_from_db()
    assert v.result == choices.VettingResult.PENDING


# ---------------------------------------------------------------------------------------------
# Policy editor (generic over the registered sections)
# ---------------------------------------------------------------------------------------------


def _section_post(profile):
    """The edit form as the browser would post it, unchanged."""
    from core.policy import SECTIONS
    from core.policy_forms import SectionEditor

    return editor_post(SectionEditor(SECTIONS["register"], profile.section("register")))


def test_policy_editor_changes_first_secretary_min_days(client, county_user):
    profile = core_services.policy_profile_create(by=county_user, year=core_dates.today().year)
    client.force_login(county_user)
    url = reverse("core:policy_section_edit", args=[profile.year, "register"])
    assert client.get(url).status_code == 200
    data = _section_post(profile)
    data["first_secretary-min_days_per_month"] = "18"
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    profile.refresh_from_db()
    assert profile.section("register")["first_secretary"]["min_days_per_month"] == 18
    assert len(profile.section("register")["posts"]) == len(choices.DEFAULT_POSTS)
    assert policy_for_year().section("register")["first_secretary"]["min_days_per_month"] == 18
    html = client.get(reverse("core:policy_detail", args=[profile.year])).content.decode()
    assert "每月最少驻村天数：20 → 18" in html
    assert county_user.full_name in html
    assert "依据：" in html


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"first_secretary-min_days_per_month": "二十"}, "输入整数"),
        ({"vetting_departments-1-code": "d01"}, "重复"),
        ({"first_secretary-min_days_per_month": "40"}, "31"),
    ],
)
def test_policy_editor_rejects_bad_input_and_changes_nothing(client, county_user, change, message):
    profile = core_services.policy_profile_create(by=county_user, year=core_dates.today().year)
    before = PolicyProfile.objects.get(pk=profile.pk).data
    client.force_login(county_user)
    data = _section_post(profile)
    data.update(change)
    response = client.post(reverse("core:policy_section_edit", args=[profile.year, "register"]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert PolicyProfile.objects.get(pk=profile.pk).data == before
    assert profile.history.count() == 1


def test_policy_editor_adds_and_deletes_rows(client, county_user):
    profile = core_services.policy_profile_create(by=county_user, year=core_dates.today().year)
    client.force_login(county_user)
    data = _section_post(profile)
    n = int(data["vetting_departments-INITIAL_FORMS"])
    data[f"vetting_departments-{n}-code"] = "d99"
    data[f"vetting_departments-{n}-name"] = "市场监管局"
    data["vetting_departments-0-DELETE"] = "on"
    response = client.post(reverse("core:policy_section_edit", args=[profile.year, "register"]), data)
    assert response.status_code == 302
    codes = [d["code"] for d in PolicyProfile.objects.get(pk=profile.pk).section("register")["vetting_departments"]]
    assert "d99" in codes and "d01" not in codes and len(codes) == n


def test_clerks_cannot_open_policy_pages(client, clerk_a, county_user):
    core_services.policy_profile_create(by=county_user, year=2025)
    client.force_login(clerk_a)
    assert client.get(reverse("core:policy_list")).status_code == 403
    assert client.get(reverse("core:policy_detail", args=[2025])).status_code == 403


# ---------------------------------------------------------------------------------------------
# List filters: bad numbers, 全部 options, the dashboard's drill-through parameters
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_name", "query", "message"),
    [
        ("cadres:person_list", "?age_min=5000", "“年龄≥”不能大于150。"),
        ("cadres:person_list", "?age_max=99999", "“年龄≤”不能大于150。"),
        ("cadres:first_secretary_list", "?expiring_within=99999999", "“N天内期满”不能大于3650。"),
        ("cadres:appointment_list", "?tab=all&as_of=0001-01-01", "“在任日期”不能早于1950年。"),
    ],
)
def test_out_of_range_filter_is_shown_on_the_form_not_a_500(client, county_user, village_a, url_name, query, message):
    AppointmentFactory(village=village_a)
    FirstSecretaryFactory(village=village_a)
    client.force_login(county_user)
    response = client.get(reverse(url_name) + query)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "筛选条件有误" in response.content.decode()
    assert list(response.context["rows"]) == []


def test_every_filter_offers_quanbu_as_its_any_option(client, county_user):
    client.force_login(county_user)
    for url_name, query in [
        ("cadres:township_list", ""),
        ("cadres:person_list", ""),
        ("cadres:village_list", ""),
        ("cadres:appointment_list", "?tab=all"),
        ("cadres:review_list", ""),
        ("cadres:first_secretary_list", ""),
    ]:
        form = client.get(reverse(url_name) + query).context["filter_form"]
        for name, field in form.fields.items():
            if hasattr(field, "choices"):
                assert next(iter(field.choices))[1] == "全部", (url_name, name)
        html = str(form)
        assert "未知" not in html and "---------" not in html, url_name


def test_boolean_filters_still_accept_true_and_false(client, county_user, village_a):
    chair = AppointmentFactory(village=village_a)
    AppointmentFactory(village=village_a, person=chair.person, post=choices.CHAIR)
    PersonFactory(name="无职务")
    client.force_login(county_user)
    rows = client.get(reverse("cadres:person_list") + "?one_shoulder=true").context["rows"]
    assert [p.pk for p in rows] == [chair.person.pk]
    rows = client.get(reverse("cadres:person_list") + "?current=False").context["rows"]
    assert [p.name for p in rows] == ["无职务"]


def test_person_list_education_none_finds_people_without_any_education(client, county_user):
    PersonFactory(name="未填者", education_fulltime="", education_inservice="")
    PersonFactory(name="在职本科", education_fulltime="", education_inservice=choices.Education.BACHELOR)
    PersonFactory(name="高中", education_fulltime=choices.Education.SENIOR)
    client.force_login(county_user)
    names = lambda q: [p.name for p in client.get(reverse("cadres:person_list") + q).context["rows"]]  # noqa: E731
    assert names("?education=none") == ["未填者"]
    assert names(f"?education={choices.Education.BACHELOR}") == ["在职本科"]
    assert names(f"?education={choices.Education.SENIOR}") == ["高中"]


def test_appointment_list_as_of_cohort_with_age_and_education(client, county_user, village_a):
    """The dashboard's 上届 bars: holders on a date, ages on that date, highest education."""
    on = datetime.date(2021, 6, 30)
    young = PersonFactory(name="年轻", born=datetime.date(1990, 7, 1), education_fulltime=choices.Education.COLLEGE)
    older = PersonFactory(name="年长", born=datetime.date(1970, 1, 1), education_fulltime="")
    ended = AppointmentFactory(village=village_a, person=young, start_date=datetime.date(2021, 4, 1))
    services.appointment_end(
        appointment=ended, by=county_user, end_date=datetime.date(2024, 1, 1), end_reason=choices.EndReason.values[0]
    )
    AppointmentFactory(village=village_a, person=older, post=choices.CHAIR, start_date=datetime.date(2021, 4, 1))
    AppointmentFactory(village=village_a, post=choices.CHAIR, start_date=datetime.date(2022, 1, 1))  # after the date
    AppointmentFactory(
        village=village_a, post=choices.CHAIR, start_date=datetime.date(2021, 1, 1), status=choices.FilingStatus.DRAFT
    )
    client.force_login(county_user)

    def names(query):
        rows = client.get(reverse("cadres:appointment_list") + "?tab=all&" + query).context["rows"]
        return sorted(a.person.name for a in rows)

    assert names(f"as_of={on}") == ["年轻", "年长"]
    # 1990-07-01 → 30 on 2021-06-30 (turns 31 the next day); ages are counted on the as-of date.
    assert names(f"as_of={on}&age_min=0&age_max=30") == ["年轻"]
    assert names(f"as_of={on}&age_min=31&age_max=35") == []
    assert names(f"as_of={on}&age_min=51") == ["年长"]
    assert names(f"as_of={on}&education=none") == ["年长"]
    assert names(f"as_of={on}&education={choices.Education.COLLEGE}") == ["年轻"]
    assert names(f"as_of={on}&post={choices.SECRETARY}") == ["年轻"]
    assert names(f"as_of={on}&post_in={choices.SECRETARY},{choices.CHAIR}") == ["年轻", "年长"]


# ---------------------------------------------------------------------------------------------
# Breadcrumbs: each crumb once, the current page last and not a link
# ---------------------------------------------------------------------------------------------


def _crumbs(html: str) -> list[tuple[str, bool]]:
    import re

    nav = re.search(r'<nav aria-label="位置".*?</nav>', html, re.S).group(0)
    items = re.findall(r'<li class="breadcrumb-item( active)?"[^>]*>(.*?)</li>', nav, re.S)
    return [(re.sub(r"<[^>]+>", "", body).strip(), "<a " in body) for active, body in items]


def test_breadcrumbs_name_each_level_once_and_end_on_the_current_page(client, county_user, village_a):
    appt = AppointmentFactory(village=village_a, person=PersonFactory(name="陈志远"))
    client.force_login(county_user)
    page = person_page(client, appt.person.pk)
    assert _crumbs(page) == [("全县", True), ("陈志远", False)]
    page = client.get(reverse("cadres:village_detail", args=[village_a.pk])).content.decode()
    assert _crumbs(page) == [("全县", True), ("甲镇", True), ("甲一村", False)]
    page = client.get(reverse("cadres:township_detail", args=[village_a.township_id])).content.decode()
    assert _crumbs(page) == [("全县", True), ("甲镇", False)]
    page = client.get(reverse("cadres:appointment_detail", args=[appt.pk])).content.decode()
    assert _crumbs(page) == [("全县", True), ("甲镇", True), ("甲一村", True), ("陈志远", True), ("村党组织书记", False)]


# ---------------------------------------------------------------------------------------------
# Townships and villages maintained in the browser by county staff
# ---------------------------------------------------------------------------------------------


def test_county_creates_and_renames_a_township_with_history(client, county_user):
    from cadres.models import Township

    client.force_login(county_user)
    assert client.get(reverse("cadres:township_create")).status_code == 200
    response = client.post(
        reverse("cadres:township_create"), {"name": "新城街道", "code": "430122900", "kind": "subdistrict", "sort_order": 30}
    )
    township = Township.objects.get(code="430122900")
    assert response.status_code == 302 and response.url == reverse("cadres:township_detail", args=[township.pk])
    assert (township.name, township.kind, township.sort_order) == ("新城街道", choices.TownshipKind.SUBDISTRICT, 30)
    response = client.post(
        reverse("cadres:township_update", args=[township.pk]),
        {"name": "新城街道办", "code": "430122900", "kind": "subdistrict", "sort_order": 30},
    )
    assert response.status_code == 302
    rows = list(township.history.order_by("history_date").values_list("history_type", "name", "history_user_id"))
    assert rows == [("+", "新城街道", county_user.pk), ("~", "新城街道办", county_user.pk)]


def test_township_form_reports_duplicate_and_malformed_codes_in_chinese(client, county_user, township_a):
    from cadres.models import Township

    client.force_login(county_user)
    url = reverse("cadres:township_create")
    response = client.post(url, {"name": "重复镇", "code": "430122100", "kind": "township", "sort_order": 0})
    assert response.status_code == 200
    assert response.context["form"].errors == {"code": ["区划代码430122100已被“甲镇”使用。"]}
    response = client.post(url, {"name": "甲镇", "code": "12ab", "kind": "nonsense", "sort_order": 0})
    errors = response.context["form"].errors
    assert errors["kind"] == ["选择一个有效的选项。 nonsense 不在可用的选项中。"]
    response = client.post(url, {"name": "甲镇", "code": "12ab", "kind": "township", "sort_order": 0})
    assert response.context["form"].errors == {"code": ["区划代码应为9–12位数字。"], "name": ["已有名为“甲镇”的乡镇(街道)。"]}
    assert Township.objects.count() == 1


def test_county_creates_a_village_and_moves_renames_it(client, county_user, township_a, township_b, village_a):
    from cadres.models import Village

    client.force_login(county_user)
    page = client.get(reverse("cadres:township_detail", args=[township_a.pk])).content.decode()
    assert reverse("cadres:village_create") + f"?township={township_a.pk}" in page
    assert reverse("cadres:township_update", args=[township_a.pk]) in page
    form = client.get(reverse("cadres:village_create") + f"?township={township_a.pk}").context["form"]
    assert form.initial["township"] == str(township_a.pk)
    data = {
        "township": township_a.pk,
        "name": "甲二村",
        "code": "430122100002",
        "kind": "village",
        "population": 1200,
        "households": 380,
        "party_members": 41,
        "note": "",
    }
    response = client.post(reverse("cadres:village_create"), data)
    village = Village.objects.get(code="430122100002")
    assert response.url == reverse("cadres:village_detail", args=[village.pk])
    assert (village.township, village.population, village.party_members) == (township_a, 1200, 41)
    # duplicates: code anywhere, name within the township
    response = client.post(reverse("cadres:village_create"), {**data, "name": "甲一村"})
    assert response.context["form"].errors == {
        "code": ["村(社区)代码430122100002已被甲镇“甲二村”使用。"],
        "name": ["本乡镇(街道)已有名为“甲一村”的村(社区)。"],
    }
    response = client.post(reverse("cadres:village_create"), {**data, "name": "甲三村", "code": "43012210000"})
    assert response.context["form"].errors == {"code": ["村(社区)代码应为12位统计用区划代码。"]}
    # rename and move to township B
    response = client.post(
        reverse("cadres:village_update", args=[village.pk]),
        {**data, "township": township_b.pk, "name": "乙二村", "code": "430122200002"},
    )
    assert response.status_code == 302
    village.refresh_from_db()
    assert (village.township, village.name, village.code) == (township_b, "乙二村", "430122200002")
    last = village.history.order_by("-history_date").first()
    assert (last.history_type, last.history_user, last.name) == ("~", county_user, "乙二村")
    assert Village.objects.count() == 2


def test_township_list_searches_by_name_and_code(client, county_user, township_a, township_b):
    client.force_login(county_user)
    assert [t.name for t in client.get(reverse("cadres:township_list") + "?q=乙").context["rows"]] == ["乙镇"]
    assert [t.name for t in client.get(reverse("cadres:township_list") + "?q=4301221").context["rows"]] == ["甲镇"]
    assert len(client.get(reverse("cadres:township_list") + "?q=").context["rows"]) == 2


def test_clerk_cannot_create_or_rename_townships_and_villages(client, clerk_a, township_a, township_b, village_a, village_b):
    from cadres.models import Township, Village

    client.force_login(clerk_a)
    assert client.get(reverse("cadres:township_create")).status_code == 403
    assert (
        client.post(reverse("cadres:township_create"), {"name": "x", "code": "430122901", "kind": "township"}).status_code == 403
    )
    assert client.get(reverse("cadres:township_update", args=[township_a.pk])).status_code == 403
    assert client.get(reverse("cadres:township_update", args=[township_b.pk])).status_code == 404
    assert client.get(reverse("cadres:village_create")).status_code == 403
    assert client.get(reverse("cadres:village_update", args=[village_b.pk])).status_code == 404
    # own village: the figures only; a posted name is not part of the clerk's form
    form = client.get(reverse("cadres:village_update", args=[village_a.pk])).context["form"]
    assert set(form.fields) == {"population", "households", "party_members", "note"}
    response = client.post(
        reverse("cadres:village_update", args=[village_a.pk]),
        {"population": 2100, "households": 600, "party_members": 50, "note": "", "name": "改名村"},
    )
    assert response.status_code == 302
    village_a.refresh_from_db()
    assert (village_a.name, village_a.population) == ("甲一村", 2100)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.village_update(village=village_a, by=clerk_a, name="改名村")
    assert Township.objects.count() == 2 and Village.objects.get(pk=village_a.pk).name == "甲一村"


def test_person_list_filter_form_offers_posts_by_name_and_hides_link_parameters(client, county_user, village_a):
    client.force_login(county_user)
    html = client.get(reverse("cadres:person_list"), {"post_in": "secretary,chair", "village": village_a.pk}).content.decode()
    assert '<select name="post"' in html and '<option value="secretary">村党组织书记</option>' in html
    assert '<input type="hidden" name="post_in" value="secretary,chair"' in html
    assert f'<input type="hidden" name="village" value="{village_a.pk}"' in html
    assert 'type="text" name="post"' not in html
