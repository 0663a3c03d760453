"""Mapping a batch of contacts costs the same queries for 3 champions as for 30, and shows
each champion's reference availability as the reference program itself answers it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from champions.models import Champion
from integrations.crm.mapping import NO_CONSENT, load_records
from integrations.crm.models import ObjectType
from integrations.crm.ports import ContactRecord
from programs.references import services
from programs.references.models import ActivityType, Deal, RequestOutcome
from programs.references.selectors import champion_availability
from tests.factories import AccountFactory, ChampionFactory, UserFactory
from tests.programs.references.factories import grant

pytestmark = pytest.mark.django_db


def champions_in_every_state(count: int) -> list[Champion]:
    """Available, paused, busy, cooling down and without consent, in turn."""
    prospect = AccountFactory()
    champions = []
    for i in range(count):
        champion = ChampionFactory()
        champions.append(champion)
        if i % 5 == 4:
            continue  # no consent
        grant(champion)
        if i % 5 == 1:
            services.champion_pause_references(champion=champion, paused=True)
        elif i % 5 in (2, 3):
            deal = Deal.objects.create(name=f"Deal {i}", account=prospect)
            request = services.request_create(
                requested_by=UserFactory(), deal=deal, activity_type=ActivityType.CALL
            )
            services.request_offer(request=request, champion=champion, offered_by=None)
            services.request_accept(request=request)
            if i % 5 == 3:
                services.request_schedule(
                    request=request, scheduled_for=timezone.now() - timedelta(hours=1)
                )
                services.request_complete(request=request, outcome=RequestOutcome.HELD)
    return champions


def contact_queries(champions: list[Champion]) -> tuple[int, dict[int, Any]]:
    with CaptureQueriesContext(connection) as queries:
        records = load_records(ObjectType.CONTACT, [c.pk for c in champions], at=timezone.now())
    return len(queries), records


def test_a_batch_of_contacts_costs_the_same_queries_whatever_its_size() -> None:
    few, _ = contact_queries(champions_in_every_state(5))
    many, records = contact_queries(champions_in_every_state(30))
    assert many == few

    shown = {pk: r.reference_availability for pk, r in records.items()}
    assert isinstance(next(iter(records.values())), ContactRecord)
    for champion in Champion.objects.filter(pk__in=list(shown)):
        consented = champion.consents.exists()
        expected = champion_availability(champion=champion).state if consented else NO_CONSENT
        assert shown[champion.pk] == expected
    assert set(shown.values()) == {"available", "paused", "busy", "cooldown", NO_CONSENT}
