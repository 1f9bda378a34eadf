/* Running totals on the scoring pages (self-scores, verification): the total of what is typed,
   before it is saved, by the server's rule (core/services/scoring.py ``totals``): the lines of
   a bonus group add up to at most its cap, those of a deduction group to at least minus its
   cap. A static file (the Content Security Policy allows no unsigned inline script); the
   server's saved totals stay where they are, this one is marked "chưa lưu".

   The page marks: form[data-running-total] (the id of the <output>), table[data-kind]
   [data-cap] for each group, tr[data-value] (a line's value when it has no input) and
   tr[data-fallback] (its value when the input is left empty). */
(function () {
  "use strict";

  function parse(text) {
    var cleaned = String(text || "").trim().replace(/\u2212/g, "-").replace(",", ".");
    if (cleaned === "") { return null; }
    if (!/^[-+]?\d+(\.\d+)?$/.test(cleaned)) { return NaN; }
    return Number(cleaned);
  }

  function shown(value) {
    var rounded = Math.round(value * 100) / 100;
    var text = String(rounded).replace(".", ",");
    return rounded < 0 ? "\u2212" + text.slice(1) : text;
  }

  function lineValue(row) {
    var input = row.querySelector("input[inputmode='decimal']");
    if (!input) { return parse(row.getAttribute("data-value")) || 0; }
    var typed = parse(input.value);
    if (typed === null) { return parse(row.getAttribute("data-fallback")) || 0; }
    return typed;
  }

  function total(form) {
    var sum = 0;
    var tables = document.querySelectorAll("table[data-kind]");
    for (var t = 0; t < tables.length; t++) {
      var table = tables[t];
      var group = 0;
      var rows = table.querySelectorAll("tbody tr[data-value]");
      for (var r = 0; r < rows.length; r++) {
        var value = lineValue(rows[r]);
        if (isNaN(value)) { return NaN; }
        group += value;
      }
      var cap = parse(table.getAttribute("data-cap"));
      var kind = table.getAttribute("data-kind");
      if (kind === "bonus" && cap !== null) { group = Math.min(group, cap); }
      if (kind === "deduction" && cap !== null) { group = Math.max(group, -cap); }
      sum += group;
    }
    return sum;
  }

  function start(form) {
    var output = document.getElementById(form.getAttribute("data-running-total"));
    if (!output) { return; }
    var holder = output.closest(".running-total");
    function update() {
      var value = total(form);
      output.textContent = isNaN(value) ? "\u2014" : shown(value);
      if (holder) { holder.hidden = false; }
    }
    form.addEventListener("input", update);
    update();
  }

  function ready() {
    var forms = document.querySelectorAll("form[data-running-total]");
    for (var i = 0; i < forms.length; i++) { start(forms[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
}());
