"""The tests' Redis databases (tests/support/redis_databases.py): each run claims its own, never flushes another's.

On the real Redis server of TEST_REDIS_URL; skipped, saying why, without one.
"""

from __future__ import annotations

import pytest
import redis

from tests.support.redis_databases import (
    CLAIM_KEY,
    LAST_DATABASE,
    TEST_REDIS_URL,
    NoFreeDatabase,
    claimed_database,
    first_database,
    redis_answers,
    server_url,
)

pytestmark = pytest.mark.skipif(
    not redis_answers(), reason=f"no Redis server answers at TEST_REDIS_URL={TEST_REDIS_URL}"
)


def database_of(url: str) -> int:
    return int(url.rsplit("/", 1)[1])


def test_the_first_database_and_the_server_come_from_test_redis_url() -> None:
    assert first_database("redis://127.0.0.1:6379") == 10
    assert first_database("redis://127.0.0.1:6379/") == 10
    assert first_database("redis://redis.example:6380/4") == 4
    assert server_url(12, "redis://redis.example:6380/4") == "redis://redis.example:6380/12"
    assert server_url(11, "redis://:secret@127.0.0.1:6379") == "redis://:secret@127.0.0.1:6379/11"


def test_two_runs_at_once_get_two_databases_and_neither_empties_the_others() -> None:
    with claimed_database("first run") as first:
        mine = redis.Redis.from_url(first)
        mine.set("kept", "1")
        with claimed_database("second run") as second:
            assert second != first
            assert first_database() < database_of(second) <= LAST_DATABASE
            redis.Redis.from_url(second).set("other", "1")
        # The second run is done: its database is emptied, ours is as we left it.
        assert mine.get("kept") == b"1"
        assert redis.Redis.from_url(second).dbsize() == 0
        mine.close()
    assert redis.Redis.from_url(first).dbsize() == 0  # emptied when released


def test_a_database_claimed_by_another_run_is_neither_taken_nor_touched() -> None:
    first = first_database()
    claims = redis.Redis.from_url(server_url(first))
    taken = []
    try:
        # Another run holds every database but one (its claims, and data in one of them).
        for number in range(first + 1, LAST_DATABASE):
            if claims.set(CLAIM_KEY.format(number), "another run", nx=True, ex=60):
                taken.append(number)
        if not taken:
            pytest.skip("every database of the range is claimed by other runs right now")
        others = redis.Redis.from_url(server_url(taken[0]))
        others.set("theirs", "1")
        with claimed_database() as url:
            assert database_of(url) not in taken
        assert others.get("theirs") == b"1"
        others.delete("theirs")
        others.close()
    finally:
        for number in taken:
            claims.delete(CLAIM_KEY.format(number))
        claims.close()


def test_when_every_database_is_claimed_the_claim_says_so() -> None:
    first = first_database()
    claims = redis.Redis.from_url(server_url(first))
    taken = [
        n for n in range(first + 1, LAST_DATABASE + 1) if claims.set(CLAIM_KEY.format(n), "another run", nx=True, ex=60)
    ]
    try:
        if len(taken) != LAST_DATABASE - first:
            pytest.skip("some databases of the range are claimed by other runs right now")
        with pytest.raises(NoFreeDatabase, match="is claimed by another run"), claimed_database():
            pass
    finally:
        for number in taken:
            claims.delete(CLAIM_KEY.format(number))
        claims.close()


def test_the_redis_url_fixture_lends_an_empty_database_of_the_range(redis_url: str) -> None:
    assert first_database() < database_of(redis_url) <= LAST_DATABASE
    assert redis.Redis.from_url(redis_url).dbsize() == 0
    claim = redis.Redis.from_url(server_url(first_database())).get(CLAIM_KEY.format(database_of(redis_url)))
    assert claim is not None and claim.startswith(b"tests:")
