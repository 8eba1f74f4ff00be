"""Journey 3: county staff open the dashboard and click through a chart to the filtered list behind it.

What the dashboard promises (issue #8; core/dashboard.py, cadres/dashboard.py, templates/core/home.html,
static/js/dashboard.js): every chart is a ``figure.dash-chart`` whose ``.dash-echart`` element is an
ECharts instance (``data-ready="1"`` once drawn; a chart with no data shows a ``data-empty="1"``
note instead, so the county here gets every app's demo data); a click on a bar opens the filtered list behind it;
every chart has a data table (``details.dash-table``) whose row links lead to the same lists. The
chart "村(社区)党组织书记年龄结构" (``#chart-secretaries-age``) counts the current secretaries by
age band.
"""

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from cadres import choices
from cadres.models import Appointment
from core import dates as core_dates
from core import services as core_services

from .conftest import expect, login, shot
from .county import build_county, seed_apps

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AGE_BANDS = {"35岁及以下": (0, 35), "36–45岁": (36, 45), "46–55岁": (46, 55), "56–60岁": (56, 60), "61岁及以上": (61, 200)}

# Centre of bar ``index`` of series 0, in page coordinates, once the chart has stopped animating.
BAR_CENTRE_JS = """([el, index]) => {
  const chart = window.echarts.getInstanceByDom(el);
  const layout = chart.getModel().getSeriesByIndex(0).getData().getItemLayout(index);
  const box = el.getBoundingClientRect();
  return {x: box.left + layout.x + layout.width / 2, y: box.top + layout.y + layout.height / 2};
}"""
CHART_IDLE_JS = """(el) => {
  const chart = window.echarts && window.echarts.getInstanceByDom(el);
  return !!chart && el.dataset.ready === "1" && chart.getZr().animation.isFinished();
}"""


def _secretaries_by_band(today: datetime.date) -> dict[str, set[str]]:
    bands = {label: set() for label in AGE_BANDS}
    for a in Appointment.objects.current().secretaries().select_related("person"):
        age = a.person.age_on(today)
        label = next(label for label, (low, high) in AGE_BANDS.items() if low <= age <= high)
        bands[label].add(a.person.name)
    return bands


def _listed_names(page) -> set[str]:
    rows = page.locator("main table tbody tr:not(:has(.empty-state))")
    return {rows.nth(i).locator("td").first.inner_text().strip() for i in range(rows.count())}


def _query(url: str) -> tuple[str, dict]:
    parts = urlsplit(url)
    return parts.path, parse_qs(parts.query)


def test_county_clicks_through_a_chart_to_the_filtered_list(page, site):
    county = build_county()
    today = core_dates.today()
    core_services.policy_profile_create(by=county.county_user, year=today.year)
    seed_apps(county)  # reserves, training, reviews and pay: every chart of the page has data
    expected = _secretaries_by_band(today)
    assert sum(len(names) for names in expected.values()) == 8
    login(page, site, "zhou_jh")
    expect(page).to_have_title("首页 · 头雁")

    # every chart is drawn and has a data table with links
    charts = page.locator("figure.dash-chart")
    expect(charts.first).to_be_visible()
    assert charts.count() >= 4
    for i in range(charts.count()):
        chart = charts.nth(i)
        page.wait_for_function(CHART_IDLE_JS, arg=chart.locator(".dash-echart").element_handle())
        assert chart.locator(".dash-echart svg, .dash-echart canvas").count() >= 1
        links = chart.locator("details.dash-table table a[href]").count()
        assert links >= 1, f"{chart.get_attribute('id')}: the chart's data table has no links to the lists behind it"
    # 1366 px: 待办 runs beside the figures and the charts
    figures_box, queue_box = (page.locator(s).bounding_box() for s in (".dash-figures-area", ".dash-queue-area"))
    assert queue_box["x"] > figures_box["x"] + figures_box["width"] - 1 and queue_box["y"] == figures_box["y"]
    ids = set(charts.evaluate_all("figures => figures.map(f => f.id)"))
    assert {"chart-secretaries-age", "chart-secretaries-education", "chart-townships"} <= ids, ids
    assert len(ids) >= 8, ids  # 4 structure charts, townships, and the other apps' charts
    shot(page, "home", full_page=True)

    figure = page.locator("#chart-secretaries-age")
    expect(figure.get_by_role("heading")).to_have_text("村(社区)党组织书记年龄结构")
    figure.locator("details.dash-table summary").click()
    table = figure.locator("details.dash-table table")
    expect(table).to_be_visible()

    hrefs = dict(
        table.locator("tbody th a").evaluate_all("links => links.map(a => [a.textContent.trim(), a.getAttribute('href')])")
    )
    assert set(hrefs) == set(AGE_BANDS), hrefs
    # two different, non-empty age bands (which ones depends on today's date)
    by_table, by_bar = sorted((b for b in AGE_BANDS if expected[b]), key=lambda b: (-len(expected[b]), b))[:2]
    assert 0 < len(expected[by_table]) < 8 and expected[by_table].isdisjoint(expected[by_bar])

    # 1. the data table: the row's figure, its link, and the list behind it
    row = table.locator("tbody tr", has=page.get_by_role("link", name=by_table, exact=True))
    assert int(row.locator("td").first.inner_text()) == len(expected[by_table])
    row.get_by_role("link", name=by_table, exact=True).click()
    expect(page).to_have_title("人员名册 · 头雁")
    path, query = _query(page.url)
    assert path == "/people/" and query["post"] == [choices.SECRETARY]
    assert _query(page.url) == _query(site + hrefs[by_table])
    assert _listed_names(page) == expected[by_table]

    # 2. a click on the bar itself (the rendered chart, not the table) opens the list behind that bar
    page.go_back()
    element = page.locator("#chart-secretaries-age .dash-echart")
    page.wait_for_function(CHART_IDLE_JS, arg=element.element_handle())
    element.scroll_into_view_if_needed()  # mouse coordinates are the viewport's
    point = page.evaluate(BAR_CENTRE_JS, [element.element_handle(), list(AGE_BANDS).index(by_bar)])
    page.mouse.click(point["x"], point["y"])
    expect(page).to_have_url(re.compile(r"/people/\?"))
    assert _query(page.url) == _query(site + hrefs[by_bar])  # the same list as that row of the data table
    assert _listed_names(page) == expected[by_bar]
    assert page.js_errors == []


def test_county_drills_down_to_a_township_with_the_keyboard(page, site):
    """The township select does not reload while one arrows through it; 查看 (Enter) applies it."""
    county = build_county()
    login(page, site, "zhou_jh")
    select = page.get_by_label("按乡镇(街道)查看")
    select.focus()
    for _ in range(2):
        page.keyboard.press("ArrowDown")
    expect(select).to_have_value(str(county.townships["青山镇"].pk))
    expect(page).to_have_url(f"{site}/")  # no reload on change
    page.keyboard.press("Tab")
    button = page.get_by_role("button", name="查看", exact=True)
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{site}/?township={county.townships['青山镇'].pk}")
    expect(page).to_have_title("首页 · 青山镇 · 头雁")
    expect(page.locator("main h1")).to_contain_text("青山镇")
    secretaries = page.locator("[data-figure=secretaries]")
    expect(secretaries).to_contain_text("3人")  # 青山村, 枫树村, 新塘村
    expect(page.get_by_role("link", name="返回全县")).to_be_visible()
    assert page.js_errors == []
