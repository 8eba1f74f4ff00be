"""Exports of the reserve lists (candidate list, coverage) and the coverage page's township filter,
with the home dashboard's bars linking to each township's coverage."""

import io

import openpyxl
import pytest
from django.urls import reverse

from cadres.models import ExportLog
from reserves.choices import Status

from ..factories import VillageFactory
from .factories import ReserveCandidateFactory

pytestmark = pytest.mark.django_db


def _sheet(response):
    assert response.status_code == 200, response.content[:300]
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [[c for c in row] for row in ws.iter_rows(values_only=True)]


def _header_and_rows(rows, first_header):
    start = next(i for i, r in enumerate(rows) if r and r[0] == first_header)
    return rows[start], [r for r in rows[start + 1 :] if any(v is not None for v in r)]


@pytest.fixture
def pool(village_a, village_b):
    a2 = VillageFactory(township=village_a.township, name="甲二村", code="430122100002")
    ReserveCandidateFactory(village=village_a, person__name="甲入库", person__phone="13807310001", pooled=True)
    ReserveCandidateFactory(village=village_a, person__name="甲摸底")
    ReserveCandidateFactory(village=village_b, person__name="乙入库", pooled=True)
    return a2


def test_clerk_exports_only_own_township_candidates(client, clerk_a, pool):
    client.force_login(clerk_a)
    page = client.get(reverse("reserves:candidate_list")).content.decode()
    assert reverse("reserves:candidate_export") in page and "导出Excel" in page
    header, rows = _header_and_rows(_sheet(client.get(reverse("reserves:candidate_export"))), "乡镇(街道)")
    assert sorted(r[header.index("姓名")] for r in rows) == ["甲入库", "甲摸底"]
    assert {r[header.index("乡镇(街道)")] for r in rows} == {"甲镇"}
    log = ExportLog.objects.get()
    assert (log.what, log.rows, log.township_id) == ("后备力量名单", 2, clerk_a.township_id)


def test_personal_columns_are_masked_without_the_permission(client, auditor, pool):
    client.force_login(auditor)
    header, rows = _header_and_rows(_sheet(client.get(reverse("reserves:candidate_export"))), "乡镇(街道)")
    assert len(rows) == 3
    by_name = {r[header.index("姓名")]: r for r in rows}
    assert by_name["甲入库"][header.index("联系电话")] == "138****0001"
    assert all("********" in r[header.index("身份证号")] for r in rows)
    assert ExportLog.objects.get().masked is True


def test_candidate_export_follows_the_list_filter(client, county_user, pool):
    client.force_login(county_user)
    header, rows = _header_and_rows(
        _sheet(client.get(reverse("reserves:candidate_export") + f"?status={Status.POOLED}")), "乡镇(街道)"
    )
    assert sorted(r[header.index("姓名")] for r in rows) == ["乙入库", "甲入库"]
    assert all("*" not in r[header.index("身份证号")] for r in rows)  # county staff see full numbers


def test_coverage_township_filter_and_export(client, county_user, township_a, pool):
    client.force_login(county_user)
    response = client.get(reverse("reserves:coverage") + f"?cohort=2026&township={township_a.pk}")
    assert response.status_code == 200
    assert [v.name for v in response.context["villages"]] == ["甲一村", "甲二村"]
    assert response.context["county"]["villages"] == 2 and response.context["county"]["members"] == 1
    html = response.content.decode()
    assert "甲镇后备力量覆盖情况（2026届）" in html
    assert f"{reverse('reserves:coverage_export')}?cohort=2026&amp;township={township_a.pk}" in html
    header, rows = _header_and_rows(
        _sheet(client.get(reverse("reserves:coverage_export") + f"?cohort=2026&township={township_a.pk}")), "乡镇(街道)"
    )
    assert header == ["乡镇(街道)", "村(社区)", "入库人数", "目标人数", "办理中", "是否达标", "缺口"]
    assert rows == [["甲镇", "甲一村", 1, 2, 1, "未达标", 1], ["甲镇", "甲二村", 0, 2, 0, "未达标", 2]]


