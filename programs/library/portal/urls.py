"""The template library section, mounted at /portal/templates/ as `portal:library:…`."""

from __future__ import annotations

from django.urls import path

from programs.library.portal import views

app_name = "library"

urlpatterns = [
    path("", views.template_list, name="index"),
    path("mine/", views.mine, name="mine"),
    path("share/", views.upload, name="upload"),
    path("<int:pk>/", views.template_detail, name="detail"),
    path("<int:pk>/download/", views.download, name="download"),
    path("<int:pk>/fork/", views.fork, name="fork"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/rate/", views.rate, name="rate"),
]
