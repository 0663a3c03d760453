"""Refusals of the reference program that carry more than a message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from champions.errors import DomainError
from champions.models import Champion, ConsentScope


class MissingConsent(DomainError):
    """Publishing was refused: these featured champions lack these consents (by scope)."""

    def __init__(self, missing: Mapping[Champion, Sequence[str]]) -> None:
        self.missing = {champion: list(scopes) for champion, scopes in missing.items()}
        parts = [
            f"{champion.full_name}: "
            + ", ".join(ConsentScope(scope).label.lower() for scope in scopes)
            for champion, scopes in sorted(missing.items(), key=lambda i: i[0].full_name)
        ]
        super().__init__(
            "The story cannot be published until these consents are current — "
            + "; ".join(parts)
            + ".",
            field="consent",
            code="missing_consent",
        )


class ChampionUnavailable(DomainError):
    """The champion cannot be offered a reference now; `available_from` says when, if known."""

    def __init__(
        self, message: str, *, available_from: datetime | None = None, code: str = "unavailable"
    ) -> None:
        super().__init__(message, field="champion", code=code)
        self.available_from = available_from
