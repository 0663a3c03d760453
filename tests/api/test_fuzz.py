"""A schemathesis run over the committed schema, inside the suite (RELIABILITY.md 13).

Every operation of docs/openapi.yaml gets generated requests — valid and invalid — sent to the
WSGI app as the program team (a bearer token). A response must never be a 5xx, and every
response must match the schema (error bodies included). The number of examples is bounded so
the run takes seconds; raise SCHEMATHESIS_MAX_EXAMPLES for a deeper local run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

from champions.models import ApiTokenScope  # noqa: E402
from tests.api.conftest import make_token  # noqa: E402
from tests.factories import AccountFactory, ChampionFactory, StaffFactory  # noqa: E402

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10"))
schema = schemathesis.openapi.from_path(Path(settings.BASE_DIR) / "docs" / "openapi.yaml")
schema.app = WSGIHandler()


@pytest.fixture
def program_team_token(db: None, settings: Any) -> Iterator[str]:
    settings.ALLOWED_HOSTS = ["*"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(
            settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "100000/min"
        ),
    }
    # Like Django's test client: keep the test's database connection (and its transaction)
    # open across requests instead of closing it at the end of each one.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    AccountFactory.create_batch(2)
    ChampionFactory.create_batch(2)
    yield make_token(StaffFactory(email="fuzz@example.com"), scope=ApiTokenScope.PERSONAL)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_fuzz(case: Any, program_team_token: str) -> None:
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {program_team_token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
    if os.environ.get("FUZZ_TRACE"):
        print("FUZZ", case.method, case.formatted_path, response.status_code)
