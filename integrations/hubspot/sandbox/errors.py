"""HubSpot-shaped error bodies and the exception the sandbox raises to answer with one.

HubSpot's error body (every 4xx/5xx, per its public OpenAPI specs, "Error" schema):
``{"status": "error", "message", "correlationId" (uuid4), "category", "subCategory"?,
"errors": [...], "context": {...}}``. Entries of a 207's ``errors`` list follow the
"StandardError" schema: ``status``, ``category``, ``message``, ``context``, ``errors``, ``links``.
https://developers.hubspot.com/docs/api-reference/error-handling
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]


def correlation_id() -> str:
    """A fresh correlation id; HubSpot sends a UUID in every error body."""
    return str(uuid.uuid4())


@dataclass
class Problem:
    """One rejected property value, as HubSpot reports it inside a validation error."""

    code: str
    name: str
    message: str
    value: str | None = None

    def detail(self) -> JsonDict:
        """The ``errors[]`` entry (ErrorDetail schema): message, code, context.propertyName."""
        return {
            "message": self.message,
            "code": self.code,
            "context": {"propertyName": [self.name]},
        }

    def legacy(self) -> JsonDict:
        """What HubSpot embeds in the message: ``Property values were not valid: [...]``."""
        out: JsonDict = {
            "isValid": False,
            "message": self.message,
            "error": self.code,
            "name": self.name,
            "localizedErrorMessage": self.message,
        }
        if self.value is not None:
            out["propertyValue"] = self.value
        return out


def problems_message(problems: list[Problem]) -> str:
    # HubSpot puts the validation results, JSON-encoded, into the message text; seen in real
    # responses, e.g. "Property values were not valid: [{\"isValid\":false,...}]".
    body = json.dumps([p.legacy() for p in problems], separators=(",", ":"))
    return f"Property values were not valid: {body}"


@dataclass
class ApiError(Exception):
    """Raised by the store and the routes; the server turns it into a HubSpot error response."""

    status: int
    message: str
    category: str
    sub_category: str | None = None
    errors: list[JsonDict] = field(default_factory=list)
    context: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    # For per-input failures inside a batch: the StandardError ``context`` (ids or trace ids).
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def body(self) -> JsonDict:
        out: JsonDict = {
            "status": "error",
            "message": self.message,
            "correlationId": correlation_id(),
            "category": self.category,
        }
        if self.sub_category is not None:
            out["subCategory"] = self.sub_category
        out["errors"] = list(self.errors)
        out["context"] = dict(self.context)
        return out

    def standard_error(self, context: dict[str, list[str]]) -> JsonDict:
        """This error as one entry of a 207's ``errors`` list (StandardError schema)."""
        out: JsonDict = {
            "status": "error",
            "category": self.category,
            "message": self.message,
            "context": {**self.context, **context},
            "errors": list(self.errors),
            "links": {},
        }
        if self.sub_category is not None:
            out["subCategory"] = self.sub_category
        return out


def validation_error(message: str, sub_category: str | None = None) -> ApiError:
    return ApiError(400, message, "VALIDATION_ERROR", sub_category=sub_category)


def invalid_properties(problems: list[Problem]) -> ApiError:
    """400 VALIDATION_ERROR listing every bad property value, as HubSpot's CRM object APIs do."""
    return ApiError(
        400,
        problems_message(problems),
        "VALIDATION_ERROR",
        errors=[p.detail() for p in problems],
        problems=problems,
    )


def not_found(message: str = "resource not found") -> ApiError:
    return ApiError(404, message, "OBJECT_NOT_FOUND")


def conflict(message: str, category: str = "CONFLICT") -> ApiError:
    return ApiError(409, message, category)


def invalid_json(detail: str) -> ApiError:
    # HubSpot's JSON deserializer fails the whole request before any input is looked at.
    return validation_error(f"Invalid input JSON on line 1: {detail}")


def unauthorized() -> ApiError:
    """401 for a missing or wrong token; HubSpot's category is INVALID_AUTHENTICATION for both.

    https://developers.hubspot.com/docs/api/intro-to-auth
    """
    return ApiError(
        401,
        "Authentication credentials not found. This API supports OAuth 2.0 authentication and "
        "you can find more details at https://developers.hubspot.com/docs/methods/auth/"
        "oauth-overview",
        "INVALID_AUTHENTICATION",
    )


def rate_limit_body(policy: str = "TEN_SECONDLY_ROLLING") -> JsonDict:
    """The 429 body, verbatim from FACTS.md plus the correlationId HubSpot's spec adds.

    https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details#rate-limits
    """
    messages = {
        "TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit.",
        "DAILY": "You have reached your daily limit.",
        # Search has its own per-second limit; HubSpot's exact policy name there is unconfirmed.
        "SECONDLY": "You have reached your secondly limit.",
    }
    return {
        "status": "error",
        "message": messages[policy],
        "errorType": "RATE_LIMIT",
        "correlationId": correlation_id(),
        "policyName": policy,
    }


def server_error_body(status: int) -> JsonDict:
    """Body for an injected 5xx. HubSpot's edge sometimes answers 502/503 with HTML; a JSON
    body in the documented error shape is what the client can parse, so that is what we send."""
    messages = {
        500: "internal error",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
    }
    return {
        "status": "error",
        "message": messages.get(status, "internal error"),
        "correlationId": correlation_id(),
        "category": "INTERNAL_ERROR" if status == 500 else "SERVICE_UNAVAILABLE",
        "errors": [],
        "context": {},
    }
