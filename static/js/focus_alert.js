// After a refused form, move the focus to the summary of what to fix: the first
// .alert[role="alert"][tabindex="-1"], inside the script tag's data-scope when it has one.
(function () {
  "use strict";
  var me = document.currentScript;
  var scope = (me && me.getAttribute("data-scope")) || "";
  var box = document.querySelector((scope ? scope + " " : "") + '.alert[role="alert"][tabindex="-1"]');
  if (box) { box.focus(); }
})();
