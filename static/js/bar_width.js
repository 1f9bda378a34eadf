// Bars whose width is data (the board's progress bars): the server writes the share in
// data-width (a percentage); the width is set here through the CSSOM, which the strict
// Content-Security-Policy allows (a style="" attribute it would not).
(function () {
  "use strict";
  var bars = document.querySelectorAll("[data-width]");
  for (var i = 0; i < bars.length; i++) {
    var pct = parseFloat(bars[i].getAttribute("data-width"));
    if (!isNaN(pct)) { bars[i].style.width = Math.max(0, Math.min(100, pct)) + "%"; }
  }
})();
