"""Every events page: sign-in and a live champion record required."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from champions.models import ChampionState
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

# (url name, args, method)
PAGES: list[tuple[str, tuple[Any, ...], str]] = [
    ("portal:events:index", (), "get"),
    ("portal:events:calendar", (), "get"),
    ("portal:events:detail", (1,), "get"),
    ("portal:events:ics", (1,), "get"),
    ("portal:events:register", (1,), "post"),
    ("portal:events:cancel", (1,), "post"),
    ("portal:events:check_in", (1,), "post"),
    ("portal:events:feedback", (1,), "post"),
]


@pytest.mark.parametrize(("name", "args", "method"), PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(
    client: Client, name: str, args: tuple[Any, ...], method: str
) -> None:
    response = getattr(client, method)(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(("name", "args", "method"), PAGES)
def test_staff_sales_and_alumni_get_404(
    client: Client, champion_a: Any, name: str, args: tuple[Any, ...], method: str
) -> None:
    champion_a.state = ChampionState.ALUMNI
    champion_a.save()
    for user in (StaffFactory(), UserFactory(), champion_a.user):
        client.force_login(user)
        response = getattr(client, method)(reverse(name, args=args))
        assert response.status_code == 404


@pytest.mark.parametrize(
    "name", [name for name, args, method in PAGES if method == "get" and not args]
)
def test_pages_open_for_a_champion_and_are_never_cached(client_a: Client, name: str) -> None:
    response = client_a.get(reverse(name))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
