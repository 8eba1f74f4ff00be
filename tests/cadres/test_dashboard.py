"""The home dashboard (cadres.dashboard): figures equal the lists behind them, scope, drill-down,
query counts that do not grow with data, cache invalidation, charts, chart export."""

import datetime
import io
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from django.urls import reverse

from cadres import choices, services
from cadres import dashboard as register_dashboard
from cadres.dashboard import AGE_BANDS, birth_limit
from cadres.filters import AppointmentFilter, PersonFilter
from cadres.models import ExportLog, ImportBatch, Person, QualificationReview
from core import dashboard
from core import dates as core_dates
from core.dashboard import Figure, QueueItem, build_dashboard, register_dashboard_provider
from tests.factories import AppointmentFactory, FirstSecretaryFactory, PersonFactory, VillageFactory

TODAY = core_dates.today()


def _review(person, village, outcome=choices.VettingResult.PASS):
    return QualificationReview.objects.create(
        person=person, village=village, post=choices.SECRETARY, post_name="村党组织书记", outcome=outcome
    )


def _invalid_batch(township, user):
    return ImportBatch.objects.create(
        sheet_type="roster",
        file="imports/x.xlsx",
        original_name="花名册.xlsx",
        checksum="0" * 64,
        township=township,
        uploaded_by=user,
        status=ImportBatch.Status.INVALID,
    )


def _township_data(township, *, villages: int, tag: str, uploader):
    """``villages`` seated villages (secretary = chair, 一肩挑), one vacant village with a draft
    successor awaiting approval, one pending review, a first secretary whose term ends in 30
    days, and an import with errors."""
    seated = [VillageFactory(township=township, name=f"{tag}村{i:02d}") for i in range(villages)]
    for i, village in enumerate(seated):
        sec = PersonFactory(name=f"{tag}书记{i:02d}", born=datetime.date(1975 + i % 20, 3, 1))
        AppointmentFactory(person=sec, village=village, post=choices.SECRETARY)
        AppointmentFactory(person=sec, village=village, post=choices.CHAIR)
        AppointmentFactory(village=village, post="committee_member", person__name=f"{tag}委员{i:02d}")
    vacant = VillageFactory(township=township, name=f"{tag}空缺村")
    AppointmentFactory(village=vacant, status=choices.FilingStatus.DRAFT, person__name=f"{tag}待审")
    _review(PersonFactory(name=f"{tag}联审人"), vacant, outcome=choices.VettingResult.PENDING)
    FirstSecretaryFactory(
        village=seated[0],
        person__name=f"{tag}第一书记",
        term_start=TODAY - datetime.timedelta(days=700),
        term_end=TODAY + datetime.timedelta(days=30),
    )
    _invalid_batch(township, uploader)
    return seated, vacant


@pytest.fixture
def two_townships(township_a, township_b, clerk_a, clerk_b):
    a = _township_data(township_a, villages=3, tag="甲", uploader=clerk_a)
    b = _township_data(township_b, villages=2, tag="乙", uploader=clerk_b)
    return a, b


def _list_count(client, link: str) -> int:
    response = client.get(link)
    assert response.status_code == 200, link
    return response.context["page_obj"].paginator.count


# ---------------------------------------------------------------------------------------------
# Figures and queues equal the lists behind them
# ---------------------------------------------------------------------------------------------


