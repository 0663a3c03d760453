"""The security suite borrows the real-browser fixtures of tests/e2e for its CSP check."""

from __future__ import annotations

from tests.e2e.conftest import browser, new_page, pytest_configure  # noqa: F401
