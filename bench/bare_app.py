"""The anchor of the HTTP benches: a bare Flask app rendering a template of the
same size as the landing page, with none of the service around it.

The template is bench/bare_page.html, written by the bench that starts this
app (the landing page's own HTML as static text); Flask loads and compiles it
once, as it does the service's templates, so the anchor pays for rendering,
not for compiling on every request.
"""

from pathlib import Path

from flask import Flask, render_template

HERE = Path(__file__).resolve().parent

app = Flask(__name__, template_folder=str(HERE))


@app.get("/")
def page() -> str:
    return render_template("bare_page.html", text="bare")
