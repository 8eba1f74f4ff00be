"""Batch work (issue #17): 批量备案, 批量离任 and the 联审 grid — services, pages, API and admin.

Every batch is all-or-nothing through the single-row services; a clerk who slips another
township's row into a batch gets 404 and nothing changes."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from cadres import choices, services
from cadres.models import Appointment, DepartmentVerdict, FilingEvent, QualificationReview
from core import dates as core_dates
from tests.pages import person_page

from ..factories import AppointmentFactory, PersonFactory, VillageFactory

pytestmark = pytest.mark.django_db

FILED = choices.FilingStatus.FILED
APPROVED = choices.FilingStatus.TOWNSHIP_APPROVED


def _passed_review(clerk, county, village, person):
    review = services.qualification_review_request(by=clerk, person=person, village=village, post=choices.SECRETARY)
    for verdict in review.verdicts.all():
        services.department_verdict_record(verdict=verdict, by=county, result=choices.VettingResult.PASS)
    return review


def draft_secretary(clerk, county, village, name):
    """A secretary appointment with a passed joint review, waiting for the township (待乡镇审核)."""
    person = PersonFactory(name=name, born=datetime.date(1982, 8, 9))
    review = _passed_review(clerk, county, village, person)
    return services.appointment_create(
        by=clerk,
        person=person,
        village=village,
        post=choices.SECRETARY,
        start_date=datetime.date(2021, 4, 1),
        cohort=2021,
        qualification_review=review,
    )


def approved_secretary(clerk, county, village, name):
    """A secretary appointment that the township has approved (乡镇已审核，待县级备案)."""
    appointment = draft_secretary(clerk, county, village, name)
    return services.appointment_township_approve(appointment=appointment, by=clerk, note="同意")


@pytest.fixture
def two_approved(clerk_a, county_user, village_a, township_a):
    second_village = VillageFactory(township=township_a, name="甲二村", code="430122100002")
    return [
        approved_secretary(clerk_a, county_user, village_a, "陈志远"),
        approved_secretary(clerk_a, county_user, second_village, "李春华"),
    ]


def _statuses(appointments):
    return [Appointment.objects.get(pk=a.pk).status for a in appointments]


# ---------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------


def test_bulk_filing_files_every_row_with_one_note_and_keeps_who_and_when(two_approved, county_user):
    done = services.appointment_file_bulk(ids=[a.pk for a in two_approved], by=county_user, note="县委组织部统一备案")
    assert [a.pk for a in done] == [a.pk for a in two_approved]
    assert _statuses(two_approved) == [FILED, FILED]
    for a in two_approved:
        event = FilingEvent.objects.filter(appointment=a).latest("id")
        assert (event.from_status, event.to_status, event.by, event.note) == (APPROVED, FILED, county_user, "县委组织部统一备案")
        last = Appointment.history.filter(id=a.pk).latest("history_id")
        assert last.status == FILED and last.history_user == county_user


def test_one_failing_row_files_nothing_and_every_failure_is_named(two_approved, clerk_a, county_user, village_a):
    draft = draft_secretary(clerk_a, county_user, VillageFactory(township=village_a.township, name="甲三村"), "王建国")
    # the second row of village_a would be a second secretary once the first is filed
    same_village = approved_secretary(clerk_a, county_user, village_a, "赵小红")
    ids = [two_approved[0].pk, draft.pk, two_approved[1].pk, same_village.pk]
    events_before = FilingEvent.objects.count()
    with pytest.raises(services.BatchRefused) as caught:
        services.appointment_file_bulk(ids=ids, by=county_user)
    failures = caught.value.failures
    assert [(f.row, f.pk) for f in failures] == [(2, draft.pk), (4, same_village.pk)]
    assert failures[0].label == "王建国（甲三村 村党组织书记）" and "须先经乡镇审核" in failures[0].reason
    assert failures[1].label == "赵小红（甲一村 村党组织书记）" and "已有现任党组织书记陈志远" in failures[1].reason
    assert "共有2条任职未通过校验" in caught.value.messages[0] and "本批次未办理任何一条" in caught.value.messages[0]
    assert _statuses([two_approved[0], two_approved[1], same_village]) == [APPROVED, APPROVED, APPROVED]
    assert FilingEvent.objects.count() == events_before


def test_bulk_filing_is_for_county_staff_only(two_approved, clerk_a):
    with pytest.raises(PermissionDenied):
        services.appointment_file_bulk(ids=[a.pk for a in two_approved], by=clerk_a)
    assert _statuses(two_approved) == [APPROVED, APPROVED]


def test_bulk_end_ends_every_post_with_one_reason_and_date(clerk_a, village_a, township_a):
    posts = [AppointmentFactory(village=village_a), AppointmentFactory(village=VillageFactory(township=township_a))]
    day = core_dates.today() - datetime.timedelta(days=3)
    services.appointment_end_bulk(ids=[p.pk for p in posts], by=clerk_a, end_date=day, end_reason="election", note="换届")
    for p in posts:
        p.refresh_from_db()
        assert (p.end_date, p.end_reason, p.note) == (day, "election", "换届")
        assert Appointment.history.filter(id=p.pk).latest("history_id").history_user == clerk_a


def test_bulk_end_with_one_bad_row_ends_none(clerk_a, village_a):
    early = AppointmentFactory(village=village_a, start_date=datetime.date(2021, 4, 1))
    late = AppointmentFactory(village=VillageFactory(township=village_a.township), start_date=datetime.date(2024, 6, 1))
    with pytest.raises(services.BatchRefused) as caught:
        services.appointment_end_bulk(
            ids=[early.pk, late.pk], by=clerk_a, end_date=datetime.date(2023, 1, 1), end_reason="resigned"
        )
    assert [(f.row, f.pk) for f in caught.value.failures] == [(2, late.pk)]
    assert "离任时间不能早于任职时间（2024年06月01日）" in caught.value.failures[0].reason
    assert Appointment.objects.filter(end_date__isnull=False).count() == 0


def test_clerk_cannot_end_another_townships_posts_in_a_batch(clerk_a, village_a, village_b):
    own, other = AppointmentFactory(village=village_a), AppointmentFactory(village=village_b)
    with pytest.raises(PermissionDenied):
        services.appointment_end_bulk(ids=[own.pk, other.pk], by=clerk_a, end_date=core_dates.today(), end_reason="resigned")
    assert Appointment.objects.filter(end_date__isnull=False).count() == 0


def _pending_review(clerk, village, name):
    person = PersonFactory(name=name, born=datetime.date(1984, 3, 3), registered_township=village.township)
    return services.qualification_review_request(by=clerk, person=person, village=village, post=choices.SECRETARY)


def test_verdict_batch_concludes_reviews_whose_departments_all_answered(clerk_a, county_user, village_a):
    first, second = _pending_review(clerk_a, village_a, "孙一"), _pending_review(clerk_a, village_a, "孙二")
    entries = [services.VerdictEntry(verdict_id=v.pk, result="pass") for v in first.verdicts.all()]
    entries.append(services.VerdictEntry(verdict_id=second.verdicts.first().pk, result="fail", negative_item_code="n02"))
    result = services.department_verdict_record_bulk(entries=entries, by=county_user)
    assert len(result.recorded) == 13
    assert [(r.pk, r.outcome) for r in result.concluded] == [(first.pk, "pass"), (second.pk, "fail")]
    failed = second.verdicts.get(result="fail")
    assert failed.negative_item_text.startswith("有刑事犯罪记录") and failed.reviewed_by == county_user
    assert DepartmentVerdict.history.filter(id=failed.pk).latest("history_id").history_user == county_user


def test_verdict_batch_with_one_bad_cell_saves_nothing(clerk_a, county_user, village_a):
    review = _pending_review(clerk_a, village_a, "周三")
    verdicts = list(review.verdicts.all())
    entries = [services.VerdictEntry(verdict_id=v.pk, result="pass") for v in verdicts[:11]]
    entries.append(services.VerdictEntry(verdict_id=verdicts[11].pk, result="fail"))  # no negative-list item
    with pytest.raises(services.BatchRefused) as caught:
        services.department_verdict_record_bulk(entries=entries, by=county_user)
    assert [f.row for f in caught.value.failures] == [12]
    assert caught.value.failures[0].label == "周三（甲一村 村党组织书记）卫生健康局"
    assert "审查不通过须选择负面清单情形" in caught.value.failures[0].reason
    assert DepartmentVerdict.objects.exclude(result="pending").count() == 0
    assert QualificationReview.objects.get(pk=review.pk).outcome == "pending"


def test_verdict_batch_refuses_clerks(clerk_a, village_a):
    review = _pending_review(clerk_a, village_a, "吴四")
    with pytest.raises(PermissionDenied):
        services.department_verdict_record_bulk(
            entries=[services.VerdictEntry(verdict_id=review.verdicts.first().pk, result="pass")], by=clerk_a
        )
    assert DepartmentVerdict.objects.exclude(result="pending").count() == 0


# ---------------------------------------------------------------------------------------------
# Pages: 批量备案 / 批量离任
# ---------------------------------------------------------------------------------------------


def test_the_filing_queue_offers_checkboxes_for_township_approved_rows(client, county_user, two_approved):
    client.force_login(county_user)
    html = client.get(reverse("cadres:appointment_list")).content.decode()
    for a in two_approved:
        assert f'name="ids" value="{a.pk}"' in html
    assert "批量备案所选" in html and "全选本页" in html and "选择全部符合当前待办的任职（共2条，跨页）" in html


def test_batch_filing_asks_first_then_files_and_lists_the_result(client, county_user, two_approved):
    client.force_login(county_user)
    url = reverse("cadres:appointment_batch_file")
    ids = [a.pk for a in two_approved]
    html = client.post(url, {"ids": ids}).content.decode()
    assert "批量县级备案：请确认" in html and "以下2条任职将一并办理县级备案" in html
    assert "陈志远" in html and "李春华" in html and "确认备案以上2条" in html
    assert _statuses(two_approved) == [APPROVED, APPROVED]  # nothing happens without the confirmation
    response = client.post(url, {"ids": ids, "note": "统一备案", "confirmed": "yes"})
    html = response.content.decode()
    assert response.status_code == 200 and "已备案2条任职" in html and html.count("已备案（生效）") == 2
    assert _statuses(two_approved) == [FILED, FILED]
    assert FilingEvent.objects.filter(to_status=FILED, note="统一备案").count() == 2


def test_batch_filing_of_all_matching_rows_takes_every_approved_row(client, county_user, two_approved):
    client.force_login(county_user)
    response = client.post(
        reverse("cadres:appointment_batch_file"), {"all_matching": "on", "query": "tab=queue", "confirmed": "yes"}
    )
    assert response.status_code == 200
    assert _statuses(two_approved) == [FILED, FILED]


def test_a_refused_batch_lists_the_failing_rows_and_changes_nothing(client, clerk_a, county_user, two_approved, village_a):
    client.force_login(county_user)
    clash = approved_secretary(clerk_a, county_user, village_a, "赵小红")
    ids = [two_approved[0].pk, clash.pk]
    html = client.post(reverse("cadres:appointment_batch_file"), {"ids": ids, "confirmed": "yes"}).content.decode()
    assert "共有1条不符合规定，本批次2条均未办理" in html and html.count('class="table-danger"') == 1
    assert "第2条 赵小红（甲一村 村党组织书记）：该村(社区)已有现任党组织书记陈志远" in html
    assert f'<input type="hidden" name="ids" value="{two_approved[0].pk}">' in html  # 去掉未通过的再确认
    assert _statuses([two_approved[0], clash]) == [APPROVED, APPROVED]


def test_clerk_cannot_batch_file(client, clerk_a, two_approved):
    client.force_login(clerk_a)
    response = client.post(reverse("cadres:appointment_batch_file"), {"ids": [a.pk for a in two_approved], "confirmed": "yes"})
    assert response.status_code == 403
    assert _statuses(two_approved) == [APPROVED, APPROVED]


def test_clerk_slipping_another_townships_row_into_a_batch_end_gets_404(client, clerk_a, village_a, village_b):
    own, other = AppointmentFactory(village=village_a), AppointmentFactory(village=village_b)
    client.force_login(clerk_a)
    data = {"ids": [own.pk, other.pk], "end_reason": "resigned", "end_date": core_dates.today().isoformat(), "confirmed": "yes"}
    assert client.post(reverse("cadres:appointment_batch_end"), data).status_code == 404
    assert Appointment.objects.filter(end_date__isnull=False).count() == 0


def test_batch_end_needs_a_reason_then_ends_and_shows_on_the_person_page(client, clerk_a, village_a, township_a):
    posts = [
        AppointmentFactory(village=village_a, person=PersonFactory(name="钱进")),
        AppointmentFactory(village=VillageFactory(township=township_a), person=PersonFactory(name="钱多")),
    ]
    client.force_login(clerk_a)
    url = reverse("cadres:appointment_batch_end")
    ids = [p.pk for p in posts]
    html = client.post(url, {"ids": ids}).content.decode()
    assert "批量办理离任：请确认" in html and "钱进" in html and "钱多" in html and 'name="end_reason"' in html
    day = core_dates.today().isoformat()
    html = client.post(url, {"ids": ids, "end_date": day, "confirmed": "yes"}).content.decode()
    assert "批量办理离任：请确认" in html and "该字段是必填项。" in html
    assert Appointment.objects.filter(end_date__isnull=False).count() == 0
    html = client.post(url, {"ids": ids, "end_date": day, "end_reason": "election", "confirmed": "yes"}).content.decode()
    assert "已办理离任2条任职" in html and html.count("换届离任") >= 2
    assert Appointment.objects.filter(end_reason="election", end_date=core_dates.today()).count() == 2
    person_html = person_page(client, posts[0].person_id)
    history = person_html.split('id="history"')[1]
    assert '离任原因：<del class="text-muted">（空）</del> → <strong>换届离任</strong>' in history
    assert f"<td>{clerk_a}</td><td>修改</td>" in history


def test_an_empty_selection_goes_back_to_the_list_with_a_message(client, county_user):
    client.force_login(county_user)
    response = client.post(reverse("cadres:appointment_batch_file"), {"query": "tab=all"}, follow=True)
    assert "请先在列表中勾选要备案的任职" in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Pages: the 联审 grid
# ---------------------------------------------------------------------------------------------


def test_grid_shows_candidates_by_departments_with_bounded_queries(
    client, county_user, clerk_a, village_a, django_assert_num_queries, django_assert_max_num_queries
):
    client.force_login(county_user)
    _pending_review(clerk_a, village_a, "郑一")
    url = reverse("cadres:review_grid")
    # session, user, the user's and the groups' permissions (2), the year's policy profile (2: the
    # latest up to this year, then the earliest — none saved here, so the defaults), COUNT of pending reviews, the page of reviews with person
    # and village, their verdicts in one query, the township filter's options
    with django_assert_num_queries(10) as one:
        html = client.get(url).content.decode()
    assert "郑一" in html and "纪委监委" in html and "卫生健康局" in html and html.count('name="cells"') == 12
    for i in range(2, 7):
        _pending_review(clerk_a, village_a, f"郑{i}")
    with django_assert_max_num_queries(len(one.captured_queries)):  # 6 candidates cost what 1 cost
        html = client.get(url).content.decode()
    assert html.count('name="cells"') == 72


def test_grid_saves_all_entered_cells_and_concludes_complete_reviews(client, county_user, clerk_a, village_a):
    first, second = _pending_review(clerk_a, village_a, "冯一"), _pending_review(clerk_a, village_a, "冯二")
    client.force_login(county_user)
    data = {"cells": [v.pk for r in (first, second) for v in r.verdicts.all()]}
    for v in first.verdicts.all():
        data[f"v{v.pk}-result"] = "pass"
    warned = second.verdicts.first()
    data[f"v{warned.pk}-result"] = "pass"
    data[f"v{warned.pk}-warning_text"] = "家庭成员有涉访记录"
    response = client.post(reverse("cadres:review_grid"), data, follow=True)
    html = response.content.decode()
    assert "已保存13条部门审查意见。1人联审办结：冯一（通过）。" in html
    assert QualificationReview.objects.get(pk=first.pk).outcome == "pass"
    assert QualificationReview.objects.get(pk=second.pk).outcome == "pending"
    assert DepartmentVerdict.objects.get(pk=warned.pk).warning_text == "家庭成员有涉访记录"
    assert "冯一" not in html.split('id="review-grid"')[1]  # concluded: no longer in the grid


def test_grid_with_an_incomplete_cell_saves_nothing_and_marks_it(client, county_user, clerk_a, village_a):
    review = _pending_review(clerk_a, village_a, "陈五")
    client.force_login(county_user)
    verdicts = list(review.verdicts.all())
    data = {"cells": [v.pk for v in verdicts], f"v{verdicts[0].pk}-result": "pass", f"v{verdicts[1].pk}-result": "fail"}
    html = client.post(reverse("cadres:review_grid"), data).content.decode()
    assert "共有1条审查意见不符合规定，本次提交的意见均未保存。" in html and "table-danger" in html
    assert "陈五（甲一村 村党组织书记）县委组织部：审查不通过须选择负面清单情形。" in html
    assert DepartmentVerdict.objects.exclude(result="pending").count() == 0
    data[f"v{verdicts[2].pk}-note"] = "有意见但未选结果"
    html = client.post(reverse("cadres:review_grid"), data).content.decode()
    assert "已填写意见，请选择“通过”或“不通过”。" in html
    assert DepartmentVerdict.objects.exclude(result="pending").count() == 0


def test_department_view_lists_only_that_departments_pending_candidates(client, county_user, clerk_a, village_a):
    first, second = _pending_review(clerk_a, village_a, "褚一"), _pending_review(clerk_a, village_a, "褚二")
    services.department_verdict_record(verdict=first.verdicts.get(department_code="d05"), by=county_user, result="pass")
    client.force_login(county_user)
    url = reverse("cadres:review_grid") + "?department=d05"
    html = client.get(url).content.decode()
    grid = html.split('id="review-grid"')[1]
    assert "联审意见批量录入：公安局" in html and "褚二" in grid and "褚一" not in grid and "纪委监委" not in grid
    cell = second.verdicts.get(department_code="d05")
    response = client.post(url, {"cells": [cell.pk], f"v{cell.pk}-result": "fail", f"v{cell.pk}-negative_item_code": "n02"})
    assert response.status_code == 302 and response.url == url
    assert DepartmentVerdict.objects.get(pk=cell.pk).result == "fail"
    assert QualificationReview.objects.get(pk=second.pk).outcome == "fail"


def test_grid_is_for_whoever_may_enter_verdicts(client, clerk_a, auditor, village_a):
    review = _pending_review(clerk_a, village_a, "卫六")
    for user in (clerk_a, auditor):
        client.force_login(user)
        assert client.get(reverse("cadres:review_grid")).status_code == 403
        cell = review.verdicts.first()
        assert client.post(reverse("cadres:review_grid"), {"cells": [cell.pk], f"v{cell.pk}-result": "pass"}).status_code == 403
    assert DepartmentVerdict.objects.exclude(result="pending").count() == 0


def test_grid_post_with_an_unknown_cell_answers_404(client, county_user, clerk_a, village_a):
    review = _pending_review(clerk_a, village_a, "蒋七")
    client.force_login(county_user)
    cell = review.verdicts.first()
    data = {"cells": [cell.pk, 999999], f"v{cell.pk}-result": "pass"}
    assert client.post(reverse("cadres:review_grid"), data).status_code == 404
    assert DepartmentVerdict.objects.exclude(result="pending").count() == 0


# ---------------------------------------------------------------------------------------------
# API and admin
# ---------------------------------------------------------------------------------------------


def test_api_bulk_file_files_all_or_answers_every_failure(client, county_user, clerk_a, two_approved, village_a):
    client.force_login(county_user)
    url = reverse("appointment-bulk-file")
    clash = approved_secretary(clerk_a, county_user, village_a, "赵小红")
    response = client.post(url, {"ids": [two_approved[0].pk, clash.pk]}, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["failures"] == [
        {"row": 2, "id": clash.pk, "label": "赵小红（甲一村 村党组织书记）", "reason": body["failures"][0]["reason"]}
    ]
    assert "已有现任党组织书记陈志远" in body["failures"][0]["reason"]
    assert _statuses([two_approved[0], clash]) == [APPROVED, APPROVED]
    response = client.post(url, {"ids": [a.pk for a in two_approved], "note": "接口备案"}, content_type="application/json")
    assert response.status_code == 200
    assert [row["status"] for row in response.json()] == [FILED, FILED]
    assert _statuses(two_approved) == [FILED, FILED]


def test_api_bulk_file_refuses_clerks_and_bulk_end_answers_404_across_townships(client, clerk_a, two_approved, village_b):
    client.force_login(clerk_a)
    response = client.post(reverse("appointment-bulk-file"), {"ids": [two_approved[0].pk]}, content_type="application/json")
    assert response.status_code == 403
    other = AppointmentFactory(village=village_b)
    data = {"ids": [other.pk], "end_date": core_dates.today().isoformat(), "end_reason": "resigned"}
    assert client.post(reverse("appointment-bulk-end"), data, content_type="application/json").status_code == 404
    assert Appointment.objects.get(pk=other.pk).end_date is None


def test_admin_action_files_through_the_batch_service_after_confirmation(client, admin_user, two_approved):
    client.force_login(admin_user)
    url = reverse("admin:cadres_appointment_changelist")
    data = {"action": "file_selected", "_selected_action": [a.pk for a in two_approved]}
    html = client.post(url, data).content.decode()
    assert "确认县级备案" in html and "以下2条任职将一并办理县级备案" in html
    assert _statuses(two_approved) == [APPROVED, APPROVED]
    response = client.post(url, {**data, "confirmed": "yes"}, follow=True)
    assert "已办理县级备案2条。" in response.content.decode()
    assert _statuses(two_approved) == [FILED, FILED]


def test_verdicts_entered_in_the_grid_show_on_the_person_page_for_county_staff_only(client, county_user, clerk_a, village_a):
    review = _pending_review(clerk_a, village_a, "韩八")
    cell = review.verdicts.get(department_code="d05")
    client.force_login(county_user)
    client.post(
        reverse("cadres:review_grid"), {"cells": [cell.pk], f"v{cell.pk}-result": "pass", f"v{cell.pk}-note": "无违法记录"}
    )
    history = person_page(client, review.person_id).split('id="history"')[1]
    assert f"<td>{county_user}</td><td>修改</td><td>部门审查意见：公安局：通过</td>" in history
    assert '审查意见：<del class="text-muted">（空）</del> → <strong>无违法记录</strong>' in history
    assert "部门审查意见：纪委监委" not in history  # opened, not yet answered: the review's own entry says so
    client.force_login(clerk_a)
    assert "部门审查意见" not in person_page(client, review.person_id).split('id="history"')[1]


def test_grid_submit_after_a_review_concluded_elsewhere_saves_nothing_and_says_why(client, county_user, clerk_a, village_a):
    first, second = _pending_review(clerk_a, village_a, "杨九"), _pending_review(clerk_a, village_a, "杨十")
    client.force_login(county_user)
    stale = first.verdicts.get(department_code="d01")
    # another officer fails 杨九 meanwhile: the review concludes and leaves the grid
    services.department_verdict_record(
        verdict=first.verdicts.get(department_code="d02"), by=county_user, result="fail", negative_item_code="n03"
    )
    fresh = second.verdicts.get(department_code="d01")
    data = {"cells": [stale.pk, fresh.pk], f"v{stale.pk}-result": "pass", f"v{fresh.pk}-result": "pass"}
    response = client.post(reverse("cadres:review_grid"), data)
    assert response.status_code == 200 and "部分人选的联审已经办结，本次提交的意见均未保存" in response.content.decode()
    assert DepartmentVerdict.objects.filter(result="pass").count() == 0


@pytest.mark.parametrize("big", [2**63, 2**64 + 5])
def test_api_bulk_actions_refuse_an_id_beyond_the_id_column_as_invalid_input(client, county_user, big):
    client.force_login(county_user)
    data = {"ids": [big], "end_date": core_dates.today().isoformat(), "end_reason": "resigned"}
    for name in ("appointment-bulk-end", "appointment-bulk-file"):
        response = client.post(reverse(name), data, content_type="application/json")
        assert response.status_code == 400, (name, response.status_code)
        assert "ids" in response.json()


def test_refused_grid_keeps_what_was_entered_escaped_and_marks_each_cell(client, county_user, clerk_a, village_a):
    review = _pending_review(clerk_a, village_a, "韩八")
    client.force_login(county_user)
    first, second, third = list(review.verdicts.order_by("pk"))[:3]
    data = {
        "cells": [first.pk, second.pk, third.pk],
        f"v{first.pk}-result": "pass",
        f"v{first.pk}-warning_text": '<b>"近亲属"</b>',
        f"v{second.pk}-result": "fail",  # no negative-list item: refused
        f"v{third.pk}-note": "x" * 301,  # over the length, and no result
    }
    html = client.post(reverse("cadres:review_grid"), data).content.decode()
    grid = html.split('id="review-grid"')[1]
    assert '<option value="pass" selected>通过</option>' in grid.split(f'name="v{first.pk}-result"')[1].split("</select>")[0]
    assert f'id="id_v{first.pk}-warning_text" value="&lt;b&gt;&quot;近亲属&quot;&lt;/b&gt;"' in grid
    assert "<b>" not in grid
    marked = [c for c in grid.split('<td class="grid-cell')[1:] if c.startswith(" table-danger")]
    assert len(marked) == 1 and f'name="cells" value="{third.pk}"' in marked[0]  # the form's own checks first
    assert f'id="id_v{third.pk}-note" value="{"x" * 301}"' in marked[0]
    assert "确保该变量包含不超过 300 字符 (目前字符数 301)。" in marked[0]
    data[f"v{third.pk}-note"] = "有意见但未选结果"
    html = client.post(reverse("cadres:review_grid"), data).content.decode()
    marked = [c for c in html.split('id="review-grid"')[1].split('<td class="grid-cell')[1:] if c.startswith(" table-danger")]
    assert len(marked) == 1 and "已填写意见，请选择“通过”或“不通过”。" in marked[0] and 'is-invalid"' in marked[0]
    del data[f"v{third.pk}-note"]
    html = client.post(reverse("cadres:review_grid"), data).content.decode()  # then the rules of the service
    marked = [c for c in html.split('id="review-grid"')[1].split('<td class="grid-cell')[1:] if c.startswith(" table-danger")]
    assert len(marked) == 1 and f'name="cells" value="{second.pk}"' in marked[0]
    assert '<div class="text-danger small">审查不通过须选择负面清单情形。</div>' in marked[0]
    assert '<option value="fail" selected>不通过</option>' in marked[0]
    assert html.count('name="cells"') == 12  # every entry cell of the candidate is posted again
    assert DepartmentVerdict.objects.exclude(result="pending").count() == 0
