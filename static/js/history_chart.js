// The history pages' Chart.js chart (templates/history/_chart.html), drawn from the JSON data
// block #history-chart-data (a data block is not executed: the CSP allows it).
(function () {
  "use strict";
  var canvas = document.getElementById("history-chart");
  var source = document.getElementById("history-chart-data");
  if (!canvas || !source || !window.Chart) { return; }
  var data = JSON.parse(source.textContent);
  // Colours that stay apart for the common colour-vision deficiencies (Okabe–Ito).
  var palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
  var unit = canvas.dataset.kind === "unit";
  var datasets = data.series.map(function (s, i) {
    if (unit && i === 1) {
      return {type: "line", label: s.label, data: s.data, borderColor: "#495057", backgroundColor: "#495057",
              borderDash: [6, 4], pointRadius: 5, pointStyle: "rectRot", order: 0, spanGaps: true};
    }
    return {type: "bar", label: s.label, data: s.data, backgroundColor: palette[i % palette.length],
            borderColor: palette[i % palette.length], maxBarThickness: 56, order: 1, pointStyle: "rect"};
  });
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  new window.Chart(canvas, {
    data: {labels: data.years.map(String), datasets: datasets},
    options: {
      locale: canvas.dataset.locale, responsive: true, maintainAspectRatio: false,
      animation: still ? false : {duration: 400},
      scales: {y: {beginAtZero: true, title: {display: true, text: canvas.dataset.yTitle}}},
      plugins: {legend: {position: "bottom", labels: {usePointStyle: true, boxWidth: 10, sort: function (a, b) { return a.datasetIndex - b.datasetIndex; }}}}
    }
  });
})();
