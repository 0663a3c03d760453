"""factory_boy factories for events, clinics, library and recognition."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from programs.clinics.models import Answer, Question
from programs.events.models import Event, EventKind, Registration, RegistrationStatus
from programs.library.models import Template, TemplateKind
from programs.recognition.models import GoodFirstContribution, Kudos
from tests.factories import ChampionFactory, GuildFactory, UserFactory


class EventFactory(factory.django.DjangoModelFactory):
    """A scheduled quarterly demo a week from now, one hour long."""

    class Meta:
        model = Event

    kind = EventKind.QUARTERLY_DEMO
    title = factory.Sequence(lambda n: f"Q{n % 4 + 1} demo day {n}")
    guild = factory.SubFactory(GuildFactory)
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=7)).replace(microsecond=0)
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=1))
    timezone = "Europe/Berlin"
    online_url = "https://meet.example.com/demo"
    closing_moment = "Each of us names one thing to try next week."


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    event = factory.SubFactory(EventFactory)
    champion = factory.SubFactory(ChampionFactory)
    status = RegistrationStatus.REGISTERED


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    guild = factory.SubFactory(GuildFactory)
    asker = factory.SubFactory(ChampionFactory)
    title = factory.Sequence(lambda n: f"How do I automate report {n}?")
    body = "We export by hand every month."
    tags = factory.LazyFunction(lambda: ["reporting"])


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Answer

    question = factory.SubFactory(QuestionFactory)
    author = factory.SubFactory(ChampionFactory)
    author_user = factory.LazyAttribute(lambda o: o.author.user if o.author else UserFactory())
    body = "Use a scheduled export."


class TemplateFactory(factory.django.DjangoModelFactory):
    """A published Markdown template by a champion."""

    class Meta:
        model = Template

    title = factory.Sequence(lambda n: f"Month-end checklist {n}")
    kind = TemplateKind.MARKDOWN
    body = "1. Export\n2. Reconcile"
    author = factory.SubFactory(ChampionFactory)
    author_user = factory.LazyAttribute(lambda o: o.author.user if o.author else None)
    published_at = factory.LazyFunction(timezone.now)


class KudosFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kudos

    from_champion = factory.SubFactory(ChampionFactory)
    to_champion = factory.SubFactory(ChampionFactory)
    message = "Thanks for the walkthrough!"


class GoodFirstContributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GoodFirstContribution

    title = factory.Sequence(lambda n: f"Add a screenshot to guide {n}")
    description = "Take one screenshot of the export dialog."
