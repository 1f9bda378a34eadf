// A button with data-confirm asks before it submits (keyboard activation fires "click" too).
// A static file, not an inline script: the Content-Security-Policy allows script-src 'self' only.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
  });
})();
