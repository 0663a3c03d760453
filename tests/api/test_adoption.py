"""Adoption figures per account, date and metric: upserted, read back, never mass-assigned."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from champions.models import AdoptionFigure, User
from tests.api.conftest import error_fields
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_figures_are_upserted_per_account_date_and_metric(clients: dict[str, APIClient]) -> None:
    account = AccountFactory()
    url = f"/api/v1/accounts/{account.pk}/adoption/"
    figures = [
        {"date": "2026-01-05", "metric": "weekly_active_users", "value": "120"},
        {"date": "2026-01-05", "metric": "seats_used", "value": "40.5"},
    ]
    first = clients["service"].post(url, {"figures": figures}, format="json")
    assert first.status_code == 200
    assert (first.json()["created"], first.json()["updated"]) == (2, 0)
    figures[0]["value"] = "130"
    again = clients["service"].post(url, {"figures": figures[:1]}, format="json")
    assert (again.json()["created"], again.json()["updated"]) == (0, 1)
    assert AdoptionFigure.objects.count() == 2
    assert AdoptionFigure.objects.get(metric="weekly_active_users").value == Decimal("130")

    listed = clients["sales"].get(url, {"metric": "seats_used"}).json()
    assert listed["count"] == 1
    assert listed["results"][0]["value"] == "40.50"
    assert clients["sales"].get(url, {"date_from": "2026-02-01"}).json()["count"] == 0


def test_mass_assignment_of_account_and_source_is_ignored(clients: dict[str, APIClient]) -> None:
    account, other = AccountFactory(), AccountFactory()
    figure = {
        "date": "2026-01-05",
        "metric": "seats_used",
        "value": "3",
        "account": other.pk,
        "source": "crm",
        "crm_id": "999",
    }
    response = clients["service"].post(
        f"/api/v1/accounts/{account.pk}/adoption/",
        {"figures": [figure], "account": other.pk},
        format="json",
    )
    assert response.status_code == 200
    stored = AdoptionFigure.objects.get()
    assert stored.account == account
    assert stored.source == "api"
    other.refresh_from_db()
    assert other.crm_id == ""


@pytest.mark.parametrize(
    ("figure", "field"),
    [
        ({"date": "05/01/2026", "metric": "x", "value": "1"}, "figures.0.date"),
        ({"date": "2026-01-05", "metric": "not a slug!", "value": "1"}, "figures.0.metric"),
        ({"date": "2026-01-05", "metric": "x", "value": "-1"}, "figures.0.value"),
        ({"date": "2026-01-05", "metric": "x", "value": "NaN"}, "figures.0.value"),
        ({"date": "2026-01-05", "metric": "x", "value": "1e30"}, "figures.0.value"),
        ({"date": "2999-01-05", "metric": "x", "value": "1"}, "date"),
    ],
)
def test_bad_figures_name_the_field(
    clients: dict[str, APIClient], figure: dict, field: str
) -> None:
    account = AccountFactory()
    response = clients["service"].post(
        f"/api/v1/accounts/{account.pk}/adoption/", {"figures": [figure]}, format="json"
    )
    assert response.status_code == 400
    assert field in error_fields(response)
    assert not AdoptionFigure.objects.exists()


def test_an_unknown_account_is_404(clients: dict[str, APIClient], users: dict[str, User]) -> None:
    for url in (
        "/api/v1/accounts/999999/adoption/",
        "/api/v1/accounts/99999999999999999999/adoption/",
    ):
        assert clients["sales"].get(url).status_code == 404
        body = {"figures": [{"date": "2026-01-05", "metric": "x", "value": "1"}]}
        assert clients["service"].post(url, body, format="json").status_code == 404
