"""The clinics section, mounted at /portal/clinics/ as `portal:clinics:…`."""

from __future__ import annotations

from django.urls import path

from programs.clinics.portal import views

app_name = "clinics"

urlpatterns = [
    path("", views.question_list, name="index"),
    path("ask/", views.ask, name="ask"),
    path("<int:pk>/", views.question_detail, name="detail"),
    path("<int:pk>/answer/", views.answer, name="answer"),
    path("<int:pk>/builds-on/", views.link_builds_on, name="builds_on"),
    path("answers/<int:pk>/helpful/", views.mark_helpful, name="helpful"),
    path("answers/<int:pk>/accept/", views.accept, name="accept"),
]
