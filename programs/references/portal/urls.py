"""The references section, mounted at /portal/references/ as `portal:references:…`."""

from __future__ import annotations

from django.urls import path

from programs.references.portal import views

app_name = "references"

urlpatterns = [
    path("", views.index, name="index"),
    path("availability/", views.availability, name="availability"),
    path("stories/<int:pk>/", views.story_detail, name="story"),
    path("stories/<int:pk>/sign-off/", views.story_sign_off, name="sign_off"),
    path("stories/<int:pk>/changes/", views.story_request_changes, name="request_changes"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/accept/", views.request_accept, name="accept"),
    path("requests/<int:pk>/decline/", views.request_decline, name="decline"),
    path("requests/<int:pk>/times/", views.request_propose_times, name="propose_times"),
]
