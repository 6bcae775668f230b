// 登记申请: show only the dates the chosen channel needs (Art 31). Without this script every
// date field stays visible, with help text saying which channel it is for.
(function () {
  "use strict";
  var select = document.querySelector("[data-channel-select]");
  if (!select) return;
  function show() {
    document.querySelectorAll(".fact[data-channels]").forEach(function (fact) {
      var wanted = fact.dataset.channels.split(" ").indexOf(select.value) >= 0;
      var filled = Array.prototype.some.call(fact.querySelectorAll("input"), function (input) {
        return input.value !== "";
      });
      // a date already typed, or refused by the server, stays in sight
      fact.hidden = !wanted && !filled && !fact.querySelector(".has-error");
    });
  }
  select.addEventListener("change", show);
  show();
})();
