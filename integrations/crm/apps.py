from __future__ import annotations

from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "integrations.crm"
    label = "crm"
    verbose_name = "CRM sync"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from champions.privacy import register_erasure_hook, register_export_section
        from integrations.crm.privacy import erase_contact_hook, export_crm_data

        # Erasing a champion removes their CRM contact; their download shows what the CRM got.
        register_erasure_hook(erase_contact_hook)
        register_export_section("crm", export_crm_data)
