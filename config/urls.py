"""URL configuration."""

from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from config.api.health import healthz
from integrations.crm.admin import integration_page

admin.site.site_header = "Champions program"
admin.site.site_title = "Champions"
admin.site.index_title = "Program administration"
# The admin signs in through allauth (rate limits, MFA); staff MFA: champions/middleware.py.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path(
        "admin/crm/integration/",
        admin.site.admin_view(integration_page),
        name="crm-integration",
    ),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("config.api.urls")),
    path("healthz", healthz, name="healthz"),
    path("integrations/hubspot/", include("integrations.hubspot.urls")),
    path("portal/", include("champions.portal.urls")),
]
