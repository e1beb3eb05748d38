"""What gunicorn and `flask --app wsgi` load."""

from donations import create_app

app = create_app()
