"""The admin of the champions core, split by topic; importing this package registers it all."""

from __future__ import annotations

# The admin classes subclass ModelAdmin[Model] and ModelForm[Model] (typed for mypy); that
# needs the generics patched in at runtime before the topic modules below are imported.
from champions.admin import (
    accounts,
    champions,
    guilds,
    history,
    users,
)

__all__ = ["accounts", "champions", "guilds", "history", "users"]
