"""The recognition admin: changelists and the contributor roll download."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from champions.models import ActivityKind
from programs.recognition import services
from tests.factories import ActivityFactory, ChampionFactory
from tests.programs.factories import GoodFirstContributionFactory, KudosFactory

pytestmark = pytest.mark.django_db


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def _rows(count: int) -> None:
    KudosFactory.create_batch(count)
    for task in GoodFirstContributionFactory.create_batch(count):
        services.good_first_contribution_claim(task=task, champion=ChampionFactory())


@pytest.mark.parametrize(
    "changelist",
    ["admin:recognition_kudos_changelist", "admin:recognition_goodfirstcontribution_changelist"],
)
def test_changelist_queries_do_not_grow_with_rows(
    admin_client_logged_in: Any, changelist: str
) -> None:
    url = reverse(changelist)
    _rows(2)
    with_two = _queries(admin_client_logged_in, url)
    _rows(23)

    assert _queries(admin_client_logged_in, url) == with_two


@pytest.mark.parametrize(
    ("fmt", "content_type", "marker"),
    [("md", "text/markdown", "| Grace"), ("html", "text/html", "<td>Grace")],
)
def test_the_contributor_roll_downloads(
    admin_client_logged_in: Any, fmt: str, content_type: str, marker: str
) -> None:
    grace = ChampionFactory(full_name="Grace Hopper")
    ActivityFactory(
        champion=grace,
        kind=ActivityKind.ANSWERED_QUESTION,
        occurred_at=datetime(2026, 2, 1, tzinfo=UTC),
    )
    url = reverse("admin:recognition_contributor_roll")

    response = admin_client_logged_in.get(url, {"quarter": "2026-Q1", "format": fmt})

    assert response["Content-Type"].startswith(content_type)
    assert response["Content-Disposition"] == f'attachment; filename="contributors-2026-Q1.{fmt}"'
    assert marker in response.content.decode()


def test_the_roll_form_names_a_malformed_quarter(admin_client_logged_in: Any) -> None:
    response = admin_client_logged_in.get(
        reverse("admin:recognition_contributor_roll"), {"quarter": "last year", "format": "md"}
    )

    assert response.status_code == 200
    assert "is not a quarter" in response.content.decode()


def test_the_kudos_list_links_the_export(admin_client_logged_in: Any) -> None:
    response = admin_client_logged_in.get(reverse("admin:recognition_kudos_changelist"))

    assert reverse("admin:recognition_contributor_roll").encode() in response.content
