"""What gunicorn, `flask --app wsgi` and `celery -A wsgi:celery worker` load."""

from donations import create_app

app = create_app()
# The jobs' Celery application, when CELERY_BROKER_URL is set (`celery -A wsgi:celery worker`).
celery = app.extensions.get("celery")