def test_county_figures_equal_direct_counts_and_the_linked_lists(client, county_user, two_townships):
    client.force_login(county_user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    board = response.context["board"]
    register_keys = {
        "villages",
        "communities",
        "secretaries",
        "one_shoulder_share",
        "two_committee_members",
        "first_secretaries",
        "vacant",
    }
    figures = {f.key: f for f in board.figures}  # the other apps' figures: tests/cadres/test_dashboard_providers.py
    assert {k: f.value for k, f in figures.items() if k in register_keys} == {
        "villages": 7,  # 3 + 1 vacant in 甲, 2 + 1 in 乙
        "communities": 0,
        "secretaries": 5,
        "one_shoulder_share": dashboard.percent(5, 5),
        "two_committee_members": 10,  # 5 secretary-chairs + 5 committee members
        "first_secretaries": 2,
        "vacant": 2,
    }
    for key in ("villages", "secretaries", "two_committee_members", "first_secretaries", "vacant"):
        assert _list_count(client, figures[key].link) == figures[key].value, key
    assert _list_count(client, figures["one_shoulder_share"].link) == 5
    register_queues = {
        "filing_draft",
        "filing_township_approved",
        "reviews_pending",
        "villages_vacant",
        "first_secretaries_expiring",
        "imports_invalid",
    }
    queues = {q.key: q for q in board.queues}
    assert {k: q.count for k, q in queues.items() if k in register_queues} == {
        "filing_draft": 2,
        "filing_township_approved": 0,
        "reviews_pending": 2,
        "villages_vacant": 2,
        "first_secretaries_expiring": 2,
        "imports_invalid": 2,
    }
    for key in ("filing_draft", "reviews_pending", "villages_vacant", "first_secretaries_expiring"):
        assert _list_count(client, queues[key].link) == queues[key].count, key
    assert "expiring_within=90" in queues["first_secretaries_expiring"].link  # policy default
    html = response.content.decode()
    assert "<title>首页 · 头雁</title>" in html
    assert "甲待审" in html and "乙待审" in html  # queue examples


def test_one_shoulder_share_is_rounded_half_up_to_one_decimal():
    assert dashboard.percent(2, 3) == dashboard.Decimal("66.7")
    assert dashboard.percent(1, 8) == dashboard.Decimal("12.5")
    assert dashboard.percent(1, 16) == dashboard.Decimal("6.3")  # 6.25 → 6.3 (ROUND_HALF_UP)
    assert dashboard.percent(1, 0) is None


def test_figures_show_chinese_number_formatting():
    assert Figure("x", "人数", 12345).display == "12,345"
    assert Figure("x", "比例", dashboard.Decimal("87.5")).display == "87.5"
    assert Figure("x", "空", None).display == "—"


# ---------------------------------------------------------------------------------------------
# Scope and drill-down
# ---------------------------------------------------------------------------------------------


def test_clerk_dashboard_contains_nothing_from_another_township(client, clerk_a, township_b, two_townships):
    client.force_login(clerk_a)
    # ?township=<other> is ignored for a clerk: the scope is already the own township.
    response = client.get(reverse("home") + f"?township={township_b.pk}")
    html = response.content.decode()
    board = response.context["board"]
    assert board.drill is None
    assert "乙" not in html  # no village, person or township name of 乙镇 anywhere on the page
    assert "甲待审" in html and "甲空缺村" in html
    counts = board.counts
    assert counts["villages"] == 4
    assert counts["secretaries"] == 3
    assert counts["vacant"] == 1
    assert counts["first_secretaries"] == 1
    assert counts["filing_draft"] == 1
    assert counts["reviews_pending"] == 1
    assert counts["imports_invalid"] == 1
    assert "townships" not in {c.id for c in board.charts}


def test_county_drill_down_narrows_every_figure_and_link(client, county_user, township_a, two_townships):
    client.force_login(county_user)
    response = client.get(reverse("home") + f"?township={township_a.pk}")
    board = response.context["board"]
    assert board.drill == township_a
    assert response.context["title"] == "首页 · 甲镇"
    assert board.counts["villages"] == 4
    assert board.counts["secretaries"] == 3
    assert board.counts["imports_invalid"] == 1
    for figure in board.figures:
        assert parse_qs(urlsplit(figure.link).query)["township"] == [str(township_a.pk)]
        if figure.unit != "%":  # shares and rates link to their list / report, not a count of the same number
            assert _list_count(client, figure.link) == figure.value, figure.key
    html = response.content.decode()
    assert "乙待审" not in html and "甲待审" in html


def test_drill_down_select_waits_for_the_view_button(client, county_user, township_a, two_townships):
    """Arrowing through the options must not reload the page: no onchange, a 查看 submit button."""
    client.force_login(county_user)
    html = client.get(reverse("home")).content.decode()
    form = html[html.index('aria-label="按乡镇查看"') : html.index("</form>", html.index('aria-label="按乡镇查看"'))]
    assert "onchange" not in form and "<noscript>" not in form
    assert '<select class="form-select form-select-sm" id="dash-township" name="township">' in form
    assert '<button class="btn btn-sm btn-primary text-nowrap" type="submit">查看</button>' in form
    assert f'<option value="{township_a.pk}">甲镇</option>' in form


def test_county_drill_down_to_unknown_township_is_404(client, county_user, two_townships):
    client.force_login(county_user)
    assert client.get(reverse("home") + "?township=999999").status_code == 404


def test_township_chart_links_each_bar_to_that_townships_villages(client, county_user, township_a, township_b, two_townships):
    client.force_login(county_user)
    board = client.get(reverse("home")).context["board"]
    chart = board.chart("townships")
    assert chart.table.headers == ["乡镇(街道)", "村(社区)数", "其中社区", "有现任书记", "书记空缺"]
    assert chart.table.rows == [["甲镇", 4, 0, 3, 1], ["乙镇", 3, 0, 2, 1], ["合计", 7, 0, 5, 2]]
    seated_links, vacant_links = chart.links
    assert _list_count(client, seated_links[0]) == 3
    assert _list_count(client, vacant_links[1]) == 1
    assert chart.table.row_links[0] == f"{reverse('home')}?township={township_a.pk}"
    assert chart.table.cell_links[1][4] == vacant_links[1]
    assert _list_count(client, chart.table.cell_links[0][1]) == 4


# ---------------------------------------------------------------------------------------------
# Query counts
# ---------------------------------------------------------------------------------------------


def _villages_with_secretaries(township, n):
    for i in range(n):
        AppointmentFactory(village=VillageFactory(township=township), person__born=datetime.date(1960 + i % 40, 1, 1))
    # one secretary of the previous cohort, so the "上届" comparison queries run too
    AppointmentFactory(
        village=VillageFactory(township=township),
        cohort=2016,
        start_date=datetime.date(2016, 3, 1),
        end_date=datetime.date(2021, 3, 1),
        end_reason=choices.EndReason.ELECTION,
    )


@pytest.mark.parametrize("rows", [1, 50])
def test_county_dashboard_query_count_does_not_grow(client, county_user, township_a, township_b, django_assert_num_queries, rows):
    _villages_with_secretaries(township_a, rows)
    _villages_with_secretaries(township_b, 1)
    client.force_login(county_user)
    # Cold (cache miss) = 46. The register = 27:
    #   session, user, version token (1 query over all history tables), policy profile (2: year, fallback) = 5
    #   figures: villages, communities, vacant, current secretaries + 两委 + 一肩挑 (one GROUP BY
    #            over people, shared with the structure charts), first secretaries = 5
    #   charts: cohorts, previous-cohort structure, township list + per-township GROUP BY = 4
    #   queues: 2× permissions (who files), drafts (examples, COUNT), approved (examples, COUNT),
    #           reviews (COUNT, examples), vacant (examples; COUNT shared with the figure),
    #           expiring (COUNT, examples) = 11
    #   drill-down township options, imports with errors (live) = 2
    # Stored copies of the parts (core.models.DashboardPart): read (none yet), write = 2
    # App providers (no data of theirs here) = 19:
    #   reserves: policy (2), pooled COUNT, coverage GROUP BY, township list, pooled per township,
    #             party stages of open records (due 待办) = 7
    #   training: policy (2), current secretaries COUNT, trained COUNT, township list, hours per township = 6
    #   assessments: latest campaign year (none: nothing else) = 1
    #   subsidies: runs awaiting approval, preview, approved, unlocked periods, totals per month = 5
    with django_assert_num_queries(48):
        response = client.get(reverse("home"))
    assert response.context["board"].from_cache is False
    # Warm: session, user, version token, imports with errors (live), 2× permissions (navbar) = 6.
    with django_assert_num_queries(6):
        response = client.get(reverse("home"))
    assert response.context["board"].from_cache is True
    assert response.context["board"].counts["secretaries"] == rows + 1


@pytest.mark.parametrize("rows", [1, 50])
def test_clerk_dashboard_query_count_does_not_grow(client, clerk_a, township_a, township_b, django_assert_num_queries, rows):
    _villages_with_secretaries(township_a, rows)
    _villages_with_secretaries(township_b, 3)
    client.force_login(clerk_a)
    # Cold = 46: as for county staff (48) without the per-township chart (2 queries) and the
    # unlocked pay periods (county staff lock them), plus the clerk's own township (scope label
    # in the navbar).
    with django_assert_num_queries(46):
        response = client.get(reverse("home"))
    assert response.context["board"].from_cache is False
    # Warm: session, user, version token, imports with errors (live), the clerk's township
    # (scope label) = 5; the navbar asks no permission of a clerk.
    with django_assert_num_queries(5):
        response = client.get(reverse("home"))
    assert response.context["board"].from_cache is True
    assert response.context["board"].counts["secretaries"] == rows


# ---------------------------------------------------------------------------------------------
# Cache invalidation
# ---------------------------------------------------------------------------------------------


def test_cache_is_invalidated_when_an_appointment_is_filed(client, county_user, clerk_a, village_a):
    sec = PersonFactory(name="新书记")
    draft = AppointmentFactory(
        person=sec, village=village_a, status=choices.FilingStatus.DRAFT, qualification_review=_review(sec, village_a)
    )
    client.force_login(county_user)
    first = client.get(reverse("home")).context["board"]
    assert first.from_cache is False
    assert (first.counts["secretaries"], first.counts["vacant"], first.counts["filing_draft"]) == (0, 1, 1)
    again = client.get(reverse("home")).context["board"]
    assert again.from_cache is True
    assert again.counts == first.counts

    services.appointment_township_approve(appointment=draft, by=clerk_a)
    mid = client.get(reverse("home")).context["board"]
    assert mid.from_cache is False
    assert (mid.counts["filing_draft"], mid.counts["filing_township_approved"]) == (0, 1)

    services.appointment_file(appointment=draft, by=county_user)
    after = client.get(reverse("home")).context["board"]
    assert after.from_cache is False
    assert (after.counts["secretaries"], after.counts["vacant"], after.counts["filing_township_approved"]) == (1, 0, 0)


def test_cache_is_per_scope_so_a_clerk_never_gets_the_county_figures(county_user, clerk_a, clerk_b, two_townships):
    assert build_dashboard(county_user).counts["villages"] == 7
    assert build_dashboard(clerk_a).counts["villages"] == 4
    assert build_dashboard(clerk_b).counts["villages"] == 3
    assert build_dashboard(clerk_b).from_cache is True


def test_imports_with_errors_are_live_even_when_the_rest_is_cached(county_user, township_a):
    assert build_dashboard(county_user).counts["imports_invalid"] == 0
    _invalid_batch(township_a, county_user)
    board = build_dashboard(county_user)
    assert board.from_cache is True
    assert board.counts["imports_invalid"] == 1


def test_imports_queue_counts_failed_applies_too_and_opens_the_errors_filter(client, county_user, township_a, township_b):
    failed = _invalid_batch(township_a, county_user)
    ImportBatch.objects.filter(pk=failed.pk).update(status=ImportBatch.Status.FAILED)
    _invalid_batch(township_a, county_user)
    _invalid_batch(township_b, county_user)
    applied = _invalid_batch(township_a, county_user)
    ImportBatch.objects.filter(pk=applied.pk).update(status=ImportBatch.Status.APPLIED)
    client.force_login(county_user)
    for query, expected_link, count in (
        ("", "?errors=1", 3),
        (f"?township={township_a.pk}", f"?errors=1&township={township_a.pk}", 2),
    ):
        board = client.get(reverse("home") + query).context["board"]
        item = next(q for q in board.queues if q.key == "imports_invalid")
        assert (item.label, item.count) == ("表格导入有错误或导入失败", count)
        assert item.link == reverse("core:import_list") + expected_link
        assert _list_count(client, item.link) == count


# ---------------------------------------------------------------------------------------------
# Structure charts and the previous 换届
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "band"),
    [(25, 0), (35, 0), (36, 1), (45, 1), (46, 2), (55, 2), (56, 3), (60, 3), (61, 4), (80, 4)],
)
def test_age_bands_match_the_person_list_age_filter(age, band, county_user, village_a):
    on = TODAY
    person = PersonFactory()
    Person.objects.filter(pk=person.pk).update(birth_date=birth_limit(age, on))  # birthday today: exactly ``age``
    AppointmentFactory(person=person, village=village_a)
    ages, _ = register_dashboard.structure_counts(Person.objects.filter(pk=person.pk), on)
    assert ages == [1 if i == band else 0 for i in range(len(AGE_BANDS))]
    _label, low, high = AGE_BANDS[band]
    data = {"age_min": low, "age_max": high}
    fs = PersonFilter({k: v for k, v in data.items() if v is not None}, queryset=Person.objects.all())
    assert list(fs.qs) == [person]


