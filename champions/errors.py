"""Domain errors: a rule of the program refused an action.

One handler per door turns them into what its user sees: a 4xx with the message in the API,
a form error in the portal, a message in the admin. The message is written for a person.
"""

from __future__ import annotations


class DomainError(Exception):
    """An action the program's rules refuse; nothing was changed."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class NotFound(DomainError):
    """The thing asked for does not exist, or the person may not see it."""

    def __init__(self, message: str = "Not found.", *, field: str | None = None) -> None:
        super().__init__(message, field=field, code="not_found")
