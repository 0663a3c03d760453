"""Every references page: sign-in and a live champion record required."""

from __future__ import annotations

import pytest

from tests.programs.portal_access import Page, access_tests

pytestmark = pytest.mark.django_db

PAGES: list[Page] = [
    ("portal:references:index", (), "get"),
    ("portal:references:availability", (), "post"),
    ("portal:references:story", (1,), "get"),
    ("portal:references:sign_off", (1,), "post"),
    ("portal:references:request_changes", (1,), "post"),
    ("portal:references:request", (1,), "get"),
    ("portal:references:accept", (1,), "post"),
    ("portal:references:decline", (1,), "post"),
    ("portal:references:propose_times", (1,), "post"),
]

(
    test_anonymous_visitors_are_sent_to_sign_in,
    test_staff_sales_and_alumni_get_404,
    test_pages_open_for_a_champion_and_are_never_cached,
) = access_tests(PAGES)
