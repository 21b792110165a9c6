// Live jobs table: re-fetch the server-rendered table fragment every few seconds and swap it in.
// Without JavaScript the page is complete as served; this only keeps it fresh.
(function () {
  "use strict";
  var region = document.querySelector("[data-live]");
  if (!region || !window.fetch) { return; }
  var url = region.getAttribute("data-live");
  var every = Number(region.getAttribute("data-live-every")) || 5000;
  function refresh() {
    fetch(url, { headers: { Accept: "text/html" }, cache: "no-store" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) { region.innerHTML = html; } })
      .catch(function () { /* keep the last table; try again next tick */ })
      .then(function () { window.setTimeout(refresh, every); });
  }
  window.setTimeout(refresh, every);
})();
