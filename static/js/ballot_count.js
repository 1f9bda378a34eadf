// The approval ballot: how many are chosen, as the voter ticks (the server checks the ballot
// all the same). The sentences come from the script tag's data-said ("{n}", "{max}") and
// data-over ("{n}"), translated by the server.
(function () {
  "use strict";
  var me = document.currentScript;
  var form = document.getElementById("ballot-form"), out = document.getElementById("ballot-count");
  if (!form || !out || !me) { return; }
  var max = parseInt(form.getAttribute("data-max"), 10);
  var said = me.getAttribute("data-said") || "", over = me.getAttribute("data-over") || "";
  function update() {
    var n = form.querySelectorAll('input[name="choices"]:checked').length;
    out.textContent = said.replace("{n}", n).replace("{max}", max) + (n > max ? " " + over.replace("{n}", n - max) : "");
    out.classList.toggle("text-danger", n > max);
  }
  form.addEventListener("change", update);
  update();
})();
