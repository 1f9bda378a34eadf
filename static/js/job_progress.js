// A background job's page: ask the API for its progress every second and reload the page
// when it has ended (the result is shown by the server). No inline script: CSP.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var bar = document.querySelector(".job-progress-bar");
  if (bar) { bar.style.width = (bar.getAttribute("data-pct") || "0") + "%"; }
  var state = box.getAttribute("data-status");
  if (state !== "queued" && state !== "running") { return; }
  var url = box.getAttribute("data-status-url");
  function tick() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) { return; }
        if (s.status !== "queued" && s.status !== "running") { window.location.reload(); return; }
        if (s.total && bar) {
          var pct = Math.floor((s.done || 0) * 100 / s.total);
          bar.style.width = pct + "%";
          bar.textContent = pct + "%";
          bar.parentNode.setAttribute("aria-valuenow", String(pct));
          var msg = document.getElementById("job-message");
          if (msg) { msg.textContent = (s.done || 0) + "/" + s.total + " — " + (s.message || ""); }
        }
        window.setTimeout(tick, 1000);
      })
      .catch(function () { window.setTimeout(tick, 3000); });
  }
  window.setTimeout(tick, 1000);
}());
