from __future__ import annotations

from django.apps import AppConfig


class ReferencesConfig(AppConfig):
    name = "programs.references"
    label = "references"
