"""The accounts import: one customer company per row, created through `account_create`."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from champions import services
from champions.imports.table import (
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
from champions.models import Account, ChampionState, Industry, Plan, Region, SizeBand

_DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")

ACCOUNT_COLUMNS: tuple[Column, ...] = (
    Column("name", True, "The company's name."),
    Column("domain", False, "Its web domain, like acme.com. No other account may have it."),
    Column("industry", True, f"One of {choice_help(Industry)}."),
    Column("region", True, f"One of {choice_help(Region)}."),
    Column("size_band", True, f"Employees, one of {choice_help(SizeBand)}."),
    Column("plan", False, f"One of {choice_help(Plan)}; professional when empty."),
    Column("arr", False, "Annual recurring revenue as a plain number, like 120000.50."),
    Column("crm_id", False, "The company's id in the CRM. No other account may have it."),
)


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


def parse_amount(row: Row, column: str) -> Decimal:
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
    table = read_table(content, ACCOUNT_COLUMNS)
    unique_columns = ("name", "domain", "crm_id")
    taken = {column: _accounts_having(column, table.values(column)) for column in unique_columns}
    first_lines = {column: table.first_lines(column) for column in unique_columns}

    def check(row: Row) -> AccountInput:
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
            arr=parse_amount(row, "arr"),
            crm_id=crm_id,
        )

    return build_preview(table, ACCOUNT_COLUMNS, check)


def _accounts_having(column: str, values: Sequence[str]) -> dict[str, str]:
    """Account names by the lowercase value of `column` they have, for these values."""
    found: dict[str, str] = {}
    for chunk in chunks(values):
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

    return apply_rows(preview, create)


ACCOUNT_EXPORT_HEADER: tuple[str, ...] = (
    *(column.name for column in ACCOUNT_COLUMNS),
    "live_champions",
    "created_at",
)


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
        yield [spreadsheet_safe(value) for value in values]
