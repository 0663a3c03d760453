"""Benchmark: the hourly digest run (`champions.tasks.send_due_digests` → `send_digest`).

Run it against a throwaway PostgreSQL database (it migrates it and fills it on first use):

    createdb -h 127.0.0.1 -U postgres champions_portal_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/champions_portal_bench DEBUG=1 \\
        .venv/bin/python bench/bench_digest.py [--champions 20000] [--sample 300]

Data: champions in guilds of 50, half of them with expertise matching the guilds' questions
(5 new questions per guild this week), kudos for half of them, a seat at one of the coming
events for a fifth; a third want a daily digest, a tenth none, the rest the weekly default.

What it measures:
1. who is due (`digests_due`) for everybody: wall time and queries;
2. sending: `digest_send` for a random sample of the due users with the locmem email
   backend (what one worker does per user), extrapolated to all who are due;
3. the same sample again (a retry, or a second worker): nothing sent, cost per user;
4. who is due once the sample is sent: the sample is no longer due.
The sample's deliveries are deleted at the end, so a rerun measures the same thing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.machine import load_average, machine  # noqa: E402
from champions import digest  # noqa: E402
from champions.models import (  # noqa: E402
    Account,
    Champion,
    ChampionState,
    DigestDelivery,
    Guild,
    Membership,
    NotificationKind,
    NotificationPreference,
    User,
)
from programs.clinics.models import Question  # noqa: E402
from programs.events.models import Event, Registration  # noqa: E402
from programs.recognition.models import Kudos  # noqa: E402

GUILD_SIZE = 50


def fill(champions: int) -> None:
    """Bulk-insert the program (the services' side effects are not what is measured)."""
    now = timezone.now()
    accounts = Account.objects.bulk_create(
        Account(name=f"Bench account {n}", industry="retail", region="emea", size_band="50-199")
        for n in range(max(1, champions // 20))
    )
    users = User.objects.bulk_create(
        User(email=f"bench{n}@bench.example", full_name=f"Bench {n}") for n in range(champions)
    )
    people = Champion.objects.bulk_create(
        Champion(
            account=accounts[n % len(accounts)],
            email=user.email,
            full_name=user.full_name,
            state=ChampionState.ACTIVE,
            joined_at=now - timedelta(days=100),
            state_changed_at=now - timedelta(days=100),
            user=user,
            expertise=["reporting"] if n % 2 else [],
            timezone=random.choice(["Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC"]),
        )
        for n, user in enumerate(users)
    )
    guilds = Guild.objects.bulk_create(
        Guild(name=f"Bench guild {n}", slug=f"bench-guild-{n}", theme="Bench")
        for n in range(max(1, champions // GUILD_SIZE))
    )
    Membership.objects.bulk_create(
        Membership(guild=guilds[n % len(guilds)], champion=champion)
        for n, champion in enumerate(people)
    )
    Question.objects.bulk_create(
        Question(
            guild=guild,
            asker=people[(g * GUILD_SIZE) % len(people)],
            title=f"How do I automate reporting {q}?",
            body="By hand today.",
            tags=["reporting"],
            posted_at=now - timedelta(days=q),
        )
        for g, guild in enumerate(guilds)
        for q in range(5)
    )
    Kudos.objects.bulk_create(
        Kudos(from_champion=people[n - 1], to_champion=people[n], message="Thanks!")
        for n in range(1, len(people), 2)
    )
    events = Event.objects.bulk_create(
        Event(
            kind="peer_clinic",
            title=f"Bench clinic {n}",
            starts_at=now + timedelta(days=n % 14 + 1),
            ends_at=now + timedelta(days=n % 14 + 1, hours=1),
            timezone="UTC",
        )
        for n in range(max(1, champions // 500))
    )
    Registration.objects.bulk_create(
        Registration(event=events[n % len(events)], champion=champion)
        for n, champion in enumerate(people)
        if n % 5 == 0
    )
    NotificationPreference.objects.bulk_create(
        NotificationPreference(
            user=user,
            kind=NotificationKind.DIGEST,
            enabled=n % 10 != 0,
            digest_frequency="off" if n % 10 == 0 else "daily",
        )
        for n, user in enumerate(users)
        if n % 3 == 0 or n % 10 == 0
    )


def measure_due() -> tuple[list[digest.DueDigest], float, int]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        due = digest.digests_due()
        elapsed = time.perf_counter() - started
    return due, elapsed, len(queries)


def send_each(sample: list[digest.DueDigest]) -> tuple[list[float], list[int], int]:
    times, counts = [], []
    mail.outbox = []
    for item in sample:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            digest.digest_send(
                user_id=item.user_id, frequency=item.frequency, start=item.period_start
            )
            times.append(time.perf_counter() - started)
        counts.append(len(queries))
    return times, counts, len(mail.outbox)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--champions", type=int, default=20_000)
    parser.add_argument("--sample", type=int, default=300)
    args = parser.parse_args()
    random.seed(6)
    call_command("migrate", verbosity=0)
    if Champion.objects.filter(email__endswith="@bench.example").count() < args.champions:
        started = time.perf_counter()
        fill(args.champions)
        print(f"filled {args.champions} champions in {time.perf_counter() - started:.0f} s")
    DigestDelivery.objects.all().delete()
    print(f"machine: {machine()}; load {load_average()}")

    due, elapsed, queries = measure_due()
    print(f"1. who is due: {len(due)} of {Champion.objects.count()} champions in "
          f"{elapsed * 1000:.0f} ms, {queries} queries")  # fmt: skip

    sample = random.sample(due, min(args.sample, len(due)))
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        times, counts, sent = send_each(sample)
        mean = statistics.mean(times)
        p95 = sorted(times)[int(len(times) * 0.95) - 1]
        print(f"2. send: {len(sample)} users, {sent} emails (the rest had nothing to say); "
              f"{mean * 1000:.1f} ms mean, p95 {p95 * 1000:.1f} ms, "
              f"{statistics.mean(counts):.1f} queries per user (max {max(counts)}); "
              f"all {len(due)} due: {mean * len(due) / 60:.1f} min for one worker")  # fmt: skip
        again, again_counts, again_sent = send_each(sample)
        print(f"3. the same sample again: {again_sent} emails, "
              f"{statistics.mean(again) * 1000:.1f} ms and {statistics.mean(again_counts):.1f} "
              f"queries per user")  # fmt: skip

    due_after, elapsed, queries = measure_due()
    print(f"4. who is due after: {len(due_after)} ({len(due) - len(due_after)} fewer) in "
          f"{elapsed * 1000:.0f} ms, {queries} queries")  # fmt: skip
    DigestDelivery.objects.all().delete()
    print(f"load at the end: {' / '.join(f'{v:.1f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
