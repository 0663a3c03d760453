"""The admin of the champions core, split by topic; importing this package registers it all."""

from __future__ import annotations

# The admin classes subclass ModelAdmin[Model] and ModelForm[Model] (typed for mypy); the
# generics are patched in at runtime by django_stubs_ext in config/settings.py.
from champions.admin import (
    accounts,
    champions,
    guilds,
    history,
    users,
)

__all__ = ["accounts", "champions", "guilds", "history", "users"]
