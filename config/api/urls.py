"""The REST API, version 1: everything under /api/v1/.

The schema and its docs (Swagger UI to try calls, Redoc to read) are served from the packaged
sidecar assets, never a CDN; outside DEBUG they need a signed-in user.
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
        # Our template: no Google Fonts, and the element starts Redoc without inline script.
        # Redoc runs its search index in a worker it creates from a blob of its own code, so
        # this page alone allows blob: workers. Redoc's footer asks for Redocly's logo from
        # their CDN; the policy's img-src blocks it in the browser (no request leaves) and
        # Redoc hides the image.
        _docs_view(
            csp_update({"worker-src": [SELF, "blob:"]})(
                SpectacularRedocView.as_view(url_name="api-schema", template_name="api/redoc.html")
            )
        ),
        name="api-redoc",
    ),
]
