from __future__ import annotations

from django.apps import AppConfig


class ChampionsConfig(AppConfig):
    name = "champions"
    verbose_name = "Champions"

    def ready(self) -> None:
        from allauth.account.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from champions.portal import core_panels  # noqa: F401  (registers the core's panels)
        from champions.portal.activity import record_portal_login
        from champions.roles import ensure_role_groups_after_migrate
        from config import checks  # noqa: F401  (registers the deployment checks)

        # Permissions exist only after migrate has run, so the role groups are synced then
        # (on the last app's signal: the apps after this one bring permissions of their own).
        post_migrate.connect(ensure_role_groups_after_migrate, dispatch_uid="champions.roles")
        # allauth's public hook: a champion's sign-in is recorded in the activity log.
        user_logged_in.connect(record_portal_login, dispatch_uid="champions.portal.login")
