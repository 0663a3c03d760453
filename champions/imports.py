"""CSV import and export of accounts and champions.

An import runs in two steps so that nothing is written before a person has looked at it:
`*_preview` parses the file and checks every row against the database without changing
anything; `*_apply` runs the preview again and creates the valid rows through the services,
all in one transaction. The services stay the judge: a row the preview let through and a
service then refuses (someone added the same champion in between) is reported as skipped.
"""

from __future__ import annotations

import csv
import io
import re
import zoneinfo
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Generic, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from champions import services
from champions.errors import DomainError
from champions.models import (
    Account,
    Champion,
    ChampionState,
    ChampionTier,
    Industry,
    Plan,
    ProductArea,
    Region,
    SizeBand,
    User,
)

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5_000
LIST_SEPARATOR = ";"
_LOOKUP_CHUNK = 500
_LANGUAGE_CODE = re.compile(r"[a-z]{2}")
_DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


@dataclass(frozen=True)
class Column:
    """A column of an import file, as the upload page documents it."""

    name: str
    required: bool
    help: str


def _choice_help(choices: type[models.TextChoices]) -> str:
    return ", ".join(choices.values)


ACCOUNT_COLUMNS: tuple[Column, ...] = (
    Column("name", True, "The company's name."),
    Column("domain", False, "Its web domain, like acme.com. No other account may have it."),
    Column("industry", True, f"One of {_choice_help(Industry)}."),
    Column("region", True, f"One of {_choice_help(Region)}."),
    Column("size_band", True, f"Employees, one of {_choice_help(SizeBand)}."),
    Column("plan", False, f"One of {_choice_help(Plan)}; professional when empty."),
    Column("arr", False, "Annual recurring revenue as a plain number, like 120000.50."),
    Column("crm_id", False, "The company's id in the CRM. No other account may have it."),
)
CHAMPION_COLUMNS: tuple[Column, ...] = (
    Column("email", True, "Work email. No other live champion may have it."),
    Column("full_name", True, "First and last name."),
    Column("account_domain", True, "The account's domain, like acme.com (or its exact name)."),
    Column("title", False, "Job title."),
    Column("tier", False, f"One of {_choice_help(ChampionTier)}; community when empty."),
    Column("timezone", False, "A time zone like Europe/Berlin; UTC when empty."),
    Column("languages", False, "ISO 639-1 codes separated by “;”, like en;de."),
    Column("expertise", False, "Skills separated by “;”."),
    Column("product_areas", False, "Product area slugs separated by “;”."),
)


@dataclass(frozen=True)
class CellError:
    """What is wrong with one row, and in which column."""

    column: str
    message: str


@dataclass(frozen=True)
class AccountInput:
    name: str
    domain: str
    industry: str
    region: str
    size_band: str
    plan: str
    arr: Decimal
    crm_id: str


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


InputT = TypeVar("InputT", AccountInput, ChampionInput)


@dataclass(frozen=True)
class PreviewRow(Generic[InputT]):
    line: int
    cells: tuple[str, ...]
    errors: tuple[CellError, ...]
    parsed: InputT | None

    @property
    def is_valid(self) -> bool:
        return self.parsed is not None


@dataclass(frozen=True)
class Preview(Generic[InputT]):
    """Every row of a file with its errors; `columns` are the known columns, in file order."""

    columns: tuple[str, ...]
    ignored_columns: tuple[str, ...]
    rows: tuple[PreviewRow[InputT], ...]

    @property
    def valid_rows(self) -> list[PreviewRow[InputT]]:
        return [row for row in self.rows if row.is_valid]

    @property
    def invalid_count(self) -> int:
        return len(self.rows) - len(self.valid_rows)


@dataclass(frozen=True)
class ImportResult:
    imported: int
    skipped: int
    # Rows the preview accepted and a service then refused; their `column` is "line N".
    refused: tuple[CellError, ...]


# --- reading the file ---------------------------------------------------------------------


def check_upload_size(*, size: int) -> None:
    """Refuse a file above the size limit before reading it."""
    if size > MAX_UPLOAD_BYTES:
        raise DomainError(
            f"The file is {size / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB. Split it into smaller files.",
            field="file",
            code="too_large",
        )


def decode_upload(*, data: bytes) -> str:
    """The text of an uploaded file, or a DomainError on `file` saying what is wrong."""
    check_upload_size(size=len(data))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(
            "The file is not UTF-8 text. In Excel, save it as “CSV UTF-8”.", field="file"
        ) from None
    if not text.strip():
        raise DomainError("The file is empty.", field="file")
    return text


