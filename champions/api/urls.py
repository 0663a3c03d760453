"""Routes of the champions core under /api/v1/."""

from __future__ import annotations

from django.urls import path

from champions.api import views

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("tokens/", views.TokenListView.as_view(), name="token-list"),
    path("tokens/<int:token_id>/", views.TokenDetailView.as_view(), name="token-detail"),
    path("activities/bulk/", views.ActivityBulkView.as_view(), name="activity-bulk"),
    path("accounts/<int:account_id>/adoption/", views.AdoptionView.as_view(), name="adoption"),
]
