"""The Celery broker as monitoring sees it: does it answer, and how many jobs wait in its queue.

The broker is Redis (DESIGN.md): a Celery queue is a Redis list, so its length is the
number of jobs waiting. Every wait is bounded by `timeout` seconds (connecting included),
so that a broker gone silent never holds a health check or a scrape.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

# The queue `donations.platform.worker` sends its jobs to (Celery's default).
QUEUE = "celery"


def _redis_client(url: str, timeout: float) -> redis.Redis:
    # No retry: the caller answers at once that the broker is away, and asks again next time.
    return redis.Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0)
    )


def _is_redis(url: str) -> bool:
    return urlsplit(url).scheme in ("redis", "rediss", "unix")


def ping(url: str, timeout: float) -> None:
    """Raise unless the broker answers within `timeout` seconds."""
    if _is_redis(url):
        client = _redis_client(url, timeout)
        try:
            client.ping()
        finally:
            client.close()
        return
    from kombu import Connection  # another transport Celery knows (RabbitMQ…)

    with Connection(url, connect_timeout=timeout) as connection:
        connection.ensure_connection(max_retries=1, timeout=timeout)


def queued_jobs(url: str, timeout: float) -> int:
    """How many jobs wait in the broker's queue."""
    if _is_redis(url):
        client = _redis_client(url, timeout)
        try:
            return int(client.llen(QUEUE))
        finally:
            client.close()
    from kombu import Connection

    with Connection(url, connect_timeout=timeout) as connection:
        return int(connection.default_channel.queue_declare(queue=QUEUE, passive=True).message_count)
