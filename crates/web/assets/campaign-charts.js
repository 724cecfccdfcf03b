// Draws the campaign dashboard's charts from the JSON the page embeds; no data is fetched.
(function () {
  if (typeof echarts === "undefined") return;
  var read = function (id) { return JSON.parse(document.getElementById(id).textContent || "[]"); };
  var zones = read("data-zones");
  var forms = read("data-forms");
  var labels = JSON.parse(document.getElementById("chart-zones").dataset.series || "[]");
  var bar = echarts.init(document.getElementById("chart-zones"));
  var series = function (i) { return zones.map(function (z) { return z[i]; }); };
  bar.setOption({
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 40, right: 20, top: 30, bottom: 60 },
    xAxis: { type: "category", data: series(0), axisLabel: { interval: 0, rotate: 30 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [1, 2, 3].map(function (i) {
      return { name: labels[i - 1] || "", type: "bar", data: series(i), label: { show: true, position: "top" } };
    })
  });
  var pie = echarts.init(document.getElementById("chart-forms"));
  pie.setOption({
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: ["35%", "65%"], data: forms.map(function (f) { return { name: f[0], value: f[1] }; }) }]
  });
  window.addEventListener("resize", function () { bar.resize(); pie.resize(); });
})();
