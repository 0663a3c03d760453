"""CSV import and export of accounts and champions.

An import runs in two steps so that nothing is written before a person has looked at it:
`*_preview` parses the file and checks every row against the database without changing
anything; `*_apply` runs the preview again and creates the valid rows through the services,
all in one transaction. The services stay the judge: a row the preview let through and a
service then refuses (someone added the same champion in between) is reported as skipped.
"""

from __future__ import annotations

from champions.imports.accounts import (
    ACCOUNT_COLUMNS,
    ACCOUNT_EXPORT_HEADER,
    AccountInput,
    accounts_apply,
    accounts_export_rows,
    accounts_preview,
)
from champions.imports.champions import (
    CHAMPION_COLUMNS,
    CHAMPION_EXPORT_HEADER,
    ChampionInput,
    champions_apply,
    champions_export_rows,
    champions_preview,
)
from champions.imports.table import (
    LIST_SEPARATOR,
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    CellError,
    Column,
    ImportResult,
    Preview,
    PreviewRow,
    check_upload_size,
    decode_upload,
)

__all__ = [
    "ACCOUNT_COLUMNS",
    "ACCOUNT_EXPORT_HEADER",
    "CHAMPION_COLUMNS",
    "CHAMPION_EXPORT_HEADER",
    "LIST_SEPARATOR",
    "MAX_ROWS",
    "MAX_UPLOAD_BYTES",
    "AccountInput",
    "CellError",
    "ChampionInput",
    "Column",
    "ImportResult",
    "Preview",
    "PreviewRow",
    "accounts_apply",
    "accounts_export_rows",
    "accounts_preview",
    "champions_apply",
    "champions_export_rows",
    "champions_preview",
    "check_upload_size",
    "decode_upload",
]
