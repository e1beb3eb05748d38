// The donation widget for campaign sites: the amounts, then the form
// in a frame of this service. Include it where the widget goes:
// (or give it data-target="ID" to draw it inside the element of that id).
(function () {
  "use strict";
  var settings = {{ settings|tojson }};
  var script = document.currentScript;
  if (!script) { return; }
  var target = script.getAttribute("data-target") ? document.getElementById(script.getAttribute("data-target")) : null;

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  var box = element("section", { "class": "donation-embed", "aria-label": settings.heading });
  box.style.cssText = "font-family:inherit;border:1px solid #767676;border-radius:8px;padding:1rem;max-width:40rem";
  box.appendChild(element("h2", {}, settings.heading));
  box.appendChild(element("p", {}, settings.intro));
  var amounts = element("fieldset", {});
  amounts.style.cssText = "border:0;padding:0;margin:0 0 1rem";
  amounts.appendChild(element("legend", {}, settings.amountLegend));
  var chosen = settings.amounts.length > 1 ? settings.amounts[1].value : (settings.amounts[0] || {}).value;
  var buttons = [];
  settings.amounts.forEach(function (amount) {
    var button = element("button", { "type": "button", "aria-pressed": String(amount.value === chosen), "data-amount": amount.value }, amount.label);
    button.style.cssText = "margin:0 .5rem .5rem 0;padding:.5rem 1rem;font:inherit;cursor:pointer";
    button.addEventListener("click", function () {
      chosen = amount.value;
      other.value = "";
      buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
    });
    buttons.push(button);
    amounts.appendChild(button);
  });
  var otherId = "donation-embed-other-" + Math.random().toString(36).slice(2);
  amounts.appendChild(element("label", { "for": otherId }, settings.other));
  var other = element("input", { "type": "text", "inputmode": "decimal", "id": otherId, "autocomplete": "off" });
  other.style.cssText = "margin-left:.5rem;width:6rem;font:inherit";
  other.addEventListener("input", function () {
    buttons.forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
  });
  amounts.appendChild(other);
  box.appendChild(amounts);
  var give = element("button", { "type": "button", "class": "donation-embed-give" }, settings.button);
  give.style.cssText = "padding:.75rem 1.5rem;font:inherit;font-weight:bold;cursor:pointer";
  box.appendChild(give);

  var frame = null;
  give.addEventListener("click", function () {
    var query = new URLSearchParams({ kind: "one_off", amount: other.value.trim() || chosen || "", lang: settings.lang });
    if (settings.campaign) { query.set("campaign", settings.campaign); }
    var page = new URLSearchParams(window.location.search);
    ["utm_source", "utm_medium", "utm_campaign"].forEach(function (name) { if (page.get(name)) { query.set(name, page.get(name)); } });
    if (!frame) {
      frame = element("iframe", { "title": settings.frameTitle, "class": "donation-embed-frame" });
      frame.style.cssText = "display:block;width:100%;min-height:1600px;border:0;margin-top:1rem";
      box.appendChild(frame);
    }
    frame.src = settings.origin + "/embed/donate?" + query.toString();
    frame.focus();
  });

  if (target) { target.appendChild(box); } else { script.parentNode.insertBefore(box, script.nextSibling); }
})();
