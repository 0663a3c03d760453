"""The security suite borrows the real-browser fixtures of tests/e2e for its CSP check."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from tests.e2e.conftest import browser, new_page, pytest_configure  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """Login and API rate limits count in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()
