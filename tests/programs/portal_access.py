"""The access tests every program's portal pages share: sign-in and a live champion record
required. A program's `test_access.py` lists its pages and takes the tests:

    PAGES: list[Page] = [("portal:events:index", (), "get"), ("portal:events:cancel", (1,), "post")]
    (
        test_anonymous_visitors_are_sent_to_sign_in,
        test_staff_sales_and_alumni_get_404,
        test_pages_open_for_a_champion_and_are_never_cached,
    ) = access_tests(PAGES)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from champions.models import ChampionState
from tests.factories import StaffFactory, UserFactory

# (url name, args, method)
Page = tuple[str, tuple[Any, ...], str]
AccessTest = Callable[..., None]


def access_tests(pages: list[Page]) -> tuple[AccessTest, AccessTest, AccessTest]:
    each_page = pytest.mark.parametrize(("name", "args", "method"), pages)
    plain_pages = [name for name, args, method in pages if method == "get" and not args]

    @each_page
    def anonymous_visitors_are_sent_to_sign_in(
        client: Client, name: str, args: tuple[Any, ...], method: str
    ) -> None:
        response = getattr(client, method)(reverse(name, args=args))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    @each_page
    def staff_sales_and_alumni_get_404(
        client: Client, champion_a: Any, name: str, args: tuple[Any, ...], method: str
    ) -> None:
        champion_a.state = ChampionState.ALUMNI
        champion_a.save()
        for user in (StaffFactory(), UserFactory(), champion_a.user):
            client.force_login(user)
            response = getattr(client, method)(reverse(name, args=args))
            assert response.status_code == 404

    @pytest.mark.parametrize("name", plain_pages)
    def pages_open_for_a_champion_and_are_never_cached(client_a: Client, name: str) -> None:
        response = client_a.get(reverse(name))
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]

    return (
        anonymous_visitors_are_sent_to_sign_in,
        staff_sales_and_alumni_get_404,
        pages_open_for_a_champion_and_are_never_cached,
    )
