"""Celery workers: `celery -A wsgi:celery worker` runs the jobs `donations.platform.jobs` queues,
and the periodic commands `celery -A wsgi:celery beat` sends (`donations.platform.schedule`).

Used when CELERY_BROKER_URL is set (Redis); without it, jobs run inline.
Each task runs inside the Flask application's context, with the same
configuration as the web processes.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery, Task
from flask import Flask

from donations.platform.jobs import described, resolve

log = logging.getLogger(__name__)

RETRY_BACKOFF_SECONDS = 5
MAX_RETRIES = 8


def make_celery(app: Flask) -> Celery:
    """A Celery application bound to `app`: its broker, and tasks run in its context."""

    class AppTask(Task):  # type: ignore[misc]
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.import_name, task_cls=AppTask)
    celery.conf.update(
        broker_url=app.config["CELERY_BROKER_URL"],
        task_acks_late=True,  # a job whose worker dies is run again by another
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        result_expires=None,  # no results kept: beat needs no daily backend clean-up
        broker_connection_retry_on_startup=True,
    )

    # shared=False: a task of this app only (each app built in a process keeps its own).
    @celery.task(name="donations.run_job", bind=True, max_retries=MAX_RETRIES, shared=False)
    def run_job(self: Task, name: str, *args: Any) -> None:
        function = resolve(name)
        try:
            function(*args)
        except Exception as error:
            log.warning("job %s failed; retrying", described(function, args), exc_info=True)
            raise self.retry(exc=error, countdown=RETRY_BACKOFF_SECONDS * (2**self.request.retries)) from error

    if app.config.get("LOG_FORMAT") == "json":
        from celery.signals import after_setup_logger, after_setup_task_logger

        from donations.platform.logs import json_handlers

        # Celery sets up the worker's and beat's loggers after the app is built: their lines too.
        after_setup_logger.connect(json_handlers, weak=False, dispatch_uid="donations-json-logs")
        after_setup_task_logger.connect(json_handlers, weak=False, dispatch_uid="donations-json-task-logs")
    from donations.platform.schedule import register_schedule

    register_schedule(celery, app.config, app.instance_path)  # `celery -A wsgi:celery beat`
    app.extensions["celery"] = celery
    return celery