def test_secretary_charts_compare_with_holders_at_the_start_of_the_previous_cohort(client, county_user, township_a):
    v1, v2 = VillageFactory(township=township_a), VillageFactory(township=township_a)
    # previous cohort (2016): two secretaries, both born 1960 → 56 on the snapshot date
    old1, old2 = PersonFactory(), PersonFactory()
    Person.objects.filter(pk__in=[old1.pk, old2.pk]).update(birth_date=datetime.date(1960, 1, 1))
    AppointmentFactory(
        person=old1,
        village=v1,
        cohort=2016,
        start_date=datetime.date(2016, 3, 1),
        end_date=datetime.date(2021, 3, 31),
        end_reason="election",
    )
    AppointmentFactory(
        person=old2,
        village=v2,
        cohort=2016,
        start_date=datetime.date(2016, 5, 10),
        end_date=datetime.date(2021, 3, 31),
        end_reason="election",
    )
    # current cohort (2021): one young secretary with a bachelor's degree, one vacancy
    young = PersonFactory(education_fulltime=choices.Education.BACHELOR)
    Person.objects.filter(pk=young.pk).update(birth_date=birth_limit(30, TODAY))
    AppointmentFactory(person=young, village=v1, cohort=2021, start_date=datetime.date(2021, 4, 1))
    client.force_login(county_user)
    board = client.get(reverse("home")).context["board"]
    age = board.chart("secretaries-age")
    assert age.table.headers == ["分组", "当前（人）", "当前占比（%）", "上届（人）", "上届占比（%）"]
    assert age.table.rows[0][:3] == ["35岁及以下", 1, dashboard.Decimal("100.0")]
    # snapshot = the last start of the 2016 cohort (2016-05-10): both holders were 56 then
    assert [r[3] for r in age.table.rows[:-1]] == [0, 0, 0, 2, 0]
    assert age.table.rows[-1] == ["合计", 1, dashboard.Decimal("100.0"), 2, dashboard.Decimal("100.0")]
    assert "2016年换届完成时（2016年5月10日）" in age.note
    option_series = age.option["series"]
    assert [s["name"] for s in option_series] == ["当前", "上届（2016年换届后，2016-05-10）"]
    assert _list_count(client, age.links[0][0]) == 1  # the ≤35 bar opens the one young secretary
    # the data table carries the same links (keyboard / screen-reader users)
    table = age.table.rows_with_links()
    assert table[0][0] == age.links[0][0]
    assert table[0][1][1] == ("1", age.links[0][0])
    assert table[0][1][3] == ("0", age.links[1][0])
    edu = board.chart("secretaries-education")
    bachelor = next(r for r in edu.table.rows if r[0] == "大学本科")
    senior = next(r for r in edu.table.rows if r[0] == "高中")
    assert bachelor[1] == 1 and senior[3] == 2
    link = edu.links[0][[v for v, _ in choices.Education.choices].index(choices.Education.BACHELOR)]
    assert _list_count(client, link) == 1


