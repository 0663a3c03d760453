"""Reference search, matching, stories and requests through the API, for each role."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from champions.models import Champion, ConsentScope, User
from programs.references.models import (
    ReferenceProfile,
    ReferenceProgramSettings,
    ReferenceRequest,
    RequestOutcome,
    RequestStatus,
    StoryStatus,
)
from tests.api.conftest import ROLES, error_fields
from tests.factories import AccountFactory, ChampionFactory, ProductAreaFactory
from tests.programs.references.factories import (
    DealFactory,
    ReferenceRequestFactory,
    UseCaseFactory,
    grant,
    make_story,
    publish,
    withdraw,
)

pytestmark = pytest.mark.django_db
LONG_AGO = timezone.now() - timedelta(days=400)


def reference(name: str, *, industry: str = "fintech", **fields: Any) -> Champion:
    account = AccountFactory(
        name=f"{name} Co", industry=industry, region="emea", size_band="200-999"
    )
    champion = ChampionFactory(
        account=account, full_name=name, languages=["en", "de"], private_notes="secret", **fields
    )
    grant(champion, at=LONG_AGO)
    return champion


@pytest.fixture
def world(users: dict[str, User]) -> dict[str, Any]:
    area = ProductAreaFactory(slug="reporting", name="Reporting")
    use_case = UseCaseFactory(slug="onboarding", name="Onboarding")
    ada = reference("Ada")
    ada.product_areas.add(area)
    bob = reference("Bob", industry="retail")
    no_consent = ChampionFactory(full_name="Cy", account=AccountFactory(industry="fintech"))
    withdrawn = reference("Dee")
    withdraw(withdrawn, ConsentScope.REFERENCE_CALL)
    story = publish(
        make_story(
            [ada],
            industry="fintech",
            region="emea",
            size_band="200-999",
            use_case=use_case,
            video_url="https://video.example/ada",
        )
    )
    draft = make_story(
        [bob], title="Draft story", industry="retail", region="emea", size_band="1-49"
    )
    own = ReferenceRequestFactory(
        requested_by=users["sales"], prospect_industry="fintech", notes="mine"
    )
    others = ReferenceRequestFactory(requested_by=users["other_sales"], notes="theirs")
    return {
        "ada": ada,
        "bob": bob,
        "cy": no_consent,
        "dee": withdrawn,
        "story": story,
        "draft": draft,
        "own": own,
        "others": others,
        "area": area,
        "use_case": use_case,
    }


MATCH_BODY = {
    "prospect_industry": "fintech",
    "prospect_size_band": "200-999",
    "prospect_region": "emea",
}

# (method, path, body, {role: status})
CASES: list[tuple[str, str, Any, dict[str, int]]] = [
    (
        "get",
        "/api/v1/references/",
        None,
        {
            "anonymous": 401,
            "champion": 403,
            "sales": 200,
            "other_sales": 200,
            "program_team": 200,
            "service": 403,
        },
    ),
    (
        "post",
        "/api/v1/references/match/",
        MATCH_BODY,
        {
            "anonymous": 401,
            "champion": 403,
            "sales": 200,
            "other_sales": 200,
            "program_team": 200,
            "service": 403,
        },
    ),
    (
        "post",
        "/api/v1/references/match/",
        {"request": "{own}"},
        {
            "anonymous": 401,
            "champion": 403,
            "sales": 200,
            "other_sales": 404,
            "program_team": 200,
            "service": 403,
        },
    ),
    (
        "get",
        "/api/v1/stories/",
        None,
        {
            "anonymous": 401,
            "champion": 403,
            "sales": 200,
            "other_sales": 200,
            "program_team": 200,
            "service": 403,
        },
    ),
    (
        "get",
        "/api/v1/stories/{story}/",
        None,
        {
            "anonymous": 401,
            "champion": 403,
            "sales": 200,
            "other_sales": 200,
            "program_team": 200,
            "service": 403,
        },
    ),
    (
        "get",
        "/api/v1/stories/{draft}/",
        None,
        {
            "anonymous": 401,
            "champion": 403,
            "sales": 404,
            "other_sales": 404,
            "program_team": 404,
            "service": 403,
        },
    ),
    (
        "get",
        "/api/v1/reference-requests/",
        None,
        {
            "anonymous": 401,
            "champion": 403,
            "sales": 200,
            "other_sales": 200,
            "program_team": 200,
            "service": 403,
        },
    ),
    (
        "post",
        "/api/v1/reference-requests/",
        {"deal": "{deal}", "activity_type": "call"},
        {
            "anonymous": 401,
            "champion": 403,
            "sales": 201,
            "other_sales": 201,
            "program_team": 201,
            "service": 403,
        },
    ),
    (
        "get",
        "/api/v1/reference-requests/{own}/",
        None,
        {
            "anonymous": 401,
            "champion": 403,
            "sales": 200,
            "other_sales": 404,
            "program_team": 200,
            "service": 403,
        },
    ),
    (
        "post",
        "/api/v1/reference-requests/{own}/cancel/",
        {},
        {
            "anonymous": 401,
            "champion": 403,
            "sales": 200,
            "other_sales": 404,
            "program_team": 200,
            "service": 403,
        },
    ),
]


def _fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, str):
        return int(value.format(**ids)) if value.startswith("{") else value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "body", "expected"), CASES, ids=lambda c: c if isinstance(c, str) else ""
)
def test_reference_endpoints_answer_each_role_as_allowed(
    role: str,
    method: str,
    path: str,
    body: Any,
    expected: dict[str, int],
    clients: dict[str, APIClient],
    world: dict[str, Any],
) -> None:
    ids = {
        "own": world["own"].pk,
        "story": world["story"].pk,
        "draft": world["draft"].pk,
        "deal": DealFactory().pk,
    }
    kwargs = {"data": _fill(body, ids), "format": "json"} if body is not None else {}
    response = getattr(clients[role], method)(path.format(**ids), **kwargs)
    assert response.status_code == expected[role], (role, response.content[:300])
    if response.status_code >= 400:
        assert set(response.json()) == {"error"}


def test_search_shows_only_consenting_champions_without_contact_details(
    clients: dict[str, APIClient], world: dict[str, Any]
) -> None:
    body = clients["sales"].get("/api/v1/references/").json()
    names = [row["full_name"] for row in body["results"]]
    assert names == ["Ada", "Bob"]  # Cy never consented, Dee withdrew
    ada = body["results"][0]
    assert "email" not in ada and "private_notes" not in ada
    assert ada["stories"][0]["title"] == world["story"].title
    assert ada["stories"][0]["metrics"][0]["name"] == "Onboarding time"
    assert ada["use_cases"] == ["onboarding"] and ada["availability"] == "available"
    team = clients["program_team"].get("/api/v1/references/").json()["results"][0]
    assert team["email"] == world["ada"].email and team["private_notes"] == "secret"


def test_search_follows_the_latest_consent_record_whatever_order_it_was_written_in(
    clients: dict[str, APIClient], world: dict[str, Any]
) -> None:
    def names() -> list[str]:
        return [
            r["full_name"] for r in clients["sales"].get("/api/v1/references/").json()["results"]
        ]

    now = timezone.now()
    # A withdrawal, then a grant recorded as given before it (a signed form filed late).
    withdraw(world["bob"], ConsentScope.REFERENCE_CALL, at=now - timedelta(days=2))
    grant(world["bob"], ConsentScope.REFERENCE_CALL, at=now - timedelta(days=5))
    # A grant that takes effect only tomorrow.
    grant(world["cy"], ConsentScope.REFERENCE_CALL, at=now + timedelta(days=1))
    assert names() == ["Ada"]

    grant(world["dee"], ConsentScope.REFERENCE_CALL)  # consents again
    assert names() == ["Ada", "Dee"]


def test_availability_follows_the_default_cap_setting_until_the_team_saves_its_own(
    clients: dict[str, APIClient], world: dict[str, Any], settings: Any
) -> None:
    def availability() -> list[str]:
        results = clients["sales"].get("/api/v1/references/").json()["results"]
        return [r["availability"] for r in results]

    assert availability() == ["available", "available"]
    settings.REFERENCES_DEFAULT_CAP = 0
    assert availability() == ["at_cap", "at_cap"]
    ReferenceProgramSettings.objects.create(pk=1, default_cap=3)
    assert availability() == ["available", "available"]


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("industry=fintech", ["Ada"]),
        ("industry=retail", ["Bob"]),
        ("region=emea&size_band=200-999", ["Ada", "Bob"]),
        ("language=de", ["Ada", "Bob"]),
        ("language=fr", []),
        ("use_case=onboarding", ["Ada"]),
        ("product_area=reporting", ["Ada"]),
        ("proven_metric=onboarding", ["Ada"]),
        ("proven_metric=revenue", []),
        ("has_video=true", ["Ada"]),
        ("has_video=false", ["Bob"]),
        ("available_now=true", ["Ada", "Bob"]),
        ("q=bob", ["Bob"]),
        ("q=three days", ["Ada"]),
        ("ordering=-name", ["Bob", "Ada"]),
    ],
)
def test_search_filters(
    clients: dict[str, APIClient], world: dict[str, Any], query: str, names: list[str]
) -> None:
    response = clients["sales"].get(f"/api/v1/references/?{query}")
    assert response.status_code == 200, response.content
    assert [row["full_name"] for row in response.json()["results"]] == names


def test_paused_champions_are_not_available_now(
    clients: dict[str, APIClient], world: dict[str, Any]
) -> None:
    ReferenceProfile.objects.create(champion=world["bob"], paused=True)
    rows = clients["sales"].get("/api/v1/references/?available_now=true").json()["results"]
    assert [row["full_name"] for row in rows] == ["Ada"]
    everyone = clients["sales"].get("/api/v1/references/?ordering=-name").json()["results"]
    assert everyone[0]["availability"] == "paused"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("industry=mining", "industry"),
        ("has_video=perhaps", "has_video"),
        ("ordering=email", "ordering"),
        ("colour=red", "colour"),
        ("q=" + "x" * 101, "q"),
        ("q=%00", "q"),
    ],
)
def test_bad_search_parameters_name_the_field(
    clients: dict[str, APIClient], world: dict[str, Any], query: str, field: str
) -> None:
    response = clients["sales"].get(f"/api/v1/references/?{query}")
    assert response.status_code == 400, response.content
    assert field in error_fields(response)


def test_search_query_count_does_not_grow_with_page_size(
    clients: dict[str, APIClient], world: dict[str, Any]
) -> None:
    for n in range(12):
        champion = reference(f"Extra {n:02}")
        publish(
            make_story(
                [champion],
                title=f"Story {n}",
                industry="fintech",
                region="emea",
                size_band="200-999",
            )
        )
    client = clients["sales"]
    client.get("/api/v1/references/")
    counts = []
    for size in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            assert len(
                client.get(f"/api/v1/references/?page_size={size}").json()["results"]
            ) == min(size, 14)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    for size in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            client.get(f"/api/v1/stories/?page_size={size}")
        counts.append(len(queries))
    assert counts[2] == counts[3], counts


@pytest.mark.parametrize("ordering", [None, "-name", "company", "-joined"])
def test_search_pages_by_cursor_through_every_reference_once(
    clients: dict[str, APIClient], world: dict[str, Any], ordering: str | None
) -> None:
    for n in range(11):
        reference(f"Extra {n % 4}")  # same names: the cursor still places each one once
    query: dict[str, Any] | None = {"page_size": 3, **({"ordering": ordering} if ordering else {})}
    url: str | None = "/api/v1/references/"
    seen: list[int] = []
    while url:
        body = clients["sales"].get(url, query).json()
        assert "count" not in body
        assert len(body["results"]) <= 3
        seen += [row["id"] for row in body["results"]]
        url, query = body["next"], None
    assert len(seen) == len(set(seen)) == 13  # Ada, Bob and the extras; no Cy or Dee
    everyone = clients["sales"].get("/api/v1/references/", {"page_size": 100}).json()
    assert set(seen) == {row["id"] for row in everyone["results"]}


def test_a_cursor_that_was_not_handed_out_is_refused(
    clients: dict[str, APIClient], world: dict[str, Any]
) -> None:
    response = clients["sales"].get("/api/v1/references/", {"cursor": "not-a-cursor"})
    assert response.status_code == 404


def test_match_ranks_with_explanation_and_availability(
    clients: dict[str, APIClient], world: dict[str, Any]
) -> None:
    body = {
        **MATCH_BODY,
        "product_areas": ["reporting"],
        "use_case": "onboarding",
        "language": "de",
    }
    response = clients["sales"].post("/api/v1/references/match/", body, format="json")
    assert response.status_code == 200, response.content
    candidates = response.json()["candidates"]
    assert [c["champion"]["full_name"] for c in candidates] == ["Ada", "Bob"]
    ada = candidates[0]
    assert ada["rank"] == 1 and ada["score"] == sum(c["points"] for c in ada["components"])
    assert {c["key"] for c in ada["components"]} >= {"industry", "use_case", "product_areas"}
    assert ada["availability"]["state"] == "available" and ada["availability"]["free_slots"] >= 1
    assert ada["stories"][0]["id"] == world["story"].pk
    assert "email" not in ada["champion"]
    assert not ReferenceRequest.objects.filter(prospect_company="").exists()  # nothing written


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "prospect_industry"),
        ({**MATCH_BODY, "prospect_industry": "mining"}, "prospect_industry"),
        ({**MATCH_BODY, "product_areas": ["nope"]}, "product_areas"),
        ({**MATCH_BODY, "limit": 500}, "limit"),
        ({**MATCH_BODY, "prospect_timezone": "Mars/Base"}, "prospect_timezone"),
        ({"request": 999999}, "request"),
        ({"request": "one"}, "request"),
    ],
)
def test_bad_match_input_names_the_field(
    clients: dict[str, APIClient], world: dict[str, Any], body: dict, field: str
) -> None:
    response = clients["sales"].post("/api/v1/references/match/", body, format="json")
    assert response.status_code in (400, 404)
    assert field in error_fields(response)


def test_stories_are_the_published_shareable_ones(
    clients: dict[str, APIClient], world: dict[str, Any]
) -> None:
    rows = clients["sales"].get("/api/v1/stories/").json()["results"]
    assert [row["id"] for row in rows] == [world["story"].pk]
    detail = clients["sales"].get(f"/api/v1/stories/{world['story'].pk}/").json()
    assert detail["metrics"][0]["before"] == "14.00"
    assert rows[0]["title"] == detail["title"] and rows[0]["featured"] == detail["featured"]
    withdraw(world["ada"], ConsentScope.CASE_STUDY)
    assert clients["sales"].get("/api/v1/stories/").json()["count"] == 0
    assert clients["sales"].get(f"/api/v1/stories/{world['story'].pk}/").status_code == 404
    assert world["draft"].status == StoryStatus.DRAFT


def test_sales_see_and_cancel_only_their_own_requests(
    clients: dict[str, APIClient], world: dict[str, Any]
) -> None:
    mine = clients["sales"].get("/api/v1/reference-requests/").json()
    assert [row["id"] for row in mine["results"]] == [world["own"].pk]
    assert mine["results"][0]["notes"] == "mine"
    assert mine["results"][0]["offer_sla"]["state"] in ("on_time", "overdue")
    assert clients["program_team"].get("/api/v1/reference-requests/").json()["count"] == 2
    others = world["others"]
    assert (
        clients["sales"]
        .post(f"/api/v1/reference-requests/{others.pk}/cancel/", {}, format="json")
        .status_code
        == 404
    )
    others.refresh_from_db()
    assert others.status == RequestStatus.REQUESTED
    cancelled = clients["sales"].post(
        f"/api/v1/reference-requests/{world['own'].pk}/cancel/",
        {"reason": "deal lost"},
        format="json",
    )
    assert cancelled.json()["status"] == RequestStatus.COMPLETED
    assert cancelled.json()["outcome"] == RequestOutcome.CANCELLED
    again = clients["sales"].post(
        f"/api/v1/reference-requests/{world['own'].pk}/cancel/", {}, format="json"
    )
    assert again.status_code == 400


def test_request_creation_ignores_mass_assignment(
    clients: dict[str, APIClient], world: dict[str, Any], users: dict[str, User]
) -> None:
    deal = DealFactory()
    body = {
        "deal": deal.pk,
        "activity_type": "call",
        "notes": "for the CFO",
        "status": "completed",
        "requested_by": users["other_sales"].pk,
        "owner": users["other_sales"].pk,
        "champion": world["ada"].pk,
        "account": AccountFactory().pk,
        "consent": True,
        "is_staff": True,
        "crm_id": "hack",
        "fulfilled_at": "2026-01-01T00:00:00Z",
        "offered_at": "2026-01-01T00:00:00Z",
    }
    response = clients["sales"].post("/api/v1/reference-requests/", body, format="json")
    assert response.status_code == 201, response.content
    created = ReferenceRequest.objects.get(pk=response.json()["id"])
    assert created.requested_by == users["sales"]
    assert created.status == RequestStatus.REQUESTED
    assert created.champion is None and created.fulfilled_at is None and created.offered_at is None
    assert created.prospect_company == deal.account.name  # defaults from the deal's account
    users["sales"].refresh_from_db()
    assert not users["sales"].is_staff
    deal.refresh_from_db()
    assert deal.crm_id != "hack"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"activity_type": "call"}, "deal"),
        ({"deal": 999999, "activity_type": "call"}, "deal"),
        ({"deal": "{deal}", "activity_type": "lunch"}, "activity_type"),
        ({"deal": "{deal}", "activity_type": "call", "needed_by": "2001-01-01"}, "needed_by"),
        ({"deal": "{deal}", "activity_type": "call", "language": "english"}, "language"),
        (
            {"deal": "{deal}", "activity_type": "call", "prospect_timezone": "Nowhere/Land"},
            "prospect_timezone",
        ),
        ({"deal": "{closed}", "activity_type": "call"}, "deal"),
    ],
)
def test_bad_requests_name_the_field(
    clients: dict[str, APIClient], world: dict[str, Any], body: dict, field: str
) -> None:
    ids = {"deal": DealFactory().pk, "closed": DealFactory(is_closed=True).pk}
    before = ReferenceRequest.objects.count()
    response = clients["sales"].post("/api/v1/reference-requests/", _fill(body, ids), format="json")
    assert response.status_code == 400, response.content
    assert field in error_fields(response), response.json()
    assert ReferenceRequest.objects.count() == before


def test_match_for_a_deal_never_proposes_the_prospects_own_people(
    clients: dict[str, APIClient], world: dict[str, Any]
) -> None:
    deal = DealFactory(account=world["ada"].account)
    response = clients["sales"].post("/api/v1/references/match/", {"deal": deal.pk}, format="json")
    assert response.status_code == 200, response.content
    assert [c["champion"]["full_name"] for c in response.json()["candidates"]] == ["Bob"]


def test_match_for_an_own_request(clients: dict[str, APIClient], world: dict[str, Any]) -> None:
    response = clients["sales"].post(
        "/api/v1/references/match/", {"request": world["own"].pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["request"] == world["own"].pk
    assert response.json()["candidates"]