def test_clerk_coverage_of_another_township_is_404_and_export_is_own_only(client, clerk_a, township_b, pool):
    client.force_login(clerk_a)
    assert client.get(reverse("reserves:coverage") + f"?township={township_b.pk}").status_code == 404
    assert client.get(reverse("reserves:coverage_export") + f"?township={township_b.pk}").status_code == 404
    assert client.get(reverse("reserves:coverage") + "?township=x").status_code == 404
    _header, rows = _header_and_rows(_sheet(client.get(reverse("reserves:coverage_export") + "?cohort=2026")), "乡镇(街道)")
    assert {r[0] for r in rows} == {"甲镇"} and len(rows) == 2


def test_dashboard_bars_and_cells_open_each_townships_coverage(client, county_user, township_a, township_b, pool):
    client.force_login(county_user)
    board = client.get(reverse("home")).context["board"]
    chart = board.chart("reserves-coverage")
    names = [row[0] for row in chart.table.rows[:-1]]
    assert names == ["甲镇", "乙镇"]
    expected = [
        reverse("reserves:coverage") + f"?cohort=2026&township={township_a.pk}",
        reverse("reserves:coverage") + f"?cohort=2026&township={township_b.pk}",
    ]
    assert chart.links == [expected, expected]
    assert [cells[2] for cells in chart.table.cell_links] == expected
    assert [cells[3] for cells in chart.table.cell_links] == expected
    for link, row in zip(expected, chart.table.rows, strict=False):
        context = client.get(link).context
        assert (context["county"]["villages"], context["county"]["meeting"]) == (row[1], row[2]), link
    # the drill-down keeps its township
    drilled = client.get(reverse("home") + f"?township={township_b.pk}").context["board"].chart("reserves-coverage")
    assert drilled.links[0] == [expected[1]]


def test_candidate_export_query_count_does_not_grow_with_rows(client, county_user, village_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(county_user)
    counts = []
    for n in (1, 20):
        for i in range(n):
            ReserveCandidateFactory(village=village_a, pooled=i % 2 == 0)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("reserves:candidate_export")).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1], counts


def test_county_coverage_page_is_by_township_with_the_same_figures(client, county_user, township_a, pool):
    """The county's first screen: the township table and county totals, no village rows (those
    are on each township's page and in the export); figures equal the per-village computation."""
    from reserves import selectors

    client.force_login(county_user)
    response = client.get(reverse("reserves:coverage") + "?cohort=2026")
    assert response.status_code == 200 and response.context["by_village"] is False
    assert response.context["villages"] == [] and response.context["below"] == []
    full = selectors.coverage(user=county_user, cohort=2026)
    assert response.context["county"] == full["county"]
    assert response.context["townships"] == full["townships"]
    html = response.content.decode()
    assert "全县3个村(社区)中3个未达目标" in html and "各村(社区)</h2>" not in html
    assert f"?cohort=2026&amp;township={township_a.pk}" in html  # each township opens its villages


def test_clerk_coverage_page_lists_the_villages_of_the_own_township(client, clerk_a, pool):
    client.force_login(clerk_a)
    response = client.get(reverse("reserves:coverage") + "?cohort=2026")
    assert response.context["by_village"] is True
    assert [v.name for v in response.context["villages"]] == ["甲一村", "甲二村"]


def test_county_coverage_page_query_count_does_not_grow_with_villages(
    client, county_user, township_a, django_assert_max_num_queries
):
    for i in range(30):
        VillageFactory(township=township_a, code=f"43012210{i + 100:04d}")
    client.force_login(county_user)
    # session, user, policy ×2, per-village counts, townships, 2× permissions (nav), township options, proposals
    with django_assert_max_num_queries(10):
        response = client.get(reverse("reserves:coverage") + "?cohort=2026")
    assert response.context["county"]["villages"] == 30
