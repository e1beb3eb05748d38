// The donation form: show the company fields only for a company, and put the
// error summary in front of the donor. The form works the same without it.
(function () {
  "use strict";
  var form = document.getElementById("donation-form");
  if (!form) { return; }
  var company = document.getElementById("company-fields");
  var ifi = form.querySelector('input[name="kind"][value="ifi"]');

  function update() {
    var checked = form.querySelector('input[name="donor_type"]:checked');
    var isCompany = checked && checked.value === "company";
    company.hidden = !isCompany;
    if (ifi) { ifi.disabled = isCompany; }
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "donor_type") { update(); }
  });
  update();
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
