"""The events section, mounted at /portal/events/ as `portal:events:…`."""

from __future__ import annotations

from django.urls import path

from programs.events.portal import views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="index"),
    path("calendar/", views.event_calendar, name="calendar"),
    path("<int:pk>/", views.event_detail, name="detail"),
    path("<int:pk>/register/", views.register, name="register"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/event.ics", views.ics, name="ics"),
    path("<int:pk>/check-in/", views.check_in, name="check_in"),
    path("<int:pk>/feedback/", views.feedback, name="feedback"),
]
