"""The portal's two champions in two accounts (tests/champions/portal/conftest.py)."""

from __future__ import annotations

from tests.champions.portal.conftest import (  # noqa: F401  (fixtures)
    _fresh_rate_limits,
    champion_a,
    champion_b,
    client_a,
    client_b,
    consent_texts,
    not_emailed_at_once,
)
