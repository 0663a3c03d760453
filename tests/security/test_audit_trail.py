"""The audit trail: staff changes to personal data, consents, stories, requests and moderation
are recorded with who, what, when and from where; emails and texts masked; erasure reaches the
trail (RELIABILITY.md item 26); program managers read it in the admin, nobody edits it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.urls import reverse

from champions import privacy, services
from champions.models import ApiToken, Champion, ConsentMethod, ConsentScope
from champions.roles import Role, ensure_role_groups
from programs.references.models import Quote
from tests.api.conftest import bearer, in_group, make_token
from tests.factories import ChampionFactory, ConsentTextFactory, StaffFactory, UserFactory
from tests.programs.references.factories import make_story

pytestmark = pytest.mark.django_db


def trail_of(obj: Any) -> list[LogEntry]:
    return list(LogEntry.objects.get_for_object(obj).order_by("timestamp", "pk"))


def everything_recorded() -> str:
    rows = LogEntry.objects.values_list("object_repr", "changes", "actor_email", "remote_addr")
    return json.dumps([list(row) for row in rows], default=str)


def test_a_staff_edit_in_the_admin_is_recorded_with_who_when_and_from_where(
    admin_client_logged_in: Any, staff_user: Any
) -> None:
    champion = ChampionFactory(full_name="Ada Lovelace", private_notes="")
    data = {
        "full_name": "Ada King",
        "title": "Head of ops",
        "tier": champion.tier,
        "crm_id": "",
        "timezone": "UTC",
        "languages": "en",
        "expertise": "",
        "private_notes": "Prefers calls after 3pm: ada@home.example",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "_save": "Save",
    }

    response = admin_client_logged_in.post(
        reverse("admin:champions_champion_change", args=[champion.pk]),
        data,
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="198.51.100.66",  # forged: no trusted proxy is configured
    )

    assert response.status_code == 302
    entry = trail_of(champion)[-1]
    assert entry.actor == staff_user
    assert entry.remote_addr == "203.0.113.9"
    assert entry.timestamp is not None
    assert entry.object_repr == f"champion #{champion.pk}"
    assert entry.changes_dict["full_name"] == ["Ada Lovelace", "Ada King"]
    assert entry.changes_dict["private_notes"] == ["", "*** (41 characters)"]
    assert "3pm" not in everything_recorded()
    assert "home.example" not in everything_recorded()


def test_an_api_change_names_the_token_user_and_the_systems_own_work_is_not_recorded() -> None:
    seller = in_group(UserFactory(email="sam@example.com"), Role.SALES)
    api = bearer(make_token(seller))
    token = ApiToken.objects.get(user=seller)

    assert api.delete(f"/api/v1/tokens/{token.pk}/", REMOTE_ADDR="203.0.113.20").status_code == 204

    revoked = trail_of(token)[-1]
    assert (revoked.actor, revoked.remote_addr) == (seller, "203.0.113.20")
    assert revoked.changes_dict["revoked_at"][0] == "None"
    assert trail_of(seller) == []  # created by the system (here: a factory), not by a person


def test_emails_consents_quotes_and_moderation_texts_are_recorded_masked() -> None:
    manager = StaffFactory()
    champion = ChampionFactory(email="ada@acme.example")
    story = make_story([champion])
    ConsentTextFactory(scope=ConsentScope.QUOTE)

    with set_actor(manager, remote_addr="203.0.113.9"):
        user = champion.user
        user.email = "ada.king@acme.example"
        user.save()
        services.consent_grant(
            champion=champion,
            scope=ConsentScope.QUOTE,
            method=ConsentMethod.RECORDED_CALL,
            actor=manager,
            note="She said yes on the call",
        )
        Quote.objects.create(story=story, champion=champion, text="It changed how we work.")

    assert trail_of(user)[-1].changes_dict["email"] == ["***@acme.example", "***@acme.example"]
    consent = trail_of(champion.consents.get())[0]
    assert (consent.actor, consent.action) == (manager, LogEntry.Action.CREATE)
    assert consent.changes_dict["note"] == ["None", "*** (24 characters)"]
    quote = trail_of(Quote.objects.get())[0]
    assert quote.changes_dict["text"][1] == "*** (23 characters)"
    recorded = everything_recorded()
    for secret in ("ada@acme", "ada.king@", "yes on the call", "how we work"):
        assert secret not in recorded


def test_item_26_erasure_removes_the_persons_audit_rows_and_keeps_others() -> None:
    manager = StaffFactory()
    ada = ChampionFactory(full_name="Ada Lovelace", email="ada@acme.example")
    grace = ChampionFactory(full_name="Grace Hopper")
    ConsentTextFactory(scope=ConsentScope.QUOTE)
    with set_actor(manager, remote_addr="203.0.113.9"):
        for person in (ada, grace):
            person.title = "Chief of staff"
            person.save()
            services.consent_grant(
                champion=person,
                scope=ConsentScope.QUOTE,
                method=ConsentMethod.RECORDED_CALL,
                actor=manager,
            )
    with set_actor(ada.user, remote_addr="198.51.100.7"):
        grace.title = "CTO"  # something Ada did to another record (say, as a guild lead)
        grace.save()

    privacy.champion_erase(champion=ada, actor=ada.user)

    recorded = everything_recorded()
    for trace in ("Ada", "Lovelace", "ada@acme", "198.51.100.7"):
        assert trace not in recorded
    assert trail_of(ada) == []
    assert trail_of(ada.user) == []
    updates = [e for e in trail_of(grace) if e.action == LogEntry.Action.UPDATE]
    assert [e.changes_dict["title"] for e in updates] == [
        ["Operations lead", "Chief of staff"],
        ["Chief of staff", "CTO"],
    ]
    assert len(trail_of(grace.consents.get())) == 1
    erased = Champion.objects.get(pk=ada.pk)
    erased.title = "later change"
    erased.save()
    assert trail_of(erased) == []  # an erased person's record is not recorded again


def test_program_managers_read_the_trail_and_nobody_changes_it(client: Any) -> None:
    ensure_role_groups()
    manager = StaffFactory()
    manager.groups.add(Group.objects.get(name=Role.PROGRAM_MANAGER))
    moderator = StaffFactory()
    moderator.groups.add(Group.objects.get(name=Role.MODERATOR))
    with set_actor(manager):
        user = UserFactory(full_name="Someone")
        user.groups.add(Group.objects.get(name=Role.SALES))  # a role given is recorded too
    entry = trail_of(user)[0]
    assert "groups" in trail_of(user)[-1].changes_dict
    page = reverse("admin:auditlog_logentry_change", args=[entry.pk])

    client.force_login(manager)
    listing = client.get(reverse("admin:auditlog_logentry_changelist"), {"q": "user"})
    assert listing.status_code == 200
    assert f"user #{user.pk}" in listing.content.decode()
    assert client.get(page).status_code == 200
    assert client.post(page, {"action": 2}).status_code == 403
    delete = reverse("admin:auditlog_logentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403

    client.force_login(moderator)
    assert client.get(reverse("admin:auditlog_logentry_changelist")).status_code == 403
    assert LogEntry.objects.filter(pk=entry.pk).exists()
