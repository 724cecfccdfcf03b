// Draws the rating dashboard's charts from the JSON the page embeds; no data is fetched.
(function () {
  if (typeof echarts === "undefined") return;
  var read = function (id) { return JSON.parse(document.getElementById(id).textContent || "null"); };
  var grades = ["A", "B", "C"];
  var charts = [];
  var dist = read("data-distribution") || [];
  var bars = echarts.init(document.getElementById("chart-distribution"));
  bars.setOption({
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 40, right: 20, top: 30, bottom: 60 },
    xAxis: { type: "category", data: dist.map(function (d) { return d[0]; }), axisLabel: { interval: 0, rotate: 30 } },
    yAxis: { type: "value", minInterval: 1 },
    series: grades.map(function (g, i) {
      return { name: g, type: "bar", stack: "grades", data: dist.map(function (d) { return d[i + 1]; }) };
    })
  });
  charts.push(bars);
  var matrix = read("data-transitions");
  var el = document.getElementById("chart-transitions");
  if (matrix) {
    var axes = JSON.parse(el.dataset.axes || "[]");
    var cells = [];
    var max = 1;
    matrix.forEach(function (row, i) {
      row.forEach(function (n, j) { cells.push([j, i, n]); if (n > max) max = n; });
    });
    var heat = echarts.init(el);
    heat.setOption({
      tooltip: { position: "top" },
      grid: { left: 60, right: 20, top: 20, bottom: 60 },
      xAxis: { type: "category", data: grades, name: axes[1] || "" },
      yAxis: { type: "category", data: grades, name: axes[0] || "", inverse: true },
      visualMap: { min: 0, max: max, show: false },
      series: [{ type: "heatmap", data: cells, label: { show: true } }]
    });
    charts.push(heat);
  }
  var series = read("data-series") || [];
  var s = document.getElementById("chart-series");
  var line = echarts.init(s);
  line.setOption({
    tooltip: { trigger: "axis" },
    grid: { left: 40, right: 20, top: 30, bottom: 60 },
    xAxis: { type: "category", data: series.map(function (p) { return p[0]; }) },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: s.dataset.name || "C", type: "line", data: series.map(function (p) { return p[1]; }), label: { show: true } }]
  });
  charts.push(line);
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
