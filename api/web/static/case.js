// The case page: with scripts on, a decision's fields follow the outcome select (htmx), so the
// no-script "选择" buttons that re-render the form are not needed.
(function () {
  "use strict";
  document.querySelectorAll("[data-nojs]").forEach(function (button) { button.hidden = true; });
})();