def _structure_data(township):
    """Previous cohort (2016, snapshot 2016-05-10): a 一肩挑 secretary aged 56 (本科), a secretary
    aged 36 with no education entered, a committee member aged 26 (初中). Current cohort: a
    一肩挑 secretary aged 30 (本科), a secretary aged 50 with no education, a member aged 40 (高中)."""
    villages = [VillageFactory(township=township) for _ in range(2)]
    old = {"start_date": datetime.date(2016, 3, 1), "end_date": datetime.date(2021, 3, 31), "end_reason": "election"}
    s1 = PersonFactory(education_fulltime=choices.Education.BACHELOR)
    s2 = PersonFactory(education_fulltime="", education_inservice="")
    m1 = PersonFactory(education_fulltime=choices.Education.JUNIOR, education_inservice="")
    for person, born in ((s1, 1960), (s2, 1980), (m1, 1990)):
        Person.objects.filter(pk=person.pk).update(birth_date=datetime.date(born, 1, 1))
    AppointmentFactory(person=s1, village=villages[0], post=choices.SECRETARY, cohort=2016, **old)
    AppointmentFactory(person=s1, village=villages[0], post=choices.CHAIR, cohort=2016, **old)
    AppointmentFactory(person=m1, village=villages[0], post="committee_member", cohort=2016, **old)
    AppointmentFactory(
        person=s2, village=villages[1], post=choices.SECRETARY, cohort=2016, **{**old, "start_date": datetime.date(2016, 5, 10)}
    )
    new = {"cohort": 2021, "start_date": datetime.date(2021, 4, 1)}
    c1 = PersonFactory(education_fulltime=choices.Education.BACHELOR)
    c2 = PersonFactory(education_fulltime="", education_inservice="")
    c3 = PersonFactory(education_fulltime=choices.Education.SENIOR, education_inservice="")
    for person, age in ((c1, 30), (c2, 50), (c3, 40)):
        Person.objects.filter(pk=person.pk).update(birth_date=birth_limit(age, TODAY))
    AppointmentFactory(person=c1, village=villages[0], post=choices.SECRETARY, **new)
    AppointmentFactory(person=c1, village=villages[0], post=choices.CHAIR, **new)
    AppointmentFactory(person=c3, village=villages[0], post="committee_member", **new)
    AppointmentFactory(person=c2, village=villages[1], post=choices.SECRETARY, **new)


