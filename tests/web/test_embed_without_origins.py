"""Without EMBED_ALLOWED_ORIGINS, no other site may frame even the embedded form."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_the_embedded_form_refuses_every_other_site_when_no_origin_is_allowed(client: FlaskClient) -> None:
    page = client.get("/embed/donate?amount=40")
    assert page.status_code == 200
    assert "frame-ancestors 'self';" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN"
    script = client.get("/embed/widget.js")
    assert script.status_code == 200 and script.mimetype == "text/javascript"


def test_the_widget_script_of_an_unknown_campaign_falls_back_to_the_default_one(client: FlaskClient) -> None:
    script = client.get("/embed/widget.js?campaign=%3Cscript%3E")
    assert '"campaign": "dystonie"' in script.text
    assert "<script>" not in script.text
