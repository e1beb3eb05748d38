// Covering the fees: mirrors the server's estimate (donations/fees.py) as the amount,
// the box or the method change, in the donation form and in the widget. The server
// computes the sum again when the form is sent; without this script the page still
// shows the estimate it was drawn with.
(function () {
  "use strict";

  function cents(text) {
    var match = /^\s*(\d{1,9})(?:[.,](\d{1,2}))?\s*€?\s*$/.exec(text || "");
    if (!match) { return 0; }
    return parseInt(match[1], 10) * 100 + (match[2] ? parseInt((match[2] + "0").slice(0, 2), 10) : 0);
  }

  // The fee on a charge: ceil(charge × rate / 10 000) + fixed, in cents (integers only).
  function feeOn(charged, formula) {
    return Math.ceil(charged * formula.rate / 10000) + formula.fixed;
  }

  function covering(gift, formula) {
    if (!gift) { return 0; }
    var total = Math.ceil((gift + formula.fixed) * 10000 / (10000 - formula.rate));
    while (total - feeOn(total, formula) < gift) { total += 1; }
    return total - gift;
  }

  var money = new Intl.NumberFormat(document.documentElement.lang === "en" ? "en-IE" : "fr-FR",
                                    { style: "currency", currency: "EUR" });
  function euros(value) { return money.format(value / 100); }
  // Only a changed text is written: rewriting the same one moves the browser's scroll anchor,
  // which can shift the page under a pointer between its press and its release.
  function show(node, value) {
    if (node.textContent !== value) { node.textContent = value; }
  }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) { return values[name] !== undefined ? values[name] : whole; });
  }

  var form = document.getElementById("donation-form");
  var box = document.getElementById("cover-fees");
  if (form && box) {
    var formulas = JSON.parse(box.getAttribute("data-fees"));
    var summary = document.getElementById("fees-summary");
    var methods = box.querySelector(".radios");
    var update = function () {
      var gift = cents(form.elements.amount.value);
      var covered = form.elements.cover_fees.checked;
      var methodInput = form.querySelector('input[name="fees_method"]:checked');
      var method = methodInput ? methodInput.value : "card";
      if (methods && methods.hidden !== !covered) { methods.hidden = !covered; }
      var fees = covered ? covering(gift, formulas[method]) : 0;
      show(summary, fees ? fill(box.getAttribute("data-summary"), {
        total: euros(gift + fees), gift: euros(gift), fees: euros(fees)
      }) : "");
    };
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  }

  var widget = document.getElementById("donation-widget");
  var widgetFees = document.getElementById("widget-fees");
  if (widget && widgetFees) {
    var cardFormula = JSON.parse(widgetFees.getAttribute("data-fees")).card;
    var text = document.getElementById("widget-fees-text");
    var refresh = function () {
      var checked = widget.querySelector('input[name="amount"]:checked');
      var other = widget.querySelector('input[name="other_amount"]');
      var gift = cents(!checked || checked.value === "other" ? (other ? other.value : "") : checked.value);
      var fees = covering(gift, cardFormula);
      show(text, fees ? fill(widgetFees.getAttribute("data-text"), { fees: euros(fees), total: euros(gift + fees) }) : "");
    };
    widget.addEventListener("input", refresh);
    widget.addEventListener("change", refresh);
    refresh();
  }
})();
