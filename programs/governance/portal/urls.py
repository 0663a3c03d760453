"""Governance pages of the portal, mounted at /portal/governance/ (`portal:governance:…`)."""

from __future__ import annotations

from django.urls import path

from programs.governance.portal import views

app_name = "governance"

urlpatterns = [
    path("", views.index, name="index"),
    path("code-of-conduct/", views.code_of_conduct, name="code_of_conduct"),
    path("report/<str:kind>/<int:pk>/", views.report, name="report"),
    path("decisions/<int:pk>/", views.decision, name="decision"),
    path("decisions/<int:pk>/appeal/", views.appeal, name="appeal"),
    path("mediation/<int:pk>/book/", views.mediation_book, name="mediation_book"),
    path("health-check/", views.health_check, name="health_check"),
    path("lessons/", views.lessons, name="lessons"),
]
