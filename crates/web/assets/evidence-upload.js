// Attaches a file to an interview: uploaded to the evidence store with the resumable tus
// protocol (the server hashes it with SHA-256 and SM3 as it arrives), then attached by the
// evidence id the completed upload returns. The page reloads to show the file in the list.
(function () {
  "use strict";
  var form = document.getElementById("attach-form");
  if (!form) return;
  var d = form.dataset;
  var status = document.getElementById("attach-status");
  function b64(s) { return btoa(unescape(encodeURIComponent(s))); }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var file = form.querySelector("input[type=file]").files[0];
    if (!file) return;
    var kind = form.querySelector("select[name=kind]").value;
    status.textContent = d.uploading;
    var tus = { "tus-resumable": "1.0.0", "x-csrf-token": d.csrf };
    fetch("/api/v1/evidence/uploads", {
      method: "POST",
      credentials: "same-origin",
      headers: Object.assign({
        "upload-length": String(file.size),
        "upload-metadata": "filename " + b64(file.name) + ",filetype " + b64(file.type || "application/octet-stream")
      }, tus)
    }).then(function (r) {
      if (r.status !== 201) throw new Error(String(r.status));
      return fetch(r.headers.get("location"), {
        method: "PATCH",
        credentials: "same-origin",
        headers: Object.assign({ "content-type": "application/offset+octet-stream", "upload-offset": "0" }, tus),
        body: file
      });
    }).then(function (r) {
      var id = r.headers.get("x-evidence-id");
      if (!r.ok || !id) throw new Error(String(r.status));
      return fetch("/api/v1/interviews/" + encodeURIComponent(d.interview) + "/files", {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json", "x-csrf-token": d.csrf },
        body: JSON.stringify({ evidence_file_id: id, kind: kind })
      });
    }).then(function (r) {
      if (!r.ok) return r.json().then(function (b) { throw new Error(b.message || String(r.status)); });
      status.textContent = d.done;
      window.location.reload();
    }).catch(function (e) {
      status.textContent = d.failed + " " + e.message;
    });
  });
})();
