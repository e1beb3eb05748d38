// The donation form's proof of work: the vendored ALTCHA widget (static/vendor/altcha/), its
// PBKDF2 worker served from this site (the page's CSP allows no other), and its words in the
// page's language, translated with the site's catalogue (templates/public/_challenge.html).
import "../vendor/altcha/altcha.min.js";

const worker = new URL("../vendor/altcha/workers/pbkdf2.js", import.meta.url);
globalThis.$altcha.algorithms.set("PBKDF2/SHA-256", () => new Worker(worker));

for (const widget of document.querySelectorAll("altcha-widget[data-strings]")) {
  const language = widget.getAttribute("language") || document.documentElement.lang || "fr";
  globalThis.$altcha.i18n.set(language, JSON.parse(widget.dataset.strings));
}
