// 督查统计: draws the dashboard's charts with the vendored Chart.js from the JSON data blocks the
// page carries (no inline script: the CSP allows only our own files). The same numbers are in the
// table under each chart, so the page is complete without this script.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") return;
  var css = getComputedStyle(document.documentElement);
  var accent = css.getPropertyValue("--accent").trim() || "#1f5fa8";
  var ok = css.getPropertyValue("--ok").trim() || "#2e7d32";
  var warn = css.getPropertyValue("--warn").trim() || "#a05a00";
  window.Chart.defaults.font.family = css.fontFamily || "sans-serif";

  function data(canvas) {
    var block = document.getElementById(canvas.dataset.source);
    return block ? JSON.parse(block.textContent) : null;
  }

  var builders = {
    weekly: function (d) {
      return {
        type: "bar",
        data: {
          labels: d.labels,
          datasets: [
            { label: "收案", data: d.intake, backgroundColor: accent },
            { label: "答复", data: d.replies, backgroundColor: ok }
          ]
        },
        options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
      };
    },
    "on-time": function (d) {
      return {
        type: "bar",
        data: {
          labels: d.labels,
          datasets: [{
            label: "按时答复率（%）",
            data: d.rates,
            backgroundColor: d.rates.map(function (r) { return r >= 90 ? ok : warn; })
          }]
        },
        options: {
          indexAxis: "y",
          scales: { x: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } } },
          plugins: { legend: { display: false } }
        }
      };
    }
  };

  document.querySelectorAll("canvas.sv-chart").forEach(function (canvas) {
    var build = builders[canvas.dataset.chart];
    var d = data(canvas);
    if (!build || !d) return;
    var config = build(d);
    config.options.responsive = true;
    config.options.maintainAspectRatio = false;
    config.options.animation = false;
    config.plugins = [{
      id: "rendered",
      afterRender: function (chart) { chart.canvas.dataset.rendered = "1"; }
    }];
    new window.Chart(canvas, config);
  });
})();
