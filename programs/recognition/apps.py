from __future__ import annotations

from django.apps import AppConfig


class RecognitionConfig(AppConfig):
    name = "programs.recognition"
    label = "recognition"
