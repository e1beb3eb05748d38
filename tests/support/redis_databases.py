"""Redis for the tests and benches that need it: each claims a database of its own, so two runs never meet.

`TEST_REDIS_URL` (default `redis://127.0.0.1:6379`) names the server and, as its
path, the first of the databases the tests may use (default 10): that one holds
the claims, the next ones (up to 15, Redis' default 16 databases) are lent out,
one at a time, to whoever claims them. A claim is a key `SET NX` with an expiry
(an hour) in the first database, so a second run on the same machine takes
another database, and a killed run's claims free themselves. Only the holder of
a claim empties its database: once claimed (what a killed run left) and when
done. Nothing below the first database is ever touched (a developer's own
broker, e.g. database 2 in .env.example).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
DEFAULT_FIRST_DATABASE = 10
LAST_DATABASE = 15
CLAIM_SECONDS = 3600
CLAIM_KEY = "donations-tests:claim:{}"


class NoFreeDatabase(RuntimeError):
    """Every database of the tests' range is held by another run."""


def server_url(database: int, url: str = TEST_REDIS_URL) -> str:
    """The server of `url` (TEST_REDIS_URL), with `database` as its path."""
    base = url.rstrip("/")
    scheme, _, rest = base.partition("://")
    host = rest.split("/", 1)[0]
    return f"{scheme}://{host}/{database}"


def first_database(url: str = TEST_REDIS_URL) -> int:
    """The first of the tests' databases: the path of `url` (TEST_REDIS_URL), or 10."""
    path = url.partition("://")[2].partition("/")[2].split("?", 1)[0].strip("/")
    return int(path) if path else DEFAULT_FIRST_DATABASE


def redis_answers() -> bool:
    """Whether TEST_REDIS_URL's server accepts connections."""
    pool = redis.ConnectionPool.from_url(TEST_REDIS_URL)
    kwargs = pool.connection_kwargs
    pool.disconnect()
    try:
        with socket.create_connection((kwargs.get("host", "127.0.0.1"), kwargs.get("port", 6379)), timeout=0.5):
            return True
    except OSError:
        return False


NO_REDIS = f"no Redis server answers at TEST_REDIS_URL={TEST_REDIS_URL}"


@contextmanager
def claimed_database(holder: str = "tests", url: str = TEST_REDIS_URL) -> Iterator[str]:
    """The URL of a database of the tests' range that no other run holds, emptied; emptied and released after."""
    first = first_database(url)
    claims = redis.Redis.from_url(server_url(first, url))
    token = f"{holder}:{os.getpid()}:{uuid.uuid4().hex}"
    try:
        for number in range(first + 1, LAST_DATABASE + 1):
            if claims.set(CLAIM_KEY.format(number), token, nx=True, ex=CLAIM_SECONDS):
                break
        else:
            raise NoFreeDatabase(
                f"every Redis database {first + 1}-{LAST_DATABASE} of {server_url(first, url)} is claimed"
                f" by another run (keys {CLAIM_KEY.format('*')} in database {first})"
            )
        lent_url = server_url(number, url)
        lent = redis.Redis.from_url(lent_url)
        try:
            lent.flushdb()  # what a killed run may have left: ours now
            yield lent_url
        finally:
            if claims.get(CLAIM_KEY.format(number)) == token.encode():
                lent.flushdb()
                claims.delete(CLAIM_KEY.format(number))
            lent.close()
    finally:
        claims.close()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database of this test's own (see the module); the test is skipped, saying why, without Redis."""
    if not redis_answers():
        pytest.skip(NO_REDIS)
    with claimed_database() as url:
        yield url


@pytest.fixture
def redis_limits(redis_url: str) -> Iterator[redis.Redis]:
    """A client of the test's own Redis database, for the rate limiter's storage (`RATELIMIT_STORAGE_URI=redis_url`)."""
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()
