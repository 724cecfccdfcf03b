// The live transcript editor: question/answer pairs, saved a moment after each change as a
// new version (the server keeps every version); a stale base is reported, never overwritten.
(function () {
  "use strict";
  var root = document.getElementById("transcript");
  if (!root) return;
  var d = root.dataset;
  var base = parseInt(d.base, 10) || 0;
  var status = document.getElementById("transcript-status");
  var version = document.getElementById("transcript-version");
  var timer = null;
  var saving = false;
  var again = false;

  function pair(q, a) {
    var li = document.createElement("div");
    li.className = "qa";
    var ql = document.createElement("label");
    ql.textContent = d.q;
    var qt = document.createElement("textarea");
    qt.className = "q";
    qt.rows = 2;
    qt.maxLength = 10000;
    qt.value = q;
    var al = document.createElement("label");
    al.textContent = d.a;
    var at = document.createElement("textarea");
    at.className = "a";
    at.rows = 3;
    at.maxLength = 10000;
    at.value = a;
    ql.appendChild(qt);
    al.appendChild(at);
    li.appendChild(ql);
    li.appendChild(al);
    root.appendChild(li);
    qt.addEventListener("input", schedule);
    at.addEventListener("input", schedule);
    return qt;
  }

  function entries() {
    var out = [];
    root.querySelectorAll(".qa").forEach(function (el) {
      out.push({ question: el.querySelector(".q").value, answer: el.querySelector(".a").value });
    });
    return out;
  }

  function schedule() {
    status.textContent = "";
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 800);
  }

  function save() {
    timer = null;
    if (saving) { again = true; return; }
    saving = true;
    status.textContent = d.saving;
    fetch("/api/v1/interviews/" + encodeURIComponent(d.interview) + "/transcript", {
      method: "PUT",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": d.csrf },
      body: JSON.stringify({ base: base, entries: entries() })
    }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, status: r.status, body: body }; });
    }).then(function (res) {
      if (res.ok) {
        base = res.body.number;
        version.textContent = d.version + base;
        status.textContent = d.saved + " " + d.version + base;
        status.dataset.version = String(base);
      } else if (res.status === 409) {
        status.textContent = d.conflict;
      } else {
        status.textContent = d.failed + " " + (res.body.message || "");
      }
    }).catch(function () {
      status.textContent = d.failed;
    }).then(function () {
      saving = false;
      if (again) { again = false; save(); }
    });
  }

  var initial = [];
  try { initial = JSON.parse(d.entries || "[]"); } catch (e) { initial = []; }
  initial.forEach(function (e) { pair(e.question, e.answer); });
  if (initial.length === 0) pair("", "");
  document.getElementById("transcript-add").addEventListener("click", function () {
    pair("", "").focus();
  });
})();
