// The donation widget mirrors the server: the figures come from
// /api/tax-reduction, the sentences from the page (already translated).
// Without this script the widget is a plain form and still works.
(function () {
  "use strict";
  var form = document.getElementById("donation-widget");
  if (!form || !window.fetch) { return; }

  var presets = JSON.parse(form.dataset.presets);
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
    ruleText.textContent = form.getAttribute("data-rule-" + kind);
    if (!amount) { text.textContent = form.dataset.invalid; return; }
    var scheme = kind === "ifi" ? "ifi" : "income_tax";
    var url = form.dataset.api + "?" + new URLSearchParams({ amount: amount, scheme: scheme, kind: kind });
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(url, { signal: pending.signal, headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (!result.ok) { text.textContent = result.body.error || form.dataset.invalid; return; }
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

  form.addEventListener("change", function (event) {
    if (event.target.name === "kind") { showPresets(currentKind()); }
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