@pytest.mark.parametrize("older_filters", [False, True], ids=["filters", "without-as_of-and-education-none"])
def test_every_structure_bar_opens_the_list_of_exactly_its_people(client, county_user, township_a, monkeypatch, older_filters):
    if older_filters:  # the links fall back to the closest list the FilterSets offer
        for filterset in (PersonFilter, AppointmentFilter):
            monkeypatch.delitem(filterset.base_filters, "as_of", raising=False)
            if "education" in filterset.base_filters:
                monkeypatch.setitem(filterset.base_filters["education"].extra, "choices", choices.Education.choices)
    _structure_data(township_a)
    client.force_login(county_user)
    board = client.get(reverse("home")).context["board"]
    education_index = {label: i for i, (_v, label) in enumerate(choices.Education.choices)}
    # The one previous-cohort 一肩挑 person (56 on the snapshot date, 本科) holds two 两委 posts:
    # the appointment list (one row per post) shows them twice, the person list once.
    per_post_extra = {("two-committees-age", 3): 1, ("two-committees-education", education_index["大学本科"]): 1}
    checked = 0
    for chart_id in ("secretaries-age", "secretaries-education", "two-committees-age", "two-committees-education"):
        chart = board.chart(chart_id)
        assert [s["name"] for s in chart.option["series"]] == ["当前", "上届（2016年换届后，2016-05-10）"]
        categories = chart.option["xAxis"]["data"]
        if chart_id.endswith("education"):
            assert categories[-1] == "未填"
        for series_index, series in enumerate(chart.option["series"]):
            links = chart.links[series_index]
            assert len(links) == len(categories) == len(series["data"])
            for i, (link, value) in enumerate(zip(links, series["data"], strict=True)):
                assert link, (chart_id, series_index, categories[i])
                path, query = urlsplit(link).path, parse_qs(urlsplit(link).query)
                count = _list_count(client, link)
                where = (chart_id, series["name"], categories[i], link)
                if series_index == 0 or "as_of" in query:
                    assert query.get("as_of", ["2016-05-10"]) == ["2016-05-10"], where
                    if categories[i] == "未填" and "education" not in query:  # list without education=none
                        assert count == sum(series["data"]), where  # closest: the whole group
                    else:
                        extra = per_post_extra.get((chart_id, i), 0) if path == reverse("cadres:appointment_list") else 0
                        assert count == value + extra, where
                else:  # closest list there is: the previous cohort's filed appointments, one link for all bars
                    assert set(links) == {link} and query["cohort"] == ["2016"], where
                    assert count == (sum(series["data"]) if chart_id.startswith("secretaries") else 4), where
                checked += 1
        # the data table offers the same links as the bars (keyboard and screen-reader users)
        for i, (row_link, cells) in enumerate(chart.table.rows_with_links()[:-1]):
            assert row_link == chart.links[0][i]
            assert (cells[1][1], cells[3][1]) == (chart.links[0][i], chart.links[1][i])
    assert checked == 2 * (5 + 8) * 2  # 5 age bands and 7 education levels + 未填, two series, two groups
    previous = [link for c in board.charts if c.id.startswith(("secretaries-", "two-committees-")) for link in c.links[1]]
    assert all("as_of=" in link for link in previous) == (not older_filters and "as_of" in AppointmentFilter.base_filters)
    ages = board.chart("secretaries-age")
    assert [s["data"] for s in ages.option["series"]] == [[1, 0, 1, 0, 0], [0, 1, 0, 1, 0]]
    edu = board.chart("two-committees-education")
    assert edu.option["series"][0]["data"][education_index["高中"]] == 1
    assert edu.option["series"][1]["data"][education_index["初中"]] == 1
    assert edu.option["series"][1]["data"][-1] == 1  # 未填 (the secretary aged 36 then)


