// The donation widget mirrors the server: the figures come from
// /api/tax-reduction, the sentences from the page (already translated).
// Without this script the widget is a plain form and still works.
(function () {
  "use strict";
  var form = document.getElementById("donation-widget");
  if (!form || !window.fetch) { return; }

  var presets = JSON.parse(form.dataset.presets);
  var impacts = JSON.parse(form.dataset.impacts || "{}");
  var impactText = document.getElementById("preset-impact");
  var presetBox = document.getElementById("presets");
  var otherRadio = document.getElementById("preset-other");
  var otherInput = document.getElementById("other-amount");
  var text = document.getElementById("net-cost-text");
  var ruleText = document.getElementById("net-cost-rule");
  var perMonthText = form.getAttribute("data-per-month");
  var pending = null;
  var lastAsked = "";

  function currentKind() {
    var checked = form.querySelector('input[name="kind"]:checked');
    return checked ? checked.value : "one_off";
  }

  function currentAmount() {
    var checked = form.querySelector('input[name="amount"]:checked');
    if (!checked || checked.value === "other") { return otherInput.value.trim(); }
    return checked.value;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : whole;
    });
  }

  // Rebuild the preset buttons for the kind of gift, keeping the choice by position.
  function showPresets(kind) {
    var checkedIndex = -1;
    var radios = presetBox.querySelectorAll('input[name="amount"]');
    radios.forEach(function (radio, i) { if (radio.checked) { checkedIndex = i; } });
    var labels = presetBox.querySelectorAll("label");
    presets[kind].forEach(function (preset, i) {
      if (!radios[i]) { return; }
      radios[i].value = preset.value;
      labels[i].textContent = preset.label;
      if (kind === "monthly" && perMonthText) {
        var span = document.createElement("span");
        span.className = "per-month";
        span.textContent = perMonthText;
        labels[i].appendChild(span);
      }
    });
    if (checkedIndex >= 0) { radios[checkedIndex].checked = true; }
  }

  function refresh() {
    var kind = currentKind();
    var amount = currentAmount();
    var asked = kind + "|" + amount;
    if (asked === lastAsked) { return; }
    lastAsked = asked;
    if (impactText) { impactText.textContent = impacts[amount] || ""; }
    ruleText.textContent = form.getAttribute("data-rule-" + kind);
    if (!amount) { text.textContent = form.dataset.invalid; return; }
    // What is not an amount is said here, without asking the server (an error answer would be logged).
    var plain = amount.replace(/[\s\u00a0\u202f]/g, "");
    if (!/^\d+([.,]\d{1,2})?$/.test(plain)) { text.textContent = form.dataset.badAmount; return; }
    var cents = Math.round(parseFloat(plain.replace(",", ".")) * 100);
    if (cents > 0 && cents < Number(form.dataset.minCents)) { text.textContent = form.dataset.belowMin; return; }
    if (cents > Number(form.dataset.maxCents)) { text.textContent = form.dataset.aboveMax; return; }
    var scheme = kind === "ifi" ? "ifi" : "income_tax";
    var url = form.dataset.api + "?" + new URLSearchParams({ amount: amount, scheme: scheme, kind: kind });
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(url, { signal: pending.signal, headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        // The sentence for a person, without the field's name that programs get in `error`.
        if (!result.ok) { text.textContent = result.body.message || form.dataset.invalid; return; }
        var body = result.body;
        var key = "data-sentence-" + kind + (kind === "ifi" && body.capped ? "-capped" : "");
        text.textContent = fill(form.getAttribute(key), {
          net: body.net_cost_display,
          rate: body.rate_display,
          yearly: body.yearly_net_cost_display || ""
        });
      })
      .catch(function (error) {
        if (error.name !== "AbortError") { text.textContent = form.dataset.invalid; }
      });
  }

  // A change of language reloads the page: the gift chosen comes back, in this tab only, once.
  var KEPT = "donation-widget-chosen";
  document.querySelectorAll(".language a").forEach(function (link) {
    link.addEventListener("click", function () {
      var checked = form.querySelector('input[name="amount"]:checked');
      var chosen = { kind: currentKind(), amount: checked ? checked.id : "", other: otherInput.value };
      try { window.sessionStorage.setItem(KEPT, JSON.stringify(chosen)); } catch (e) { /* nothing kept */ }
    });
  });
  (function restore() {
    var chosen;
    try {
      chosen = JSON.parse(window.sessionStorage.getItem(KEPT) || "null");
      window.sessionStorage.removeItem(KEPT);
    } catch (e) { return; }
    if (!chosen) { return; }
    var kind = document.getElementById("kind-" + chosen.kind);
    if (kind) { kind.checked = true; showPresets(chosen.kind); }
    var amount = chosen.amount && document.getElementById(chosen.amount);
    if (amount) { amount.checked = true; }
    otherInput.value = chosen.other || "";
    refresh();
  })();

  form.addEventListener("change", function (event) {
    if (event.target.name === "kind") { showPresets(currentKind()); }
    if (event.target === otherRadio) { otherInput.focus(); }
    refresh();
  });
  otherInput.addEventListener("input", function () {
    otherRadio.checked = true;
    refresh();
  });
  otherInput.addEventListener("focus", function () {
    if (otherInput.value.trim()) { otherRadio.checked = true; refresh(); }
  });
})();
