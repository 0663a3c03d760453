"""Reading an import file: the size and encoding checks, the rows, the preview of them.

What accounts and champions share; `accounts` and `champions` say what their columns mean.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db import models, transaction

from champions.errors import DomainError

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5_000
LIST_SEPARATOR = ";"
_LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class Column:
    """A column of an import file, as the upload page documents it."""

    name: str
    required: bool
    help: str


def choice_help(choices: type[models.TextChoices]) -> str:
    return ", ".join(choices.values)


@dataclass(frozen=True)
class CellError:
    """What is wrong with one row, and in which column."""

    column: str
    message: str


InputT = TypeVar("InputT")


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


class Row:
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
        self.error(column, f"“{value}” is not one of {choice_help(choices)}.")
        return ""

    def items(self, column: str) -> tuple[str, ...]:
        parts = self.get(column).split(LIST_SEPARATOR)
        return tuple(part.strip() for part in parts if part.strip())


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[Row, ...]

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


def header_name(cell: str) -> str:
    return re.sub(r"[\s-]+", "_", cell.strip().lower())


def read_table(content: str, columns: Sequence[Column]) -> Table:
    # Excel in much of Europe writes ";" between fields; the header line tells which it is.
    first_line = content.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    rows: list[Row] = []
    try:
        header = tuple(header_name(cell) for cell in next(reader, []))
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == MAX_ROWS:
                raise DomainError(
                    f"The file has more than {MAX_ROWS:,} rows; split it into smaller files.",
                    field="file",
                    code="too_many_rows",
                )
            rows.append(Row(reader.line_num, header, cells))
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
    return Table(header=header, rows=tuple(rows))


def build_preview(
    table: Table, columns: Sequence[Column], check: Callable[[Row], InputT | None]
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


def chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), _LOOKUP_CHUNK):
        yield values[start : start + _LOOKUP_CHUNK]


def apply_rows(preview: Preview[InputT], create: Callable[[InputT], object]) -> ImportResult:
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


def spreadsheet_safe(value: object) -> str:
    """The cell as text that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
