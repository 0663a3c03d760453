"""The program's roles, as groups with permissions.

Each role lists permission patterns (`app_label.codename`, shell-style wildcards); apps added
later extend `ROLE_PERMISSIONS` with their own. The groups are synced after every migrate.
"""

from __future__ import annotations

from fnmatch import fnmatch
from typing import Any

from django.apps import AppConfig, apps
from django.contrib.auth.models import Group, Permission


class Role:
    PROGRAM_MANAGER = "Program manager"
    MODERATOR = "Moderator"
    SALES = "Sales"


ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.PROGRAM_MANAGER: [
        "champions.*",
        "programs.*",
        "playbooks.*",
        "events.*",
        "clinics.*",
        "library.*",
        "recognition.*",
        "references.*",
        "governance.*",
        "metrics.*",
        "crm.*",
        "hubspot.*",
        "django_celery_beat.view_*",
    ],
    Role.MODERATOR: [
        "champions.view_*",
        "clinics.*",
        "governance.*",
        "library.view_*",
        "events.view_*",
    ],
    Role.SALES: [
        "champions.view_account",
        "champions.view_champion",
        "references.view_*",
        "references.add_referencerequest",
    ],
}
# Consent and the activity log are history: no role may change or delete them.
FORBIDDEN = [
    "champions.change_consentrecord",
    "champions.delete_consentrecord",
    "champions.change_activity",
    "champions.delete_activity",
    # Dead CRM outbox entries are re-driven, never deleted (docs/hubspot.md).
    "crm.delete_outboxentry",
]


def ensure_role_groups() -> None:
    permissions = list(Permission.objects.select_related("content_type"))
    for role, patterns in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        granted = [
            permission
            for permission in permissions
            if (label := f"{permission.content_type.app_label}.{permission.codename}")
            and any(fnmatch(label, pattern) for pattern in patterns)
            and label not in FORBIDDEN
        ]
        group.permissions.set(granted)


def ensure_role_groups_after_migrate(*, app_config: AppConfig, **kwargs: Any) -> None:
    """post_migrate comes once per app, in INSTALLED_APPS order, and each app's permissions
    are created on its own turn: on the last app's turn every permission exists."""
    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if with_models and app_config is with_models[-1]:
        ensure_role_groups()
