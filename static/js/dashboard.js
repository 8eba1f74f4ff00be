// Touyan dashboard: draws the ECharts charts of the home page and makes every bar/slice a link.
// Each chart container has data-echart="<id of a JSON <script>>" holding {option, links}, where
// links[seriesIndex][dataIndex] is the URL of the filtered list behind that segment.
// Without JavaScript the data tables (in <details>) and their links carry the same information.
(function () {
  "use strict";

  function numberCn(value) {
    return typeof value === "number" ? value.toLocaleString("zh-CN") : value;
  }

  function isEmpty(option) {
    return (option.series || []).every(function (s) {
      return (s.data || []).every(function (v) { return !v || (typeof v === "object" && !v.value); });
    });
  }

  function emptyState(el) {
    // Nothing to draw (all zero): say so instead of an empty axis; the data table stays below.
    el.classList.add("dash-empty", "empty-state");
    el.style.height = "auto";
    el.setAttribute("role", "note");
    el.setAttribute("aria-label", "暂无数据");
    el.textContent = "暂无数据。相关记录录入或导入后，这里会显示图表。";
    el.dataset.ready = "1";
    el.dataset.empty = "1";
  }

  function draw(el) {
    var source = document.getElementById(el.dataset.echart);
    if (!source || !window.echarts) { return null; }
    var payload = JSON.parse(source.textContent);
    var option = payload.option || {};
    if (isEmpty(option)) { emptyState(el); return null; }
    var chart = window.echarts.init(el, null, { renderer: "svg", locale: "ZH" });
    option.tooltip = option.tooltip || {};
    option.tooltip.valueFormatter = numberCn;
    (option.series || []).forEach(function (s) {
      // Bar labels in Chinese number format; none for empty stack segments; no overlapping labels.
      s.label = s.label || {};
      s.label.formatter = function (p) {
        var v = p.value;
        return s.stack && !v ? "" : numberCn(v);
      };
      s.labelLayout = { hideOverlap: true };
    });
    chart.setOption(option);
    var links = payload.links || [];
    chart.on("click", function (params) {
      var row = links[params.seriesIndex] || [];
      var url = row[params.dataIndex];
      if (url) { window.location.href = url; }
    });
    // Keyboard and screen-reader users: the chart is an image; the table below has the same links.
    el.dataset.ready = "1";
    return chart;
  }

  function start() {
    var charts = [];
    document.querySelectorAll("[data-echart]").forEach(function (el) {
      var chart = draw(el);
      if (chart) { charts.push(chart); }
    });
    var timer = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 150);
    });
    window.touyanCharts = charts;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
