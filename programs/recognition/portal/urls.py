"""The recognition section, mounted at /portal/recognition/ as `portal:recognition:…`."""

from __future__ import annotations

from django.urls import path

from programs.recognition.portal import views

app_name = "recognition"

urlpatterns = [
    path("", views.kudos, name="index"),
    path("tasks/<int:pk>/release/", views.release_task, name="release_task"),
]
