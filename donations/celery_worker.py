"""What `celery -A donations.celery_worker worker` loads: the app's Celery."""

from donations import create_app

celery = create_app().extensions["celery"]
