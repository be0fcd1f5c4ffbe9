// Draws every figure on the page from the JSON the server embedded (json_script), with the local
// plotly.js and local topojson: nothing is fetched from outside the intranet.
(function () {
  "use strict";
  var topojsonURL = document.body.getAttribute("data-topojson-url");
  var drawn = [];
  document.querySelectorAll("[data-figure]").forEach(function (div) {
    var source = document.getElementById(div.getAttribute("data-figure"));
    if (!source) { return; }
    var fig = JSON.parse(source.textContent);
    var config = {responsive: true, displaylogo: false, topojsonURL: topojsonURL,
                  modeBarButtonsToRemove: ["sendChartToCloud"]};
    drawn.push(Plotly.newPlot(div, fig.data, fig.layout || {}, config).then(function () {
      div.setAttribute("data-rendered", "1");
    }));
  });
  // The charts above an #anchor grow as they are drawn and push it down: go back to it once all are drawn,
  // so a form that reloads the page (the map's colouring, the card filter) leaves the reader where they were.
  Promise.all(drawn).then(function () {
    var target = location.hash && document.getElementById(location.hash.slice(1));
    if (target) { target.scrollIntoView(); }
  });
})();

// Buttons that print the page (no inline handlers: the Content-Security-Policy allows scripts from static/ only).
document.querySelectorAll("[data-action=print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});

// A select marked data-autosubmit sends its form when changed; the form's action keeps the reader's place
// (an #anchor) and its hidden inputs keep the page's other filters.
document.querySelectorAll("[data-autosubmit]").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});
