"""Every clinics page: sign-in and a live champion record required."""

from __future__ import annotations

import pytest

from tests.programs.portal_access import Page, access_tests

pytestmark = pytest.mark.django_db

PAGES: list[Page] = [
    ("portal:clinics:index", (), "get"),
    ("portal:clinics:ask", (), "get"),
    ("portal:clinics:detail", (1,), "get"),
    ("portal:clinics:answer", (1,), "post"),
    ("portal:clinics:builds_on", (1,), "post"),
    ("portal:clinics:helpful", (1,), "post"),
    ("portal:clinics:accept", (1,), "post"),
]

(
    test_anonymous_visitors_are_sent_to_sign_in,
    test_staff_sales_and_alumni_get_404,
    test_pages_open_for_a_champion_and_are_never_cached,
) = access_tests(PAGES)
