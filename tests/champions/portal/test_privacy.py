"""The privacy centre: one-click consent with its history, export, erasure."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from champions import privacy, services
from champions.models import (
    Activity,
    ActivityKind,
    ChampionState,
    ConsentMethod,
    ConsentRecord,
    DigestDelivery,
    Invitation,
    Membership,
    NotificationKind,
    User,
)
from tests.factories import ActivityFactory, ChampionFactory, GuildFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_privacy_page_shows_each_scope_with_its_text(client_a: Client, consent_texts: Any) -> None:
    page = client_a.get(reverse("portal:privacy")).content.decode()
    for label in ("Reference call", "Company logo", "Quote", "Case study", "Video"):
        assert label in page
    assert consent_texts["quote"].body in page
    assert page.count('I agree<span class="visually-hidden">') == 5


def test_grant_and_withdraw_with_one_click_each_in_place(
    client_a: Client, champion_a: Any, consent_texts: Any
) -> None:
    grant = client_a.post(reverse("portal:consent_grant", args=["quote"]), HTTP_HX_REQUEST="true")
    assert grant.status_code == 200
    fragment = grant.content.decode()
    assert fragment.lstrip().startswith('<article class="card consent" id="consent-quote"')
    assert "Given" in fragment and "Withdraw" in fragment
    assert "Consent given: Quote." in fragment

    withdraw = client_a.post(
        reverse("portal:consent_withdraw", args=["quote"]), HTTP_HX_REQUEST="true"
    )
    fragment = withdraw.content.decode()
    assert "Not given" in fragment and "History (2)" in fragment

    records = list(ConsentRecord.objects.filter(champion=champion_a).order_by("recorded_at", "id"))
    assert [r.granted for r in records] == [True, False]
    assert all(r.method == ConsentMethod.PORTAL for r in records)
    assert all(r.actor_id == champion_a.user_id for r in records)
    assert records[0].text_hash == consent_texts["quote"].text_hash


def test_consent_without_htmx_redirects_to_the_scope(client_a: Client, consent_texts: Any) -> None:
    response = client_a.post(reverse("portal:consent_grant", args=["logo"]))
    assert response["Location"] == reverse("portal:privacy") + "#consent-logo"


def test_grant_without_published_text_explains(client_a: Client, champion_a: Any) -> None:
    response = client_a.post(reverse("portal:consent_grant", args=["video"]), follow=True)
    assert "No consent text for video has been published yet" in response.content.decode()
    assert not ConsentRecord.objects.exists()


def test_new_text_version_asks_for_renewal(
    client_a: Client, champion_a: Any, consent_texts: Any
) -> None:
    client_a.post(reverse("portal:consent_grant", args=["quote"]))
    services.consent_text_publish(scope="quote", version="2", body="New wording.")
    page = client_a.get(reverse("portal:privacy")).content.decode()
    assert "The text has changed since" in page


def test_export_contains_my_consents_activity_and_memberships(
    client_a: Client, champion_a: Any, champion_b: Any, consent_texts: Any
) -> None:
    services.consent_grant(
        champion=champion_a, scope="quote", method=ConsentMethod.PORTAL, actor=champion_a.user
    )
    ActivityFactory(champion=champion_a, kind=ActivityKind.ANSWERED_QUESTION)
    ActivityFactory(champion=champion_b, kind=ActivityKind.WROTE_STORY)
    MembershipFactory(guild=GuildFactory(name="Close club"), champion=champion_a)
    response = client_a.get(reverse("portal:export"))
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["format"] == "champions-export/1"
    assert data["user"]["email"] == champion_a.email
    assert data["profiles"][0]["full_name"] == champion_a.full_name
    assert [c["scope"] for c in data["consents"]] == ["quote"]
    assert [a["kind"] for a in data["activity"]] == ["answered_question"]
    assert [m["guild"] for m in data["memberships"]] == ["Close club"]
    assert champion_b.email not in response.content.decode()


def test_export_registry_adds_other_apps_sections(
    champion_a: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(privacy, "EXPORT_SECTIONS", {})
    privacy.register_export_section("quotes", lambda records: [{"text": "Great tool"}])
    data = privacy.champion_export(champion=champion_a)
    assert data["sections"] == {"quotes": [{"text": "Great tool"}]}


def test_erase_needs_the_email_typed(client_a: Client, champion_a: Any) -> None:
    response = client_a.post(reverse("portal:erase"), {"email": "wrong@example.com"})
    assert response.status_code == 200
    assert "not the email address of your account" in response.content.decode()
    champion_a.refresh_from_db()
    assert champion_a.erased_at is None


def test_erasure_masks_data_deactivates_and_signs_out(
    client_a: Client, champion_a: Any, consent_texts: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = champion_a.user
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={})
    services.notification_preference_set(
        user=user, kind=NotificationKind.DIGEST, enabled=True, digest_frequency="daily"
    )
    DigestDelivery.objects.create(user=user, frequency="daily", period_start=date(2026, 11, 2))
    services.consent_grant(
        champion=champion_a,
        scope="quote",
        method=ConsentMethod.PORTAL,
        actor=user,
        note="Happy to be quoted",
    )
    MembershipFactory(guild=GuildFactory(), champion=champion_a)
    ActivityFactory(champion=champion_a, kind=ActivityKind.ANSWERED_QUESTION, metadata={"q": 1})
    issued = services.champion_invite(
        account=champion_a.account,
        email="peer@acme.example",
        full_name="Pat Peer",
        invited_by_champion=champion_a,
        message="Join us, Ada here",
    )
    seen: list[tuple[str, Any]] = []
    monkeypatch.setattr(privacy, "ERASURE_HOOKS", [])
    privacy.register_erasure_hook(lambda champion, actor: seen.append((champion.email, actor)))
    other_device = Client()
    other_device.force_login(user)

    response = client_a.post(reverse("portal:erase"), {"email": "ADA@acme.example"})
    assert response["Location"] == reverse("portal:erased")
    assert client_a.get(response["Location"]).status_code == 200

    # The hook saw the person before masking.
    assert seen == [("ada@acme.example", user)]
    champion_a.refresh_from_db()
    assert champion_a.full_name == f"Erased champion #{champion_a.pk}"
    assert champion_a.email == f"erased-{champion_a.pk}@invalid"
    assert champion_a.title == "" and champion_a.expertise == [] and champion_a.private_notes == ""
    assert champion_a.erased_at is not None
    assert champion_a.state == ChampionState.ALUMNI
    user = User.objects.get(pk=user.pk)
    assert not user.is_active and user.email == f"erased-user-{user.pk}@invalid"
    assert not user.has_usable_password()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not Authenticator.objects.filter(user=user).exists()
    assert not user.notification_preferences.exists() and not user.digest_deliveries.exists()
    # Consent: withdrawn, history kept, notes cleared.
    records = list(ConsentRecord.objects.filter(champion=champion_a).order_by("recorded_at", "id"))
    assert [r.granted for r in records] == [True, False]
    assert all(r.note == "" for r in records)
    # Aggregates stay, personal details in them go.
    assert Activity.objects.filter(champion=champion_a).count() >= 2
    assert all(a.metadata == {} for a in Activity.objects.filter(champion=champion_a))
    assert not Membership.objects.filter(champion=champion_a).exists()
    assert Invitation.objects.get(pk=issued.invitation.pk).message == ""
    # Signed out everywhere.
    assert client_a.get(reverse("portal:home")).status_code == 302
    assert other_device.get(reverse("portal:home")).status_code == 302


def test_erasure_covers_the_persons_earlier_records(champion_a: Any) -> None:
    moved = services.champion_move_account(
        champion=champion_a, account=ChampionFactory().account, email="ada@new.example"
    )
    privacy.champion_erase(champion=moved, actor=None)
    champion_a.refresh_from_db()
    assert champion_a.erased_at is not None
    assert champion_a.email == f"erased-{champion_a.pk}@invalid"


def test_a_failing_hook_leaves_everything_as_it_was(
    champion_a: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(champion: Any, actor: Any) -> None:
        raise RuntimeError("CRM outbox unavailable")

    monkeypatch.setattr(privacy, "ERASURE_HOOKS", [refuse])
    with pytest.raises(RuntimeError):
        privacy.champion_erase(champion=champion_a, actor=None)
    champion_a.refresh_from_db()
    assert champion_a.erased_at is None and champion_a.user.is_active