class _Row:
    """One data row being checked: read its cells by column name, collect its errors."""

    def __init__(self, line: int, header: tuple[str, ...], cells: Sequence[str]) -> None:
        self.line = line
        self.values = dict(zip(header, (cell.strip() for cell in cells), strict=False))
        self.errors: list[CellError] = []
        if len(cells) > len(header):
            self.error("row", f"{len(cells)} values, but the header names {len(header)} columns.")

    def get(self, column: str) -> str:
        return self.values.get(column, "")

    def error(self, column: str, message: str) -> None:
        self.errors.append(CellError(column, message))

    def required(self, column: str) -> str:
        value = self.get(column)
        if not value:
            self.error(column, "Required.")
        return value

    def text(self, column: str, model: type[models.Model]) -> str:
        value = self.get(column)
        field = model._meta.get_field(column)
        max_length = field.max_length if isinstance(field, models.Field) else None
        if max_length is not None and len(value) > max_length:
            self.error(column, f"Longer than {max_length} characters.")
        return value

    def choice(self, column: str, choices: type[models.TextChoices], default: str = "") -> str:
        """A choice by its value or its label, in any case."""
        value = self.get(column)
        if not value:
            return default
        for choice_value, label in choices.choices:
            if value.lower() in (str(choice_value).lower(), str(label).lower()):
                return str(choice_value)
        self.error(column, f"“{value}” is not one of {_choice_help(choices)}.")
        return ""

    def items(self, column: str) -> tuple[str, ...]:
        parts = self.get(column).split(LIST_SEPARATOR)
        return tuple(part.strip() for part in parts if part.strip())


@dataclass(frozen=True)
class _Table:
    header: tuple[str, ...]
    rows: tuple[_Row, ...]

    def first_lines(self, column: str) -> dict[str, int]:
        """For each value of a column (in any case), the line where it first appears."""
        seen: dict[str, int] = {}
        for row in self.rows:
            if value := row.get(column).lower():
                seen.setdefault(value, row.line)
        return seen

    def values(self, column: str) -> list[str]:
        """The distinct non-empty values of a column, lowercased and sorted."""
        return sorted({row.get(column).lower() for row in self.rows if row.get(column)})


def _header_name(cell: str) -> str:
    return re.sub(r"[\s-]+", "_", cell.strip().lower())


def _read_table(content: str, columns: Sequence[Column]) -> _Table:
    # Excel in much of Europe writes ";" between fields; the header line tells which it is.
    first_line = content.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    rows: list[_Row] = []
    try:
        header = tuple(_header_name(cell) for cell in next(reader, []))
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == MAX_ROWS:
                raise DomainError(
                    f"The file has more than {MAX_ROWS:,} rows; split it into smaller files.",
                    field="file",
                    code="too_many_rows",
                )
            rows.append(_Row(reader.line_num, header, cells))
    except csv.Error as error:
        raise DomainError(
            f"Line {reader.line_num} cannot be read as CSV ({error}).", field="file"
        ) from None
    missing = [column.name for column in columns if column.required and column.name not in header]
    if missing:
        expected = ", ".join(column.name for column in columns)
        raise DomainError(
            f"The header row has no column {', '.join(missing)}. "
            f"The first line must name the columns: {expected}.",
            field="file",
            code="missing_columns",
        )
    if not rows:
        raise DomainError("The file has a header row but no data rows.", field="file")
    return _Table(header=header, rows=tuple(rows))


def _preview(
    table: _Table, columns: Sequence[Column], check: Callable[[_Row], InputT | None]
) -> Preview[InputT]:
    known = {column.name for column in columns}
    shown = tuple(name for name in table.header if name in known)
    position = {name: index for index, name in enumerate(table.header)}
    rows: list[PreviewRow[InputT]] = []
    for row in table.rows:
        parsed = check(row)
        # Errors in the order of the file's columns, so they read left to right like the row.
        errors = sorted(row.errors, key=lambda error: position.get(error.column, -1))
        rows.append(
            PreviewRow(
                line=row.line,
                cells=tuple(row.get(name) for name in shown),
                errors=tuple(errors),
                parsed=None if row.errors else parsed,
            )
        )
    ignored = tuple(name for name in table.header if name and name not in known)
    return Preview(columns=shown, ignored_columns=ignored, rows=tuple(rows))


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), _LOOKUP_CHUNK):
        yield values[start : start + _LOOKUP_CHUNK]


# --- accounts -----------------------------------------------------------------------------


def _parse_amount(row: _Row, column: str) -> Decimal:
    value = row.get(column).replace(" ", "").replace("_", "")
    if not value:
        return Decimal(0)
    try:
        amount = Decimal(value)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount < 0:
        row.error(column, f"“{row.get(column)}” is not an amount; write it like 120000.50.")
        return Decimal(0)
    return amount


