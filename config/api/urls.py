"""The REST API, version 1: everything under /api/v1/.

The schema and its interactive docs (Swagger UI, Redoc) are served from the packaged sidecar
assets, never a CDN; outside DEBUG they need a signed-in user.
"""

from __future__ import annotations

from typing import Any

from csp.constants import SELF
from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularJSONAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.permissions import AllowAny

from config.api import schema  # noqa: F401  (registers the bearer-token OpenAPI scheme)
from config.api.metrics import MetricsView
from config.api.permissions import IsAuthenticatedPerson


def _docs_view(view: Any) -> Any:
    return view if settings.API_DOCS_PUBLIC else login_required(view)


# Redoc searches in a worker it starts from a blob: URL, and its menu always shows Redocly's
# logo from their CDN (no referrer goes with it: Referrer-Policy is same-origin).
REDOC_POLICY = {"worker-src": [SELF, "blob:"], "img-src": ["https://cdn.redoc.ly"]}

_docs_permissions = [AllowAny] if settings.API_DOCS_PUBLIC else [IsAuthenticatedPerson]

urlpatterns = [
    path("", include("champions.api.urls")),
    path("", include("programs.references.api.urls")),
    path("metrics/", MetricsView.as_view(), name="metrics"),
    path(
        "schema/",
        SpectacularJSONAPIView.as_view(permission_classes=_docs_permissions),
        name="api-schema",
    ),
    path(
        "docs/",
        # The split view serves Swagger UI's start-up script as a file: no inline script.
        _docs_view(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path(
        "redoc/",
        _docs_view(
            csp_update(REDOC_POLICY)(
                SpectacularRedocView.as_view(url_name="api-schema", template_name="api/redoc.html")
            )
        ),
        name="api-redoc",
    ),
]
