from __future__ import annotations

from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "integrations.crm"
    label = "crm"
    verbose_name = "CRM sync"
    default_auto_field = "django.db.models.BigAutoField"
