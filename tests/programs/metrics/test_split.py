"""Every metric on two connections at once (programs/metrics/split.py): the same values as
one connection, in one snapshot, and only where the computation owns its transaction."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from champions.models import ActivityKind
from programs.metrics import registry, split
from programs.metrics.models import WindowAnswer, WindowChampion
from programs.metrics.scope import MetricScope
from tests.programs.metrics.build import (
    FROM,
    TO,
    act,
    answer,
    champion,
    event,
    guild,
    helpful,
    invitation,
    march,
    question,
    template,
)

WINDOW = MetricScope(FROM, TO)
TABLES = {model._meta.db_table: model for model in (WindowAnswer, WindowChampion)}

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two connections are a PostgreSQL feature"
)


def program() -> None:
    """A small program in March with something for most metrics of both groups."""
    g = guild()
    old = champion()
    people = [champion(joined=march(day)) for day in (2, 3, 5, 8)]
    staff = champion(staff=True)
    invitation(people[0], sent=march(1), by=old, accepted=march(2))
    invitation(people[1], sent=march(2), by=people[0], accepted=march(3))
    asked = question(people[0], march(4, 9), guild_=g)
    first = answer(asked, people[1], march(4, 11), accepted=march(5), accepted_by=people[0].user)
    answer(asked, staff, march(4, 10))
    later = question(people[2], march(9, 8), builds_on=asked)
    helpful(answer(later, old, march(9, 20)), people[2].user, march(10))
    for person in people[:3]:
        act(person, ActivityKind.LOGIN, march(6))
    act(people[0], ActivityKind.ASKED_QUESTION, march(4, 9), guild=g, subject=asked)
    act(people[1], ActivityKind.ANSWERED_QUESTION, march(4, 11), subject=first)
    act(old, ActivityKind.ANSWERED_QUESTION, march(9, 20))
    clinic = event(starts=march(12))
    act(old, ActivityKind.HOSTED_CLINIC, march(12), subject=clinic)
    act(people[3], ActivityKind.ATTENDED_EVENT, march(12), subject=clinic)
    shared = template(old, march(7), guild_=g)
    act(people[2], ActivityKind.REUSED_TEMPLATE, march(13), subject=shared)
    act(staff, ActivityKind.MODERATED, march(14, 15))
    act(old, ActivityKind.LED_GUILD, march(20, 9), guild=g)


def computed_serially() -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(split, "possible", lambda keys: False)
        return registry.compute(WINDOW)


def created_tables(keys: tuple[str, ...]) -> set[str]:
    """The window tables a computation of `keys` alone creates (on one connection)."""
    with CaptureQueriesContext(connection) as queries, pytest.MonkeyPatch.context() as patch:
        patch.setattr(split, "possible", lambda keys: False)
        registry.compute(WINDOW, keys)
    statements = [query["sql"] for query in queries.captured_queries]
    return {
        table
        for table in TABLES
        for sql in statements
        if sql.startswith(f"CREATE TEMPORARY TABLE {table} ")
    }


@pytest.mark.django_db
def test_the_two_groups_share_no_table() -> None:
    """A table is built on one connection and read only there: what the metrics computed
    alongside create, the others never do, and the other way round."""
    program()
    alongside = tuple(key for key in registry.KEYS if key in split.ALONGSIDE)
    here = tuple(key for key in registry.KEYS if key not in split.ALONGSIDE)
    assert alongside and here
    theirs, ours = created_tables(alongside), created_tables(here)
    assert theirs == {WindowChampion._meta.db_table}
    assert ours == {WindowAnswer._meta.db_table}
    for key in registry.KEYS:  # and each metric alone creates only its side's tables
        assert created_tables((key,)) <= (theirs if key in split.ALONGSIDE else ours), key


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_connections_give_the_values_of_one() -> None:
    program()
    serial = computed_serially()
    threads: set[str] = set()
    original = split._on_second_connection

    def recorded(*args: Any) -> Any:
        threads.add(threading.current_thread().name)
        return original(*args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(split, "_on_second_connection", recorded)
        with CaptureQueriesContext(connection) as queries:
            both = registry.compute(WINDOW)
    assert threads and threading.current_thread().name not in threads
    assert both == serial
    # Not a comparison of empty values: both groups computed something.
    answered = [k for k, v in both.items() if v not in (None, {}, [], 0)]
    assert {"activation_rate", "helpful_answer_share", "time_to_first_answer_hours"} <= set(
        answered
    )
    assert {"contribution_depth", "activity_heatmap", "referral_chain_depth"} <= set(answered)
    assert both["contribution_depth"]["counts"]["leader"] >= 1
    # The caller sees the statements of both connections, the snapshot shared between them.
    statements = [query["sql"] for query in queries.captured_queries]
    assert any("pg_export_snapshot" in sql for sql in statements)
    assert any(sql.startswith("SET TRANSACTION SNAPSHOT") for sql in statements)
    assert any(
        f"CREATE TEMPORARY TABLE {WindowChampion._meta.db_table}" in sql for sql in statements
    )
    assert not connection.in_atomic_block


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_second_connection_reads_the_first_ones_snapshot() -> None:
    """What commits while the metrics are computed is in neither group's values."""
    program()
    before = computed_serially()
    original = split._on_second_connection

    def late(*args: Any) -> Any:
        # Another transaction commits after the snapshot was exported, before the second
        # connection reads anything: a champion's first contribution, in the window.
        with transaction.atomic(using="default"):
            act(champion(), ActivityKind.LED_GUILD, march(21))
        return original(*args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(split, "_on_second_connection", late)
        during = registry.compute(WINDOW)
    assert during == before
    after = computed_serially()
    assert after["contribution_depth"] != before["contribution_depth"]


@postgresql_only
@pytest.mark.django_db
def test_inside_a_transaction_one_connection_computes_everything() -> None:
    """A caller's transaction may hold writes no other connection sees: then no split."""
    program()
    with CaptureQueriesContext(connection) as queries:
        values = registry.compute(WINDOW)
    assert not any("pg_export_snapshot" in query["sql"] for query in queries.captured_queries)
    assert values["contribution_depth"]["counts"]["contributor"] >= 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_failure_on_the_second_connection_reaches_the_caller() -> None:
    program()

    def broken(*args: Any) -> Any:
        raise RuntimeError("the second connection failed")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(split, "_on_second_connection", broken)
        with pytest.raises(RuntimeError, match="second connection"):
            registry.compute(WINDOW)
    assert not connection.in_atomic_block
    assert registry.compute(WINDOW, ["activity_heatmap"])  # the connection still works


def second_backend() -> int:
    """The PostgreSQL backend of the second connection, asked in its own thread."""

    def pid() -> int:
        return int(connection.cursor().connection.info.backend_pid)

    return split._second_thread().submit(pid).result()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_second_connection_is_kept_and_a_dead_one_replaced() -> None:
    """Kept between computations like a request's connection (a new backend costs the
    second group tens of milliseconds); killed in between, the next computation gets a new
    one and its values, never the error."""
    program()
    first = registry.compute(WINDOW)
    kept = second_backend()
    assert registry.compute(WINDOW) == first
    assert second_backend() == kept
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [kept])
    assert registry.compute(WINDOW) == first
    assert second_backend() != kept
    split.close_second_connection()
    assert registry.compute(WINDOW) == first


def test_every_key_is_in_the_registry() -> None:
    assert set(registry.KEYS) >= split.ALONGSIDE
