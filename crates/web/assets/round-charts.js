// Draws a round's charts from the JSON the page embeds; no data is fetched.
(function () {
  if (typeof echarts === "undefined") return;
  var read = function (id) { return JSON.parse(document.getElementById(id).textContent || "[]"); };
  var categories = read("data-category");
  var states = read("data-state");
  var bar = echarts.init(document.getElementById("chart-category"));
  bar.setOption({
    grid: { left: 110, right: 20, top: 10, bottom: 20 },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: categories.map(function (c) { return c[0]; }) },
    series: [{ type: "bar", data: categories.map(function (c) { return c[1]; }), label: { show: true, position: "right" } }]
  });
  var pie = echarts.init(document.getElementById("chart-state"));
  pie.setOption({
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: ["35%", "65%"], data: states.map(function (s) { return { name: s[0], value: s[1] }; }) }]
  });
  window.addEventListener("resize", function () { bar.resize(); pie.resize(); });
})();
