from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from champions.models import Champion
from tests.factories import AccountFactory, ChampionFactory
from tests.programs.references.factories import grant

CONSENTED_AT = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
def consenting_champion(db: None) -> Champion:
    """An active champion who consented to every scope (in January 2025)."""
    champion: Champion = ChampionFactory(account=AccountFactory(name="Acme"), full_name="Ada")
    grant(champion, at=CONSENTED_AT)
    return champion


@pytest.fixture
def mail_outbox(mailoutbox: Any) -> Any:
    return mailoutbox
