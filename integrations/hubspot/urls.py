from __future__ import annotations

from django.urls import path

from integrations.hubspot.views import webhook

app_name = "hubspot"

urlpatterns = [
    path("webhooks", webhook, name="webhook"),
]