def test_two_committee_chart_counts_each_person_once(county_user, village_a):
    person = PersonFactory()
    AppointmentFactory(person=person, village=village_a, post=choices.SECRETARY)
    AppointmentFactory(person=person, village=village_a, post=choices.CHAIR)
    AppointmentFactory(village=village_a, post="supervision_member")  # 监委会: not 两委
    board = build_dashboard(county_user)
    assert board.chart("two-committees-age").table.rows[-1][1] == 1
    assert "上届（人）" not in board.chart("two-committees-age").table.headers  # no previous cohort yet
    assert "暂无上一届换届的任职记录" in board.chart("two-committees-age").note


# ---------------------------------------------------------------------------------------------
# Chart export
# ---------------------------------------------------------------------------------------------


def test_chart_table_exports_to_xlsx_and_is_logged(client, clerk_a, two_townships):
    client.force_login(clerk_a)
    response = client.get(reverse("core:dashboard_chart_export", args=["secretaries-age"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert ["分组", "当前（人）", "当前占比（%）"] in values
    total = next(r for r in values if r and r[0] == "合计")
    assert total[1] == 3  # clerk A: three secretaries, nothing from 乙镇
    log = ExportLog.objects.get()
    assert (log.user, log.what, log.rows) == (clerk_a, "首页图表：村(社区)党组织书记年龄结构", 6)


def test_unknown_chart_export_is_404_and_township_chart_is_county_only(client, clerk_a, two_townships):
    client.force_login(clerk_a)
    assert client.get(reverse("core:dashboard_chart_export", args=["nope"])).status_code == 404
    assert client.get(reverse("core:dashboard_chart_export", args=["townships"])).status_code == 404
    assert ExportLog.objects.count() == 0


def test_home_page_has_chart_containers_data_tables_and_echarts_from_static(client, county_user, two_townships):
    client.force_login(county_user)
    html = client.get(reverse("home")).content.decode()
    assert 'data-echart="chart-data-secretaries-age"' in html
    assert '<script id="chart-data-secretaries-age" type="application/json">' in html
    assert "/static/vendor/echarts/echarts.min.js" in html
    assert "/static/js/dashboard.js" in html
    assert (
        html.count('<summary class="small">数据表</summary>') == 8
    )  # 4 structure charts + townships + reserves, training, pay (no review campaign here)


# ---------------------------------------------------------------------------------------------
# Other apps' providers
# ---------------------------------------------------------------------------------------------


def test_other_apps_register_figures_and_queues(client, clerk_a, village_a):
    seen = []

    def figures(user, ctx):
        seen.append((user, ctx.drill))
        return [Figure("demo_reserves", "后备力量", 42, "人", ctx.link("cadres:person_list", current=False))]

    def queues(user, ctx):
        return [QueueItem("demo_due", "入党阶段到期", 3, ctx.link("cadres:person_list"), "danger")]

    register_dashboard_provider("demo", order=50, figures=figures, queues=queues, depends_on=[Person])
    try:
        client.force_login(clerk_a)
        response = client.get(reverse("home"))
    finally:
        dashboard.PROVIDERS.pop("demo")
    html = response.content.decode()
    assert "后备力量" in html and "42" in html and "入党阶段到期" in html
    keys = [q.key for q in response.context["board"].queues]
    assert keys.index("demo_due") < keys.index("first_secretaries_expiring")  # open danger items before the rest
    assert seen == [(clerk_a, None)]


def test_a_write_in_one_domain_recomputes_that_provider_only(client, county_user, township_a, django_assert_num_queries):
    """Each provider is cached under the version of its own tables: a new training session
    recomputes the training figures and charts, while the register, reserves, reviews and pay
    parts stay cached."""
    from tests.training.factories import TrainingSessionFactory

    _villages_with_secretaries(township_a, 3)
    client.force_login(county_user)
    client.get(reverse("home"))  # cold: every part computed and cached
    TrainingSessionFactory(start_date=TODAY, end_date=TODAY)
    # warm (6: session, user, version token, imports live, 2× permissions) + training's own
    # part (6: policy 2, current secretaries COUNT, trained COUNT, township list, hours per township)
    # + its stored copy (1: core.models.DashboardPart)
    with django_assert_num_queries(13):
        response = client.get(reverse("home"))
    assert response.context["board"].from_cache is False
    with django_assert_num_queries(6):
        assert client.get(reverse("home")).context["board"].from_cache is True


def test_morning_warm_up_precomputes_every_scope(county_user, clerk_a, clerk_b, two_townships):
    from core.tasks import dashboard_warm_task

    assert dashboard_warm_task.delay().get() >= 3  # county staff, and each clerk's township
    for user in (county_user, clerk_a, clerk_b):
        assert build_dashboard(user).from_cache is True


def test_data_table_rows_are_escaped_and_linked():
    from core.dashboard import DataTable

    table = DataTable(
        headers=["乡镇", "人数"],
        rows=[["<b>甲镇</b>", 1200], ["乙镇", 3]],
        row_links=["/home/?township=1", ""],
        cell_links=[["", "/people/?township=1"], ["", ""]],
    )
    assert table.body_html() == (
        '<tr><th scope="row"><a href="/home/?township=1">&lt;b&gt;甲镇&lt;/b&gt;</a></th>'
        '<td class="text-end"><a href="/people/?township=1">1,200</a></td></tr>'
        '<tr><th scope="row">乙镇</th><td class="text-end">3</td></tr>'
    )
