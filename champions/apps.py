from __future__ import annotations

from django.apps import AppConfig


class ChampionsConfig(AppConfig):
    name = "champions"
    verbose_name = "Champions"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from champions.roles import ensure_role_groups_after_migrate

        # Permissions exist only after migrate has run, so the role groups are synced then.
        post_migrate.connect(ensure_role_groups_after_migrate, sender=self)
