// The donation form: show the company fields only for a company, follow the
// net cost as the donor types (the figures come from /api/tax-reduction, the
// sentences from the page), keep what was typed across a change of language,
// and put the error summary in front of the donor. The form works the same without it.
(function () {
  "use strict";
  var form = document.getElementById("donation-form");
  if (!form) { return; }
  var company = document.getElementById("company-fields");
  var incomeField = document.getElementById("taxable-income-field");
  var ifi = form.querySelector('input[name="kind"][value="ifi"]');
  var text = document.getElementById("net-cost-text");
  var ruleText = document.getElementById("net-cost-rule");
  var pending = null;
  var lastAsked = "";
  var KEPT = "donation-form-typed";

  function value(name) {
    var field = form.elements[name];
    if (!field) { return ""; }
    if (field.length !== undefined && !field.tagName) {
      var checked = form.querySelector('input[name="' + name + '"]:checked');
      return checked ? checked.value : "";
    }
    return (field.value || "").trim();
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : whole;
    });
  }

  function refresh() {
    if (!text || !window.fetch) { return; }
    var kind = value("kind") || "one_off";
    var isCompany = value("donor_type") === "company";
    var scheme = isCompany ? "company" : (kind === "ifi" ? "ifi" : "income_tax");
    var amount = value("amount");
    var params = { amount: amount, scheme: scheme, kind: kind };
    var ceiling = isCompany ? value("turnover") : value("taxable_income");
    if (ceiling) { params[isCompany ? "turnover" : "taxable_income"] = ceiling; }
    var asked = JSON.stringify(params);
    if (asked === lastAsked) { return; }
    lastAsked = asked;
    if (ruleText) { ruleText.textContent = form.getAttribute("data-rule-" + (isCompany ? "company" : kind)) || ""; }
    if (!amount) { text.textContent = form.dataset.invalid; return; }
    // What is not an amount is said here, without asking the server (an error answer would be logged).
    var looksLikeEuros = /^\d+([.,]\d{1,2})?$/;
    if (!looksLikeEuros.test(amount.replace(/[\s\u00a0\u202f]/g, ""))) { text.textContent = form.dataset.badAmount; return; }
    if (ceiling && !looksLikeEuros.test(ceiling.replace(/[\s\u00a0\u202f]/g, ""))) { delete params[isCompany ? "turnover" : "taxable_income"]; }
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(form.dataset.api + "?" + new URLSearchParams(params), { signal: pending.signal, headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (!result.ok) { text.textContent = result.body.message || form.dataset.invalid; return; }
        var body = result.body;
        var key;
        if (isCompany) {
          key = body.capped ? "company-capped" : (kind === "monthly" ? "company-monthly" : "company");
        } else if (kind === "ifi") {
          key = body.capped ? "ifi-capped" : "ifi";
        } else {
          key = body.capped && kind !== "monthly" ? "income_tax-capped" : kind;
        }
        text.textContent = fill(form.getAttribute("data-sentence-" + key), {
          net: body.net_cost_display,
          rate: body.rate_display,
          yearly: body.yearly_net_cost_display || "",
          counted: body.counted_display || ""
        });
      })
      .catch(function (error) {
        if (error.name !== "AbortError") { text.textContent = form.dataset.invalid; }
      });
  }

  function update() {
    var isCompany = value("donor_type") === "company";
    company.hidden = !isCompany;
    if (incomeField) { incomeField.hidden = isCompany; }
    if (ifi) { ifi.disabled = isCompany; }
  }

  // A change of language reloads the page: what was typed comes back, in this tab only, once.
  function keepTyped() {
    var typed = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.type === "hidden" || field.type === "submit") { return; }
      if (field.type === "radio" || field.type === "checkbox") {
        if (field.checked) { typed[field.name] = field.value; }
      } else if (field.value) {
        typed[field.name] = field.value;
      }
    });
    try { window.sessionStorage.setItem(KEPT, JSON.stringify(typed)); } catch (e) { /* storage refused: nothing kept */ }
  }
  function restoreTyped() {
    var typed;
    try {
      typed = JSON.parse(window.sessionStorage.getItem(KEPT) || "null");
      window.sessionStorage.removeItem(KEPT);
    } catch (e) { return; }
    if (!typed) { return; }
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || !Object.prototype.hasOwnProperty.call(typed, field.name) || field.type === "hidden") { return; }
      if (field.type === "radio" || field.type === "checkbox") {
        field.checked = typed[field.name] === field.value;
      } else {
        field.value = typed[field.name];
      }
    });
  }
  document.querySelectorAll(".language a").forEach(function (link) {
    link.addEventListener("click", keepTyped);
  });

  form.addEventListener("change", function (event) {
    if (event.target.name === "donor_type") { update(); }
    refresh();
  });
  form.addEventListener("input", function (event) {
    if (["amount", "taxable_income", "turnover"].indexOf(event.target.name) >= 0) { refresh(); }
  });
  restoreTyped();
  update();
  refresh();
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
