"""JSON bodies only, bounded in size, and free of text PostgreSQL cannot store.

DRF reads the body straight from the stream, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE, so the
limit is enforced here. Lone surrogates and NUL characters would pass `json.loads` and then fail
in the database as a 500; they are refused here with the path of the offending field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer

from config.api.exceptions import PayloadTooLarge


def _has_bad_text(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _bad_text_path(data: Any, path: str = "") -> str | None:
    if isinstance(data, str):
        return path or "body" if _has_bad_text(data) else None
    if isinstance(data, Mapping):
        for key, value in data.items():
            child = f"{path}.{key}" if path else str(key)
            if _has_bad_text(str(key)):
                return child
            if (found := _bad_text_path(value, child)) is not None:
                return found
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found = _bad_text_path(value, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


class LimitedJSONParser(BaseParser):
    media_type = "application/json"
    renderer_class = JSONRenderer

    def parse(
        self,
        stream: IO[Any] | None,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit: int = settings.API_MAX_BODY_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit:,} bytes.")
        try:
            text = raw.decode("utf-8")
            data = json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError) as error:
            raise ParseError(f"The body is not valid JSON: {error}") from None
        # Valid UTF-8 JSON can only carry a NUL or a lone surrogate as a \u escape: a body
        # without one needs no walk (a thousand ingestion items are 7,000 strings).
        if "\\u" in text and (path := _bad_text_path(data)) is not None:
            raise ValidationError(
                {path: ["Contains a NUL character or an unpaired surrogate, which is not text."]}
            )
        return data


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")