def accounts_preview(*, content: str) -> Preview[AccountInput]:
    """Check every row of an accounts file; writes nothing."""
    table = _read_table(content, ACCOUNT_COLUMNS)
    unique_columns = ("name", "domain", "crm_id")
    taken = {column: _accounts_having(column, table.values(column)) for column in unique_columns}
    first_lines = {column: table.first_lines(column) for column in unique_columns}

    def check(row: _Row) -> AccountInput:
        name = row.text("name", Account) if row.required("name") else ""
        domain = row.text("domain", Account).lower()
        if domain and not _DOMAIN.fullmatch(domain):
            row.error("domain", f"“{domain}” is not a domain like acme.com.")
        crm_id = row.text("crm_id", Account)
        for column, value in (("name", name), ("domain", domain), ("crm_id", crm_id)):
            if not (key := value.lower()):
                continue
            if key in taken[column]:
                row.error(column, f"Already used by the account {taken[column][key]}.")
            elif (first := first_lines[column][key]) != row.line:
                row.error(column, f"Also on line {first} of this file.")
        return AccountInput(
            name=name,
            domain=domain,
            industry=row.choice("industry", Industry) if row.required("industry") else "",
            region=row.choice("region", Region) if row.required("region") else "",
            size_band=row.choice("size_band", SizeBand) if row.required("size_band") else "",
            plan=row.choice("plan", Plan, default=Plan.PROFESSIONAL),
            arr=_parse_amount(row, "arr"),
            crm_id=crm_id,
        )

    return _preview(table, ACCOUNT_COLUMNS, check)


def _accounts_having(column: str, values: Sequence[str]) -> dict[str, str]:
    """Account names by the lowercase value of `column` they have, for these values."""
    found: dict[str, str] = {}
    for chunk in _chunks(values):
        matches = Account.objects.annotate(key=Lower(column)).filter(key__in=chunk)
        found.update(matches.values_list("key", "name"))
    return found


@transaction.atomic
def accounts_apply(*, content: str) -> ImportResult:
    """Create the valid accounts of a file; invalid rows are skipped."""
    preview = accounts_preview(content=content)

    def create(account: AccountInput) -> None:
        services.account_create(
            name=account.name,
            domain=account.domain,
            industry=account.industry,
            region=account.region,
            size_band=account.size_band,
            plan=account.plan,
            arr=account.arr,
            crm_id=account.crm_id,
        )

    return _apply(preview, create)


# --- champions ----------------------------------------------------------------------------


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def champions_preview(*, content: str) -> Preview[ChampionInput]:
    """Check every row of a champions file; writes nothing."""
    table = _read_table(content, CHAMPION_COLUMNS)
    accounts = _AccountIndex(table.values("account_domain"))
    areas = {area.slug: area for area in ProductArea.objects.all()}
    live = _live_champions(table.values("email"))
    first_lines = table.first_lines("email")

    def check(row: _Row) -> ChampionInput | None:
        email = _check_email(row, live)
        if email and (first := first_lines[email]) != row.line:
            row.error("email", f"Also on line {first} of this file.")
        full_name = row.text("full_name", Champion) if row.required("full_name") else ""
        account = accounts.find(row)
        timezone_name = row.get("timezone") or "UTC"
        if timezone_name not in _time_zones():
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

    return _preview(table, CHAMPION_COLUMNS, check)


def _check_email(row: _Row, live: dict[str, Champion]) -> str:
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
    for chunk in _chunks(emails):
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
        for chunk in _chunks(keys):
            matches = Account.objects.annotate(
                lower_domain=Lower("domain"), lower_name=Lower("name")
            ).filter(Q(lower_domain__in=chunk) | Q(lower_name__in=chunk))
            for account in matches:
                if account.domain:
                    self.by_domain[account.domain.lower()] = account
                self.by_name.setdefault(account.name.lower(), []).append(account)

    def find(self, row: _Row) -> Account | None:
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

    return _apply(preview, create)


def _apply(preview: Preview[InputT], create: Callable[[InputT], object]) -> ImportResult:
    imported = 0
    refused: list[CellError] = []
    for row in preview.valid_rows:
        assert row.parsed is not None
        try:
            # A savepoint per row: a refused row leaves nothing behind, the others go on.
            with transaction.atomic():
                create(row.parsed)
        except DomainError as error:
            refused.append(CellError(f"line {row.line}", error.message))
        else:
            imported += 1
    return ImportResult(
        imported=imported,
        skipped=preview.invalid_count + len(refused),
        refused=tuple(refused),
    )


# --- export -------------------------------------------------------------------------------

ACCOUNT_EXPORT_HEADER: tuple[str, ...] = (
    *(column.name for column in ACCOUNT_COLUMNS),
    "live_champions",
    "created_at",
)
CHAMPION_EXPORT_HEADER: tuple[str, ...] = (
    *(column.name for column in CHAMPION_COLUMNS),
    "account_name",
    "state",
    "joined_at",
    "crm_id",
)


def _spreadsheet_safe(value: object) -> str:
    """The cell as text that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def accounts_export_rows(*, accounts: QuerySet[Account]) -> Iterator[list[str]]:
    """The header and one row per account, with the columns the import reads first."""
    yield list(ACCOUNT_EXPORT_HEADER)
    counted = accounts.annotate(
        live_champions=models.Count("champions", filter=~Q(champions__state=ChampionState.ALUMNI))
    )
    for account in counted.iterator(chunk_size=500):
        values: list[object] = [
            account.name,
            account.domain,
            account.industry,
            account.region,
            account.size_band,
            account.plan,
            account.arr,
            account.crm_id,
            account.live_champions,
            account.created_at.isoformat(),
        ]
        yield [_spreadsheet_safe(value) for value in values]


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
        yield [_spreadsheet_safe(value) for value in values]
