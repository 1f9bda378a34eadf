// The plan editor's live check: the plan as the form stands goes to the check endpoint
// (nothing is saved); its problems replace the list above the form. The words come from the
// script tag's data-ok and data-problems (translated by the server).
(function () {
  "use strict";
  var me = document.currentScript;
  var form = document.getElementById("plan-form");
  var box = document.getElementById("plan-problems");
  var status = document.getElementById("live-status");
  if (!form || !box || !status || !me) { return; }
  var okText = me.getAttribute("data-ok") || "";
  var problemsText = me.getAttribute("data-problems") || "";
  var timer = null;
  function show(data) {
    box.textContent = "";
    if (data.ok) { status.textContent = okText; return; }
    status.textContent = "";
    var alert = document.createElement("div");
    alert.className = "alert alert-danger";
    var head = document.createElement("p");
    head.className = "fw-semibold mb-1";
    head.textContent = problemsText;
    alert.appendChild(head);
    var list = document.createElement("ul");
    list.className = "mb-0";
    data.problems.forEach(function (p) {
      var item = document.createElement("li");
      item.textContent = (p.field ? p.field + " — " : "") + p.message;
      list.appendChild(item);
    });
    alert.appendChild(list);
    box.appendChild(alert);
  }
  function check() {
    fetch(form.dataset.check, {method: "POST", body: new FormData(form), credentials: "same-origin"})
      .then(function (r) { return r.json(); }).then(show).catch(function () {});
  }
  form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(check, 300); });
})();
