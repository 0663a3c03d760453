"""The real-browser suite: Playwright for Python driving Debian's Chromium against
pytest-django's live server.

Chromium comes from the system (`apt-get install -y chromium`), never from
`playwright install`; without /usr/bin/chromium every test here is skipped with the reason.
Screenshots of the main pages go to tests/e2e/screenshots/ (git-ignored) at phone and desktop
width, for people to look at.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: real-browser journeys (Playwright + Chromium)")


@pytest.fixture(scope="module")
def browser(django_db_setup: None, live_server: Any) -> Iterator[Any]:
    """One headless Chromium for the module's journeys.

    Playwright's sync API runs an event loop in this thread, so Django would refuse the
    tests' ORM calls as "async unsafe": allowed while the browser is open, and only then (the
    live server and the test database are set up before it starts).
    """
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield launched
            launched.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture
def new_page(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """Pages in separate browser contexts (separate cookies): one per person."""
    contexts: list[Any] = []

    def open_page(*, viewport: dict[str, int] = PHONE) -> Any:
        context = browser.new_context(viewport=viewport, base_url=live_server.url)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def sign_in(page: Any, user: Any, base_url: str) -> None:
    """Put a signed-in session of `user` into the page's browser context (no login form)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}]
    )


def screenshot(page: Any, name: str) -> None:
    """The current page, full length, at phone and at desktop width."""
    SCREENSHOTS.mkdir(exist_ok=True)
    original = page.viewport_size
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(original)


def no_horizontal_scroll(page: Any) -> bool:
    """True when the page fits its viewport's width (nothing sticks out at 375 px)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


JOIN_LINK = re.compile(r"https?://\S+?(/portal/join/[^/\s]+/)")
