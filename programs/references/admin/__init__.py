"""The reference program in the admin, split by topic; importing this package registers it."""

from __future__ import annotations

import django_stubs_ext

# ModelAdmin[Model] generics (typed for mypy) need the runtime patch before the modules load.
django_stubs_ext.monkeypatch()

from programs.references.admin import program, requests, stories  # noqa: E402

__all__ = ["program", "requests", "stories"]
