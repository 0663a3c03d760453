"""The reference program in the admin, split by topic; importing this package registers it."""

from __future__ import annotations

# ModelAdmin[Model] generics (typed for mypy) need the runtime patch before the modules load.
from programs.references.admin import program, requests, stories

__all__ = ["program", "requests", "stories"]
