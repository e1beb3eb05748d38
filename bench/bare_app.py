"""The anchor of the HTTP benches: a bare Flask app rendering a template of the
same size as the landing page, with none of the service around it."""

from pathlib import Path

from flask import Flask, render_template_string

PAGE = (Path(__file__).resolve().parent / "bare_page.html").read_text() if (Path(__file__).resolve().parent / "bare_page.html").exists() else ""

app = Flask(__name__)


@app.get("/")
def page() -> str:
    return render_template_string(PAGE or "<p>{{ text }}</p>", text="bare")
