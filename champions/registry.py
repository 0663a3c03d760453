"""A registry other apps fill from `AppConfig.ready()`: the portal's panels, the digest's
sections. An entry replaces the one with the same key; they are listed by order, then key."""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar


class Entry(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def order(self) -> int: ...


E = TypeVar("E", bound=Entry)


class OrderedRegistry(Generic[E]):
    def __init__(self, name: str) -> None:
        self.name = name
        self._entries: dict[str, E] = {}

    def register(self, entry: E) -> None:
        """Add an entry, or replace the one with the same key (an app filling a placeholder)."""
        self._entries[entry.key] = entry

    def unregister(self, key: str) -> E | None:
        """Take an entry out; returns it (None if there was none), to put back later."""
        return self._entries.pop(key, None)

    def entries(self) -> list[E]:
        return sorted(self._entries.values(), key=lambda entry: (entry.order, entry.key))
