// The thank-you page follows the gift by itself: while Stripe has not said the
// final word it asks the server every few seconds, swaps in the new body and
// announces its title to screen readers. Without this script a reload does the same.
(function () {
  "use strict";
  var page = document.getElementById("thanks");
  if (!page || !window.fetch || !page.hasAttribute("data-waiting")) { return; }
  var body = document.getElementById("thanks-body");
  var announce = document.getElementById("thanks-announce");
  var url = page.getAttribute("data-state-url");
  var status = page.getAttribute("data-status");
  var started = Date.now();
  // Quick at first (a card is confirmed in seconds), slower for a SEPA debit, and never forever.
  function delay() {
    var elapsed = Date.now() - started;
    return elapsed < 60000 ? 2000 : elapsed < 600000 ? 15000 : -1;
  }
  function ask() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (state && state.status !== status) {
          status = state.status;
          page.setAttribute("data-status", status);
          body.innerHTML = state.html;
          var title = document.getElementById("thanks-title");
          announce.textContent = title ? title.textContent : "";
        }
        if (state && !state.waiting) { return; }
        var next = delay();
        if (next > 0) { window.setTimeout(ask, next); }
      })
      .catch(function () {
        var next = delay();
        if (next > 0) { window.setTimeout(ask, next); }
      });
  }
  window.setTimeout(ask, delay());
})();
