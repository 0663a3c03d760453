"""The shared rate-limit window: every worker together stays under the portal's limit."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from integrations.hubspot.throttle import DatabaseWindow, RedisWindow, Throttle

REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def redis_window_key() -> Iterator[str]:
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    key = f"test:rate:{uuid.uuid4().hex}"
    yield key
    client.delete(f"{key}:calls", f"{key}:pause")


def test_redis_window_lets_the_limit_through_then_makes_everyone_wait(
    redis_window_key: str,
) -> None:
    limit, window = 5, 1.0
    workers = [
        Throttle(RedisWindow(REDIS_URL, redis_window_key, limit, window), limit) for _ in range(3)
    ]
    stamps: list[float] = []
    lock = threading.Lock()

    def work(throttle: Throttle) -> None:
        for _ in range(4):
            throttle.acquire()
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stamps.sort()
    assert len(stamps) == 12
    # In any rolling window of 1 s there are at most 5 calls (a little slack for clocks).
    for i, start in enumerate(stamps):
        assert sum(1 for s in stamps[i:] if s < start + window - 0.02) <= limit
    assert stamps[-1] - stamps[0] >= 2 * window - 0.05  # 12 calls at 5 per second


def test_a_pause_after_429_holds_every_worker(redis_window_key: str) -> None:
    one = Throttle(RedisWindow(REDIS_URL, redis_window_key, 100, 10.0), 100)
    other = Throttle(RedisWindow(REDIS_URL, redis_window_key, 100, 10.0), 100)
    one.pause(0.5)
    used, paused = other.usage()
    assert used == 0 and 0 < paused <= 0.5
    started = time.monotonic()
    other.acquire()
    assert time.monotonic() - started >= 0.4


@pytest.mark.django_db(transaction=True)
def test_database_window_without_redis() -> None:
    throttle = Throttle(DatabaseWindow("test-db-window", 3, 0.5), 3)
    started = time.monotonic()
    for _ in range(4):
        throttle.acquire()
    assert time.monotonic() - started >= 0.45
    assert throttle.usage()[0] <= 3
