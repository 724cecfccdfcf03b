// A plan item's evidence files: before the owner's submission leaves, each chosen file is sent
// to the item's file endpoint and the ids it answers go into the form's file_ids; a refused
// file stops the submission with the server's reason, so nothing is submitted half-attached.
(function () {
  document.querySelectorAll("form.act-form input[type=file][data-url]").forEach(function (input) {
    var form = input.form;
    var report = form.querySelector(".file-report");
    form.addEventListener("submit", function (ev) {
      var files = Array.prototype.slice.call(input.files || []);
      if (files.length === 0 || form.dataset.sent === "1") return;
      ev.preventDefault();
      var ids = form.querySelector("input[name=file_ids]");
      report.textContent = "…";
      files.reduce(function (done, file) {
        return done.then(function (acc) {
          return fetch(input.dataset.url + "?name=" + encodeURIComponent(file.name), {
            method: "POST",
            headers: { "x-csrf-token": input.dataset.csrf, "content-type": file.type || "application/octet-stream" },
            body: file
          }).then(function (r) {
            return r.json().then(function (body) {
              if (!r.ok) throw new Error((body.fields && body.fields[0] && body.fields[0].message) || body.message || r.status);
              return acc.concat([body.id]);
            });
          });
        });
      }, Promise.resolve([])).then(function (got) {
        ids.value = (ids.value ? ids.value + "," : "") + got.join(",");
        form.dataset.sent = "1";
        input.value = "";
        form.submit();
      }).catch(function (e) {
        report.textContent = file_error(e);
      });
    });
  });
  function file_error(e) { return String(e && e.message ? e.message : e); }
})();
