"""Factories and helpers for the reference program's tests."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from champions.models import Champion, ConsentMethod, ConsentRecord, ConsentScope, ConsentText
from programs.references import services
from programs.references.models import (
    ActivityType,
    Deal,
    ReferenceRequest,
    ReferenceStory,
    UseCase,
)
from programs.references.selectors import offer_due_at
from tests.factories import AccountFactory, UserFactory


class UseCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UseCase
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Use case {n}")
    slug = factory.Sequence(lambda n: f"use-case-{n}")


class DealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deal

    name = factory.Sequence(lambda n: f"Deal {n}")
    crm_id = factory.Sequence(lambda n: f"deal-{n}")
    account = factory.SubFactory(AccountFactory)
    amount = Decimal("25000.00")
    currency = "EUR"
    stage = "qualified"
    owner_email = "seller@vendor.example"


class ReferenceRequestFactory(factory.django.DjangoModelFactory):
    """A bare request row (no service): for admin and query-count tests."""

    class Meta:
        model = ReferenceRequest

    requested_by = factory.SubFactory(UserFactory)
    deal = factory.SubFactory(DealFactory)
    prospect_company = factory.Sequence(lambda n: f"Prospect {n}")
    prospect_industry = "software"
    prospect_region = "emea"
    prospect_size_band = "200-999"
    activity_type = ActivityType.CALL
    requested_at = factory.LazyFunction(timezone.now)
    offer_due_at = factory.LazyAttribute(lambda o: offer_due_at(o.requested_at))


def grant(champion: Champion, *scopes: str, at: datetime | None = None) -> None:
    """Record current consent for the scopes (all five when none are given)."""
    for scope in scopes or ConsentScope.values:
        text = ConsentText.objects.filter(scope=scope).first() or ConsentText.objects.create(
            scope=scope, version="1", body=f"I agree: {scope}.", text_hash=f"hash-{scope}"
        )
        ConsentRecord.objects.create(
            champion=champion,
            scope=scope,
            granted=True,
            text_version=text.version,
            text_hash=text.text_hash,
            method=ConsentMethod.PORTAL,
            recorded_at=at or timezone.now(),
        )


def withdraw(champion: Champion, scope: str, at: datetime | None = None) -> None:
    ConsentRecord.objects.create(
        champion=champion,
        scope=scope,
        granted=False,
        text_version="1",
        text_hash=f"hash-{scope}",
        method=ConsentMethod.PORTAL,
        recorded_at=at or timezone.now(),
    )


def make_story(champions: list[Champion], **fields: Any) -> ReferenceStory:
    """A complete draft story featuring the champions (all of the same account)."""
    account = champions[0].account
    defaults: dict[str, Any] = {
        "title": "Onboarding in three days",
        "challenge": "New teams needed two weeks to onboard.",
        "solution": "Templates and a buddy for every new team.",
        "results": "Onboarding takes three days.",
    }
    defaults.update(fields)
    story = services.story_create(account=account, created_by=None, featured=champions, **defaults)
    services.story_set_metrics(
        story=story,
        metrics=[services.MetricInput("Onboarding time", Decimal(14), Decimal(3), "days")],
        actor=None,
    )
    return story


def sign_all(story: ReferenceStory) -> None:
    for feature in story.features.select_related("champion"):
        services.story_sign_off(
            story=story, champion=feature.champion, content_hash=story.content_hash
        )


def publish(story: ReferenceStory, at: datetime | None = None) -> ReferenceStory:
    """Take a complete draft through review and sign-off to published (consents granted)."""
    services.story_submit_for_review(story=story, actor=None)
    services.story_request_sign_off(story=story, actor=None)
    sign_all(story)
    story.refresh_from_db()
    return services.story_publish(story=story, actor=None, at=at)
