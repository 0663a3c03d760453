"""Querysets compiled once and run with new values give what the queryset itself gives."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from champions.models import Champion
from config.precompiled import AnyOf, Ids, Moment, Precompiled
from tests.factories import ChampionFactory

pytestmark = pytest.mark.django_db


def test_each_call_runs_with_its_own_ids_and_moment_and_the_fields_own_conversions() -> None:
    now = timezone.now()
    old, new, other = (
        ChampionFactory(joined_at=now - timedelta(days=30), languages=["de", "en"]),
        ChampionFactory(joined_at=now - timedelta(days=1)),
        ChampionFactory(joined_at=now - timedelta(days=30)),
    )
    joined = Precompiled(
        lambda ids, at: (
            Champion.objects.filter(AnyOf("pk", ids), joined_at__lte=at)
            .order_by("pk")
            .values_list("pk", "languages", "joined_at")
        ),
        ids=Ids,
        at=Moment,
    )

    assert joined.rows(ids=[old.pk, new.pk], at=now) == [
        (old.pk, ["de", "en"], old.joined_at),
        (new.pk, new.languages, new.joined_at),
    ]
    assert [r[0] for r in joined.rows(ids=[old.pk, new.pk], at=now - timedelta(days=7))] == [old.pk]
    assert [r[0] for r in joined.rows(ids=[other.pk], at=now)] == [other.pk]
    assert joined.rows(ids=[], at=now) == []


def test_a_derived_value_follows_the_call_and_one_left_undeclared_is_refused() -> None:
    now = timezone.now()
    week_old = ChampionFactory(joined_at=now - timedelta(days=7))
    recent = Precompiled(
        lambda at: Champion.objects.filter(joined_at__gt=at - timedelta(days=10)).values_list(
            "pk", flat=True
        ),
        at=Moment,
        derived={"start": ("at", lambda at: at - timedelta(days=10))},
    )
    assert recent.rows(at=now) == [(week_old.pk,)]
    assert recent.rows(at=now + timedelta(days=5)) == []

    undeclared = Precompiled(
        lambda at: Champion.objects.filter(joined_at__gt=at - timedelta(days=10)), at=Moment
    )
    with pytest.raises(RuntimeError, match=r"\['at'\]"):
        undeclared.rows(at=now)


def test_compiled_once_the_sql_is_the_same_for_any_number_of_ids() -> None:
    champions = ChampionFactory.create_batch(3)
    by_ids = Precompiled(
        lambda ids: Champion.objects.filter(AnyOf("pk", ids)).values_list("pk", flat=True),
        ids=Ids,
    )
    with CaptureQueriesContext(connection) as queries:
        by_ids.rows(ids=[champions[0].pk])
        by_ids.rows(ids=[c.pk for c in champions])
    first, second = (q["sql"] for q in queries.captured_queries)
    # One parameter holds the list, whatever its length.
    assert first.count("json_each(") + first.count("ANY(") == 1
    assert second.count("json_each(") + second.count("ANY(") == 1
