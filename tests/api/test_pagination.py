"""Page sizes are capped, and a page costs the same number of queries whatever its size."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from champions.models import AdoptionFigure
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def adoption_url() -> str:
    account = AccountFactory()
    start = datetime.date(2025, 1, 1)
    AdoptionFigure.objects.bulk_create(
        AdoptionFigure(
            account=account,
            date=start + datetime.timedelta(days=n),
            metric="seats",
            value=n,
            source="api",
        )
        for n in range(130)
    )
    return f"/api/v1/accounts/{account.pk}/adoption/"


@pytest.mark.parametrize(
    ("asked", "served"),
    [(None, 25), ("10", 10), ("100", 100), ("10000", 100), ("0", 25), ("-5", 25)],
)
def test_page_size_is_capped_at_100(
    clients: dict[str, APIClient], adoption_url: str, asked: str | None, served: int
) -> None:
    query = {"page_size": asked} if asked is not None else {}
    body = clients["sales"].get(adoption_url, query).json()
    assert body["count"] == 130
    assert len(body["results"]) == served


def test_query_count_does_not_grow_with_page_size(
    clients: dict[str, APIClient], adoption_url: str
) -> None:
    clients["sales"].get(adoption_url)  # the token's first use is written once, not per page
    counts = []
    for size in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            assert clients["sales"].get(adoption_url, {"page_size": size}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
