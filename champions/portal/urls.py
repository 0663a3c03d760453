"""URLs of the member portal, mounted at /portal/ (namespace `portal`).

Apps add their own sections under it without editing this file: an installed app with a
module `<app>/portal/urls.py` (`app_name` = its app label, one URL named `index`) is mounted at
the prefix listed in `SECTIONS`, as `portal:<label>:...`, and shows up in the navigation
(`champions.portal.nav`). See docs/portal.md.
"""

from __future__ import annotations

import importlib.util

from django.apps import apps
from django.urls import URLPattern, URLResolver, include, path

from champions.portal.views import (
    guilds,
    home,
    invite,
    join,
    notifications,
    onboarding,
    privacy,
)

app_name = "portal"

# URL prefix -> app label of the sections other apps provide.
SECTIONS: dict[str, str] = {
    "events/": "events",
    "clinics/": "clinics",
    "templates/": "library",
    "references/": "references",
    "recognition/": "recognition",
    "governance/": "governance",
}

urlpatterns: list[URLPattern | URLResolver] = [
    path("", home.home, name="home"),
    path("account/", home.account, name="account"),
    path("join/<str:token>/", join.join, name="join"),
    path("welcome/", onboarding.welcome, name="welcome"),
    path("welcome/buddy/", onboarding.buddy_request, name="buddy_request"),
    path(
        "welcome/contributions/<int:pk>/claim/",
        onboarding.claim_contribution,
        name="claim_contribution",
    ),
    path(
        "welcome/contributions/<int:pk>/done/",
        onboarding.complete_contribution,
        name="complete_contribution",
    ),
    path("welcome/finish/", onboarding.finish, name="finish_onboarding"),
    path("profile/", onboarding.profile, name="profile"),
    path("guilds/", guilds.guild_list, name="guilds"),
    path("guilds/<slug:slug>/", guilds.guild_detail, name="guild"),
    path("guilds/<slug:slug>/join/", guilds.guild_join, name="guild_join"),
    path("guilds/<slug:slug>/leave/", guilds.guild_leave, name="guild_leave"),
    path("invite/", invite.invite, name="invite"),
    path("privacy/", privacy.privacy, name="privacy"),
    path("privacy/consents/<str:scope>/grant/", privacy.consent_grant, name="consent_grant"),
    path(
        "privacy/consents/<str:scope>/withdraw/",
        privacy.consent_withdraw,
        name="consent_withdraw",
    ),
    path("privacy/export/", privacy.export, name="export"),
    path("privacy/delete/", privacy.erase, name="erase"),
    path("privacy/deleted/", privacy.erased, name="erased"),
    path("notifications/", notifications.notifications, name="notifications"),
]


def _section_module(label: str) -> str | None:
    try:
        config = apps.get_app_config(label)
    except LookupError:
        return None
    module = f"{config.name}.portal.urls"
    try:
        found = importlib.util.find_spec(module)
    except ModuleNotFoundError:
        return None
    return module if found is not None else None


for prefix, label in SECTIONS.items():
    if (module := _section_module(label)) is not None:
        urlpatterns.append(path(prefix, include((module, label), namespace=label)))
