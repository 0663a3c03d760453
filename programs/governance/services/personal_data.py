"""Finding and removing names and contact details in texts shown beyond the moderators.

Used for the decision the member is told (it must not name the reporter) and for anonymized
lessons (no one involved may be recognisable). The check is deliberately strict: every name
part of three letters or more counts, as do email addresses, phone numbers and company names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from champions.models import Champion, User

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"\+?\d[\d ()/.-]{6,}\d")
MIN_NAME_PART = 3


@dataclass(frozen=True)
class Person:
    """Someone who must not be recognisable, and how a text may refer to them instead."""

    names: tuple[str, ...]
    role: str
    whole_names_only: bool = False  # companies: "Acme GmbH" and "acme", not "GmbH"


def people_of(who: Champion | User | None, role: str) -> list[Person]:
    """The person (name, email name) and, for a champion, their company."""
    if who is None:
        return []
    names = tuple(n for n in (who.full_name, who.email.split("@")[0]) if n)
    people = [Person(names, role)]
    if isinstance(who, Champion) and who.account_id is not None:
        account = who.account
        label = account.domain.split(".")[0] if account.domain else ""
        names = tuple(n for n in (account.name, label) if len(n) >= MIN_NAME_PART)
        people.append(Person(names, "their company", whole_names_only=True))
    return people


def _parts(name: str, person: Person) -> list[str]:
    if person.whole_names_only:
        return [name]
    words = [w for w in re.split(r"[\s.,_-]+", name) if len(w) >= MIN_NAME_PART]
    return [name, *words]


def _pattern(term: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE)


def personal_data_in(text: str, people: Iterable[Person]) -> list[str]:
    """The names, emails and phone numbers found in `text`, as they appear there."""
    found: list[str] = []
    for person in people:
        for name in person.names:
            for part in _parts(name, person):
                match = _pattern(part).search(text)
                if match and match.group(0) not in found:
                    found.append(match.group(0))
    found += [m.group(0) for m in EMAIL.finditer(text)]
    found += [m.group(0) for m in PHONE.finditer(text)]
    return found


def anonymize(text: str, people: Iterable[Person]) -> str:
    """Replace every known name by the person's role, emails and phone numbers by a marker."""
    text = EMAIL.sub("[email]", text)
    text = PHONE.sub("[phone]", text)
    for person in people:
        for name in person.names:
            for part in sorted(_parts(name, person), key=len, reverse=True):
                text = _pattern(part).sub(person.role, text)
    return text
