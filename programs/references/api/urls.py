"""Routes of the reference program under /api/v1/."""

from __future__ import annotations

from django.urls import path

from programs.references.api import views

urlpatterns = [
    path("references/", views.ReferenceSearchView.as_view(), name="reference-search"),
    path("references/match/", views.MatchView.as_view(), name="reference-match"),
    path("stories/", views.StoryListView.as_view(), name="story-list"),
    path("stories/<int:story_id>/", views.StoryDetailView.as_view(), name="story-detail"),
    path(
        "reference-requests/",
        views.ReferenceRequestListView.as_view(),
        name="reference-request-list",
    ),
    path(
        "reference-requests/<int:request_id>/",
        views.ReferenceRequestDetailView.as_view(),
        name="reference-request-detail",
    ),
    path(
        "reference-requests/<int:request_id>/cancel/",
        views.ReferenceRequestCancelView.as_view(),
        name="reference-request-cancel",
    ),
]
