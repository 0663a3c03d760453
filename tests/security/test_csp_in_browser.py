"""RELIABILITY.md item 2 in a real browser: every kind of page works under the
Content-Security-Policy, with not one violation reported.

The browser records each `securitypolicyviolation` event (an init script, which CSP does not
govern) and each console message about the policy; a page passes when both lists are empty
and its own script did run (HTMX loaded, the admin's JavaScript ran, Swagger UI and Redoc
drew the API).
"""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress

from tests.e2e.conftest import sign_in
from tests.factories import ChampionFactory, StaffFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def open_watched_page(new_page: Any) -> tuple[Any, list[str]]:
    page = new_page(viewport={"width": 1280, "height": 900})
    page.add_init_script(RECORD_VIOLATIONS)
    console: list[str] = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    return page, console


def violations(page: Any, console: list[str]) -> list[str]:
    page.wait_for_timeout(300)  # late violations (workers, fonts) arrive after load
    recorded: list[str] = page.evaluate("window.__cspViolations")
    return recorded + console


def visit(page: Any, path: str) -> Any:
    response = page.goto(path)
    page.wait_for_load_state("networkidle")
    assert response.status == 200, f"{path} answered {response.status}"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    return response


def test_portal_pages_and_htmx_run_under_the_policy(new_page: Any, live_server: Any) -> None:
    champion = ChampionFactory()
    page, console = open_watched_page(new_page)
    sign_in(page, champion.user, live_server.url)

    for path in ("/portal/", "/portal/account/", "/portal/privacy/"):
        visit(page, path)
        assert page.evaluate("typeof window.htmx") == "object", f"HTMX did not load on {path}"
    assert violations(page, console) == []


def test_sign_in_and_mfa_pages_run_under_the_policy(new_page: Any, live_server: Any) -> None:
    staff = StaffFactory()
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    page, console = open_watched_page(new_page)

    visit(page, "/accounts/login/")
    for password in ("wrong-password-123", "demo-pass-123"):
        page.get_by_label("Email").fill(staff.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("networkidle")
    page.goto("/accounts/2fa/totp/activate/")
    if "/reauthenticate/" in page.url:  # allauth asks for the password again first
        page.get_by_label("Password").fill("demo-pass-123")
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_load_state("networkidle")
    assert "/totp/activate/" in page.url
    assert page.locator("img[src^='data:image/svg']").count() == 1, "the QR code is shown"
    assert violations(page, console) == []


def test_admin_and_its_dashboard_run_under_the_policy(new_page: Any, live_server: Any) -> None:
    manager = StaffFactory(is_superuser=True)
    champion = ChampionFactory()
    page, console = open_watched_page(new_page)
    sign_in(page, manager, live_server.url)

    visit(page, "/admin/")
    visit(page, f"/admin/champions/champion/{champion.pk}/change/")
    visit(page, "/admin/champions/champion/")
    page.locator("#action-toggle").check()
    assert page.locator("tr.selected").count() == 1, "the admin's actions.js selected the row"
    assert violations(page, console) == []


def test_api_docs_run_under_the_policy(new_page: Any, live_server: Any) -> None:
    page, console = open_watched_page(new_page)
    sign_in(page, StaffFactory(), live_server.url)

    visit(page, "/api/v1/docs/")
    page.locator(".swagger-ui .opblock").first.wait_for()
    assert violations(page, console) == []


def test_redoc_runs_from_packaged_assets_and_nothing_leaves_the_machine(
    new_page: Any, live_server: Any
) -> None:
    page, console = open_watched_page(new_page)
    sign_in(page, StaffFactory(), live_server.url)
    sent: list[str] = []
    page.on("requestfinished", lambda request: sent.append(request.url))

    visit(page, "/api/v1/redoc/")
    page.locator("h2", has_text="Search references").first.wait_for()
    assert page.locator("h2").count() >= 10, "Redoc drew the API's operations"
    # Only Redoc's attribution logo on Redocly's CDN is refused, by the policy, in the browser.
    refused = violations(page, console)
    assert refused and all("cdn.redoc.ly" in v for v in refused), refused
    assert not page.locator("img[alt='redocly logo']").is_visible()
    assert [u for u in sent if u.startswith("http") and not u.startswith(live_server.url)] == []
