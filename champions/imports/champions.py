"""The champions import: one champion per row, created through `champion_create`."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from champions import services
from champions.imports.table import (
    LIST_SEPARATOR,
    Column,
    ImportResult,
    Preview,
    Row,
    apply_rows,
    build_preview,
    choice_help,
    chunks,
    read_table,
    spreadsheet_safe,
)
from champions.models import (
    Account,
    Champion,
    ChampionState,
    ChampionTier,
    ProductArea,
    User,
    known_timezones,
)

_LANGUAGE_CODE = re.compile(r"[a-z]{2}")

CHAMPION_COLUMNS: tuple[Column, ...] = (
    Column("email", True, "Work email. No other live champion may have it."),
    Column("full_name", True, "First and last name."),
    Column("account_domain", True, "The account's domain, like acme.com (or its exact name)."),
    Column("title", False, "Job title."),
    Column("tier", False, f"One of {choice_help(ChampionTier)}; community when empty."),
    Column("timezone", False, "A time zone like Europe/Berlin; UTC when empty."),
    Column("languages", False, "ISO 639-1 codes separated by “;”, like en;de."),
    Column("expertise", False, "Skills separated by “;”."),
    Column("product_areas", False, "Product area slugs separated by “;”."),
)


@dataclass(frozen=True)
class ChampionInput:
    email: str
    full_name: str
    account: Account
    title: str
    tier: str
    timezone_name: str
    languages: tuple[str, ...]
    expertise: tuple[str, ...]
    product_areas: tuple[ProductArea, ...]


def champions_preview(*, content: str) -> Preview[ChampionInput]:
    """Check every row of a champions file; writes nothing."""
    table = read_table(content, CHAMPION_COLUMNS)
    accounts = _AccountIndex(table.values("account_domain"))
    areas = {area.slug: area for area in ProductArea.objects.all()}
    live = _live_champions(table.values("email"))
    first_lines = table.first_lines("email")

    def check(row: Row) -> ChampionInput | None:
        email = _check_email(row, live)
        if email and (first := first_lines[email]) != row.line:
            row.error("email", f"Also on line {first} of this file.")
        full_name = row.text("full_name", Champion) if row.required("full_name") else ""
        account = accounts.find(row)
        timezone_name = row.get("timezone") or "UTC"
        if timezone_name not in known_timezones():
            row.error("timezone", f"“{timezone_name}” is not a time zone like Europe/Berlin.")
        languages = tuple(code.lower() for code in row.items("languages"))
        if bad := [code for code in languages if not _LANGUAGE_CODE.fullmatch(code)]:
            row.error("languages", f"{', '.join(bad)}: not ISO 639-1 codes like en or de.")
        if unknown := [slug for slug in row.items("product_areas") if slug not in areas]:
            known = ", ".join(sorted(areas)) or "none yet"
            row.error("product_areas", f"Unknown: {', '.join(unknown)} (known: {known}).")
        if account is None:
            return None
        return ChampionInput(
            email=email,
            full_name=full_name,
            account=account,
            title=row.text("title", Champion),
            tier=row.choice("tier", ChampionTier, default=ChampionTier.COMMUNITY),
            timezone_name=timezone_name,
            languages=languages,
            expertise=row.items("expertise"),
            product_areas=tuple(areas[s] for s in row.items("product_areas") if s in areas),
        )

    return build_preview(table, CHAMPION_COLUMNS, check)


def _check_email(row: Row, live: dict[str, Champion]) -> str:
    email = row.required("email").lower()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        row.error("email", f"“{email}” is not a valid email address.")
        return email
    if (existing := live.get(email)) is not None:
        row.error(
            "email",
            f"Already the champion {existing.full_name} at {existing.account.name} "
            f"({existing.get_state_display().lower()}).",
        )
    return email


def _live_champions(emails: Sequence[str]) -> dict[str, Champion]:
    """Champions not yet alumni with one of these emails, by lowercase email."""
    found: dict[str, Champion] = {}
    for chunk in chunks(emails):
        matches = (
            Champion.objects.annotate(lower_email=Lower("email"))
            .filter(lower_email__in=chunk)
            .exclude(state=ChampionState.ALUMNI)
            .select_related("account")
        )
        found.update((champion.email.lower(), champion) for champion in matches)
    return found


class _AccountIndex:
    """The accounts a champions file names, by domain and by name, loaded in few queries."""

    def __init__(self, keys: Sequence[str]) -> None:
        self.by_domain: dict[str, Account] = {}
        self.by_name: dict[str, list[Account]] = {}
        for chunk in chunks(keys):
            matches = Account.objects.annotate(
                lower_domain=Lower("domain"), lower_name=Lower("name")
            ).filter(Q(lower_domain__in=chunk) | Q(lower_name__in=chunk))
            for account in matches:
                if account.domain:
                    self.by_domain[account.domain.lower()] = account
                self.by_name.setdefault(account.name.lower(), []).append(account)

    def find(self, row: Row) -> Account | None:
        key = row.required("account_domain").lower()
        if not key:
            return None
        if key in self.by_domain:
            return self.by_domain[key]
        named = self.by_name.get(key, [])
        if len(named) == 1:
            return named[0]
        if named:
            row.error("account_domain", f"{len(named)} accounts are named “{key}”; use the domain.")
        else:
            row.error("account_domain", f"No account has the domain or name “{key}”.")
        return None


@transaction.atomic
def champions_apply(
    *, content: str, send_invitations: bool, invited_by_user: User | None
) -> ImportResult:
    """Create the valid champions of a file (in state invited), and invite them if asked."""
    preview = champions_preview(content=content)

    def create(row: ChampionInput) -> None:
        champion = services.champion_create(
            account=row.account,
            email=row.email,
            full_name=row.full_name,
            title=row.title,
            tier=row.tier,
            timezone_name=row.timezone_name,
            languages=row.languages,
            expertise=row.expertise,
            product_areas=row.product_areas,
        )
        if send_invitations:
            services.invitation_send(champion=champion, invited_by_user=invited_by_user)

    return apply_rows(preview, create)


CHAMPION_EXPORT_HEADER: tuple[str, ...] = (
    *(column.name for column in CHAMPION_COLUMNS),
    "account_name",
    "state",
    "joined_at",
    "crm_id",
)


def champions_export_rows(*, champions: QuerySet[Champion]) -> Iterator[list[str]]:
    """The header and one row per champion, with the columns the import reads first."""
    yield list(CHAMPION_EXPORT_HEADER)
    rows = champions.select_related("account").prefetch_related("product_areas")
    for champion in rows.iterator(chunk_size=500):
        values: list[object] = [
            champion.email,
            champion.full_name,
            champion.account.domain or champion.account.name,
            champion.title,
            champion.tier,
            champion.timezone,
            LIST_SEPARATOR.join(champion.languages),
            LIST_SEPARATOR.join(champion.expertise),
            LIST_SEPARATOR.join(area.slug for area in champion.product_areas.all()),
            champion.account.name,
            champion.state,
            champion.joined_at.isoformat() if champion.joined_at else "",
            champion.crm_id,
        ]
        yield [spreadsheet_safe(value) for value in values]
