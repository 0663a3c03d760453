"""OpenAPI generation: component names for the style guide's nested serializers.

Views declare `InputSerializer` and `OutputSerializer` inside themselves (STYLE.md), so the
plain class names collide; the component is named after the view instead
(`TokenListView.OutputSerializer` → `TokenListOutput`).
"""

from __future__ import annotations

from typing import Any, Literal

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


class AutoSchema(SpectacularAutoSchema):
    def get_serializer_name(
        self, serializer: Any, direction: Literal["request", "response"]
    ) -> str:
        cls = type(serializer)
        outer, _, inner = cls.__qualname__.rpartition(".")
        if not outer or "<locals>" in outer:
            return super().get_serializer_name(serializer, direction)
        parts = [part.removesuffix("View").removesuffix("Serializer") for part in outer.split(".")]
        return "".join(parts) + inner.removesuffix("Serializer")


class BearerTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "config.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal or ingestion API token: `Authorization: Bearer chp_...`. "
            "Never in the query string.",
        }


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "example": "invalid"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "description": "Field path (e.g. items.3.kind) → messages.",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}
ERROR_STATUSES = {
    "400": "The input is not valid, or a rule of the program refused it; `fields` names why.",
    "401": "No valid credentials (missing, expired or revoked token; token in a query string).",
    "403": "Signed in, but this role may not do this.",
    "404": "Not found, or not yours to see.",
    "413": "The request body is too large.",
    "415": "Only application/json bodies are accepted.",
    "429": "Too many requests; wait the seconds given in Retry-After.",
}


def add_error_responses(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: every operation documents the one error shape of the API."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_STATUSES.items():
                if code in ("413", "415") and method not in ("post", "put", "patch"):
                    continue
                responses.setdefault(
                    code,
                    {"description": description, "content": {"application/json": {"schema": ref}}},
                )
    return result
