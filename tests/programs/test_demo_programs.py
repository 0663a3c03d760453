"""`manage.py seed_demo` and the programs: what a CS manager clicking through the demo would
notice — a year of events, answered questions, reused templates, kudos and a reference program
in every state, all dated in the past where they happened.

The command runs once per module, inside a transaction rolled back at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Q
from django.test import Client
from django.utils import timezone

from champions.demo import ADMIN_EMAIL
from champions.models import Activity, Champion, ChampionState, ConsentScope, User
from programs.clinics.models import Answer, HelpfulMark, Question, QuestionStatus
from programs.events.models import Event, EventKind, EventStatus, Registration, RegistrationStatus
from programs.library.models import Template, TemplateRating
from programs.recognition.models import GoodFirstContribution, Kudos
from programs.references.consent import consent_granted
from programs.references.models import (
    Attribution,
    ReferenceRequest,
    ReferenceStory,
    RequestStatus,
    StoryStatus,
)


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: Any) -> Iterator[datetime]:
    with django_db_blocker.unblock(), transaction.atomic():
        started = timezone.now()
        call_command("seed_demo", stdout=StringIO())
        yield started
        transaction.set_rollback(True)


def test_a_year_of_events_with_attendance(seeded: datetime, db: None) -> None:
    held = Event.objects.filter(status=EventStatus.HELD)
    months = {e.starts_at.strftime("%Y-%m") for e in held}
    assert len(months) >= 10
    assert set(Event.objects.values_list("kind", flat=True)) == set(EventKind.values)
    assert held.filter(starts_at__gte=seeded).count() == 0
    assert Event.objects.filter(status=EventStatus.SCHEDULED, starts_at__gt=seeded).count() >= 3
    registrations = Registration.objects.filter(event__status=EventStatus.HELD)
    assert registrations.count() >= 200
    assert registrations.filter(checked_in_at__isnull=False).count() >= 150
    assert registrations.filter(no_show=True).exists()
    assert registrations.exclude(feedback_rating=None).exists()
    assert not held.filter(takeaways="").exists()
    assert not Event.objects.filter(kind=EventKind.QUARTERLY_DEMO, presenters=None).exists()
    assert not Event.objects.filter(kind=EventKind.PEER_CLINIC, hosts=None).exists()
    # Past facts are dated in the past, before the event they belong to.
    assert not Registration.objects.filter(registered_at__gte=seeded).exists()
    assert not held.filter(held_at__gte=seeded).exists()
    late = [r for r in registrations.select_related("event") if r.registered_at > r.event.starts_at]
    assert not late


def test_a_full_event_with_a_waitlist(seeded: datetime, db: None) -> None:
    waitlisted = Registration.objects.filter(status=RegistrationStatus.WAITLISTED)
    assert waitlisted.exists()
    event = waitlisted.first().event  # type: ignore[union-attr]
    assert event.starts_at > seeded
    seats = event.registrations.filter(status=RegistrationStatus.REGISTERED).count()
    assert seats == event.capacity


def test_only_live_champions_take_part(seeded: datetime, db: None) -> None:
    registered = Champion.objects.filter(event_registrations__isnull=False).distinct()
    assert not registered.filter(state__in=(ChampionState.INVITED, ChampionState.ALUMNI)).exists()
    held = Registration.objects.filter(event__status=EventStatus.HELD).select_related(
        "event", "champion"
    )
    early = [
        r for r in held if r.champion.joined_at is None or r.champion.joined_at > r.event.starts_at
    ]
    assert not early


def test_questions_answered_accepted_and_open(seeded: datetime, db: None) -> None:
    statuses = set(Question.objects.values_list("status", flat=True))
    assert statuses == set(QuestionStatus.values)
    assert Question.objects.values("guild").distinct().count() >= 6
    assert Answer.objects.filter(accepted_at__isnull=False).count() >= 20
    assert Answer.objects.filter(is_staff_answer=True).exists()
    assert Question.objects.filter(builds_on__isnull=False).exists()
    assert HelpfulMark.objects.exists()
    assert Question.objects.filter(status=QuestionStatus.OPEN, answers=None).exists()
    assert not Question.objects.filter(posted_at__gte=seeded).exists()
    assert not Answer.objects.filter(posted_at__gte=seeded).exists()
    assert not Answer.objects.filter(accepted_at__gte=seeded).exists()
    # Spread over most of the year: questions in at least 8 of the 30-day stretches before the
    # seeding (calendar months would depend on the day of the month the demo is seeded).
    stretches = {(seeded - q.posted_at).days // 30 for q in Question.objects.all()}
    assert len(stretches) >= 8


def test_templates_with_forks_downloads_and_ratings(seeded: datetime, db: None) -> None:
    originals = Template.objects.filter(parent__isnull=True)
    assert originals.count() >= 35
    assert originals.values("category").distinct().count() >= 6
    assert originals.values("product_area").distinct().count() >= 3
    assert Template.objects.filter(parent__isnull=False).count() >= 5
    assert Template.objects.filter(download_count__gt=0).count() >= 15
    assert Template.objects.filter(featured=True).exists()
    assert Template.objects.filter(version__gte=2).exists()
    assert originals.filter(author__isnull=True).exists()  # the program team shares too
    assert TemplateRating.objects.exists()
    assert not Template.objects.filter(published_at__gte=seeded).exists()


def test_kudos_and_good_first_contributions(seeded: datetime, db: None) -> None:
    assert Kudos.objects.count() >= 30
    assert not Kudos.objects.filter(created_at__gte=seeded).exists()
    tasks = GoodFirstContribution.objects.all()
    assert tasks.filter(done_at__isnull=False).exists()
    assert tasks.filter(claimed_by__isnull=False, done_at__isnull=True).exists()
    assert tasks.filter(claimed_by__isnull=True).exists()
    assert not tasks.filter(Q(claimed_at__gte=seeded) | Q(done_at__gte=seeded)).exists()


def test_reference_program_in_every_state(seeded: datetime, db: None) -> None:
    assert set(ReferenceStory.objects.values_list("status", flat=True)) == set(StoryStatus.values)
    assert set(ReferenceRequest.objects.values_list("status", flat=True)) == set(
        RequestStatus.values
    )
    assert Attribution.objects.exists()


def test_program_activities_are_dated_when_they_happened(seeded: datetime, db: None) -> None:
    program = ("events.event", "clinics.question", "clinics.answer", "library.template")
    assert not Activity.objects.filter(subject_type__in=program, occurred_at__gte=seeded).exists()
    # The programs leave the lifecycle alone: no one woken up or left behind by the demo.
    assert Champion.objects.filter(state=ChampionState.DORMANT).count() >= 10
    assert not Champion.objects.filter(first_value_at__gte=seeded).exists()


def test_sections_run_in_app_order_whoever_imported_first() -> None:
    """Governance's code of conduct comes after the sections that post, even when a test
    imported programs.governance.demo before the others registered."""
    from django.utils.module_loading import autodiscover_modules

    import programs.governance.demo  # noqa: F401
    from champions import demo

    autodiscover_modules("demo")
    names = [section.name for section in demo.ordered_sections()]
    assert names.index("clinics") < names.index("governance")
    assert names.index("staff") == 0


def test_the_reference_pool_column_agrees_with_the_consent_records(
    seeded: datetime, db: None
) -> None:
    """The demo backdates and bulk-writes consent: every champion's stored reference-call
    consent still says what the latest record says."""
    now = timezone.now()
    live = set(
        Champion.objects.alias(current=consent_granted(ConsentScope.REFERENCE_CALL, at=now))
        .filter(current=True)
        .values_list("pk", flat=True)
    )
    stored = set(
        Champion.objects.filter(reference_call_consent_at__lte=now).values_list("pk", flat=True)
    )
    assert len(live) >= 10
    assert stored == live


def test_the_demo_dashboard_opens_on_snapshots_with_its_trends(seeded: datetime, db: None) -> None:
    """The demo runs no beat: the seed stores what the dashboard reads today, so the program
    team's first page is served from snapshots and its trend charts have their half year."""
    manager = User.objects.get(email=ADMIN_EMAIL)
    client = Client()
    client.force_login(manager)
    page = client.get("/admin/?preset=90").content.decode()
    assert "computed live" not in page and "snapshots" in page
    trend = page[page.index("Time to first answer over time") :].split("</svg>")[0]
    assert "No values stored" not in trend and "<polyline" in trend
    points = trend.split("<polyline", 1)[1].split('points="', 1)[1].split('"', 1)[0]
    assert len(points.split()) >= 20  # about a point a week for half a year
