// Sends the chosen spreadsheet to the import endpoint and shows its per-cell report; the page
// reloads only when everything was imported (nothing is imported otherwise).
(function () {
  var input = document.getElementById("import-file");
  var report = document.getElementById("import-report");
  if (!input || !report) return;
  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    if (!file) return;
    report.textContent = "…";
    fetch(input.dataset.url, {
      method: "POST",
      headers: { "x-csrf-token": input.dataset.csrf, "content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
      body: file
    }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    }).then(function (res) {
      if (res.ok) { window.location.reload(); return; }
      report.textContent = "";
      var p = document.createElement("p");
      p.textContent = res.body.message || "";
      report.appendChild(p);
      var ul = document.createElement("ul");
      (res.body.fields || []).forEach(function (f) {
        var li = document.createElement("li");
        li.textContent = f.field + "：" + f.message + (f.value ? "（" + f.value + "）" : "");
        ul.appendChild(li);
      });
      report.appendChild(ul);
    });
  });
})();
