"""The admin of the champions core, split by topic; importing this package registers it all."""

from __future__ import annotations

import django_stubs_ext

# The admin classes subclass ModelAdmin[Model] and ModelForm[Model] (typed for mypy); that
# needs the generics patched in at runtime before the topic modules below are imported.
django_stubs_ext.monkeypatch()

from champions.admin import (  # noqa: E402
    accounts,
    champions,
    guilds,
    history,
    users,
)

__all__ = ["accounts", "champions", "guilds", "history", "users"]
