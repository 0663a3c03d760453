from __future__ import annotations

from django.apps import AppConfig


class PlaybooksConfig(AppConfig):
    name = "programs.playbooks"
    label = "playbooks"
