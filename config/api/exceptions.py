"""The API's one exception handler: every refusal in one JSON shape that names the fields.

    {"error": {"code": "invalid", "message": "...", "fields": {"items.3.kind": ["..."]}}}

`DomainError` (a rule of the program refused the action) becomes 400, its `NotFound` 404 (and
the codes `forbidden` and `mfa_required` 403);
DRF's own errors keep their status (401, 403, 404, 405, 413, 415, 429 with Retry-After).
Nested field errors are flattened into dotted paths (`items.3.kind`), so a client can point at
the exact field. Anything else is a bug and stays a 500 for the logs. Every 401, 403 and 404
is logged as an `access_denied` security event (RELIABILITY.md item 27).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import structlog
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from champions.errors import DomainError, NotFound

security_log = structlog.get_logger("security.access")
NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY
DENIED = (401, 403, 404)
# A DomainError is a 400 unless its code says the caller may not do it at all.
STATUS_BY_CODE = {"not_found": 404, "forbidden": 403, "mfa_required": 403}


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


def error_body(
    code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """{'items': {3: {'kind': ['...']}}} → {'items.3.kind': ['...']}."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            name = str(key) if key != NON_FIELD else ""
            path = f"{prefix}.{name}" if prefix and name else (prefix or name)
            for field, messages in flatten_errors(value, path).items():
                flat.setdefault(field, []).extend(messages)
    elif isinstance(detail, Sequence) and not isinstance(detail, str):
        if all(not isinstance(item, Mapping | list) for item in detail):
            flat[prefix] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                if item:
                    path = f"{prefix}.{index}" if prefix else str(index)
                    for field, messages in flatten_errors(item, path).items():
                        flat.setdefault(field, []).extend(messages)
    else:
        flat[prefix] = [str(detail)]
    return flat


def _validation_response(exc: exceptions.ValidationError) -> tuple[str, dict[str, list[str]]]:
    flat = flatten_errors(exc.detail)
    general = flat.pop("", [])
    if general and not flat:
        return " ".join(general), {}
    named = ", ".join(sorted(flat))
    message = " ".join(general) or f"Some fields are not valid: {named}."
    if general:
        flat[NON_FIELD] = general
    return message, flat


def _code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    if isinstance(codes, str):
        return codes
    return "invalid" if isinstance(exc, exceptions.ValidationError) else exc.default_code


def api_exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        set_rollback()
        status_code = 404 if isinstance(exc, NotFound) else STATUS_BY_CODE.get(exc.code, 400)
        fields = {exc.field: [exc.message]} if exc.field else {}
        _log_denial(context, status_code, exc.code)
        return Response(error_body(exc.code, exc.message, fields), status=status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    headers: dict[str, str] = {}
    if auth_header := getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = auth_header
    if wait := getattr(exc, "wait", None):
        headers["Retry-After"] = str(max(1, int(wait + 0.999)))
    if isinstance(exc, exceptions.ValidationError):
        message, fields = _validation_response(exc)
        body = error_body("invalid", message, fields)
    else:
        about_body = isinstance(
            exc, exceptions.ParseError | PayloadTooLarge | exceptions.UnsupportedMediaType
        )
        fields = {"body": [str(exc.detail)]} if about_body else {}
        body = error_body(_code(exc), str(exc.detail), fields)
    set_rollback()
    _log_denial(context, exc.status_code, body["error"]["code"])
    return Response(body, status=exc.status_code, headers=headers)


def _log_denial(context: Mapping[str, Any], status_code: int, code: str) -> None:
    """Refused access (no or bad credentials, not allowed, someone else's object) is a security
    event; the request id and address come from the request's log context, the user from the
    API's own authentication (a bearer token is read in the view, after the middleware)."""
    if status_code not in DENIED:
        return
    user = getattr(context.get("request"), "user", None)
    user_id = user.pk if user is not None and user.is_authenticated else None
    security_log.warning(
        "access_denied", outcome="denied", status=status_code, code=code, user_id=user_id
    )
