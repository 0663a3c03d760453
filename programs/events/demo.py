"""Demo data for events: a year of the program's meetings, as the program held them.

A quarterly demo each quarter with presenters, a peer clinic every other week in each guild
with a host, a few live builds, pairing sessions and one themed sprint. The past ones were held,
with takeaways, check-ins, no-shows and feedback; a few are still to come, one of them full
with a waitlist.

The registrations go through the services, which refuse an event that has started, so each
past event is first written in the future, filled, moved to its planned moment, checked in,
marked held and then every timestamp the services stamped "now" is back-dated in bulk.

Only champions who are active today take part (the services would wake a dormant champion,
and alumni may not register), and only at moments after they joined and while they were
contributing (`live_at`), so the lifecycle section's states stay what the history says.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.db.models import F, Q

from champions.demo import BATCH_SIZE, DemoContext, demo_section
from champions.models import Activity, ActivityKind, Champion, ChampionState, Guild, User
from champions.services import champion_record_first_value
from programs.events import services
from programs.events.models import Event, EventKind, EventStatus, Registration

EVENT_LABEL = Event._meta.label_lower


# --- who could take part when (shared with the other programs' sections) -------------------


@dataclass
class Roster:
    """Champions active today, with when they joined and their contributions, to ask who was
    around and contributing at a past moment."""

    ctx: DemoContext
    joined: dict[int, datetime] = field(default_factory=dict)
    champions: dict[int, Champion] = field(default_factory=dict)
    moments: dict[int, list[datetime]] = field(default_factory=dict)

    @classmethod
    def of(cls, ctx: DemoContext) -> Roster:
        cached = ctx.extras.get("roster")
        if isinstance(cached, Roster):
            return cached
        roster = cls(ctx)
        for person in ctx.joined:
            for record, since in (
                (person.champion, person.since),
                (person.successor, person.moved_at),
            ):
                if record is None or since is None:
                    continue
                if record.state != ChampionState.ACTIVE or record.erased_at is not None:
                    continue
                roster.champions[record.pk] = record
                roster.joined[record.pk] = since
                roster.moments[record.pk] = sorted(ctx.contributions.get(record.pk, []))
        ctx.extras["roster"] = roster
        return roster

    def live(self, champion: Champion, at: datetime) -> bool:
        """Joined a day before `at`, and not dormant then: in their current active spell or
        with a contribution in the dormancy window before it."""
        since = self.joined.get(champion.pk)
        if since is None or at < since + timedelta(days=1) or at > self.ctx.now:
            return False
        if at >= champion.state_changed_at:
            return True
        window = timedelta(days=settings.CHAMPION_DORMANT_AFTER_DAYS)
        moments = self.moments[champion.pk]
        i = bisect.bisect_right(moments, at)
        return (i > 0 and at - moments[i - 1] < window) or at - since < window

    def live_at(self, at: datetime, among: Sequence[Champion] | None = None) -> list[Champion]:
        pool = among if among is not None else list(self.champions.values())
        return [c for c in pool if c.pk in self.champions and self.live(c, at)]

    def members(self, guild: Guild, at: datetime) -> list[Champion]:
        """Champions live at `at` who were members of `guild` then."""
        out = []
        for pk, champion in self.champions.items():
            spans = self.ctx.memberships.get(pk, [])
            if any(g.pk == guild.pk and since <= at for g, since in spans) and self.live(
                champion, at
            ):
                out.append(champion)
        return out


def on_weekday(day: datetime, hour: int) -> datetime:
    """`day` at `hour` UTC, moved off the weekend."""
    moment = datetime.combine(day.astimezone(UTC).date(), time(hour), tzinfo=UTC)
    if moment.weekday() >= 5:
        moment += timedelta(days=7 - moment.weekday() + 1)
    return moment


# --- the plan ---------------------------------------------------------------------------------

TAKEAWAYS: dict[str, tuple[str, ...]] = {
    EventKind.QUARTERLY_DEMO: (
        "Three builds shown; the approval flow template was asked for most. Follow-up: "
        "presenters publish their templates in the library this week.",
        "The reporting build landed best. Next time: fewer builds, more time for questions.",
        "Attendees want a recording; two teams will try the onboarding checklist.",
        "Good energy; the live Q&A ran over. Presenters agreed to host a clinic each.",
    ),
    EventKind.PEER_CLINIC: (
        "Solved two permission questions; one goes to the library as a how-to.",
        "Walked through an import mapping; the host will write it up.",
        "Quiet session, one deep dive into dashboards; worth it.",
        "Three questions, all answered; a newcomer stayed to help the next one.",
        "Open question on API limits: the program team follows up.",
    ),
    EventKind.LIVE_BUILD: (
        "Built the intake form end to end in 45 minutes; the template is in the library.",
        "Live build of a weekly digest; people asked for the automation recipe.",
    ),
    EventKind.PAIRING_SESSION: (
        "Paired on a migration script; unblocked in an hour.",
        "Reviewed a reporting setup together; two fixes agreed.",
    ),
    EventKind.THEMED_SPRINT: (
        "A week of automation: 11 templates published, 6 forked, 2 clinics spun off.",
    ),
}
FEEDBACK = (
    (5, "Exactly what I needed."),
    (5, "Great examples, I will reuse the template."),
    (4, "Useful; a bit long."),
    (4, "Good, would like the slides."),
    (4, ""),
    (3, "Some of it was too basic for me."),
    (5, ""),
    (2, "Audio problems in the first half."),
)
LIVE_BUILDS = (
    "Live build: an intake form with approvals",
    "Live build: the weekly digest automation",
    "Live build: a renewal-risk dashboard",
    "Live build: onboarding checklist in an hour",
)
PAIRING = (
    "Pairing: migrating spreadsheets",
    "Pairing: permissions clean-up",
    "Pairing: report tuning",
    "Pairing: API integration",
    "Pairing: workflow review",
    "Pairing: dashboard design",
)


@dataclass
class _Plan:
    kind: str
    title: str
    starts_at: datetime
    hours: float
    capacity: int | None
    guild: Guild | None = None
    hosts: list[Champion] = field(default_factory=list)
    presenters: list[Champion] = field(default_factory=list)
    attendees: list[Champion] = field(default_factory=list)


@dataclass
class _Backdate:
    registrations: list[Registration] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


def _sample(rng: random.Random, pool: Sequence[Champion], k: int) -> list[Champion]:
    return rng.sample(list(pool), min(k, len(pool)))


def _plans(ctx: DemoContext, roster: Roster) -> list[_Plan]:
    rng, now = ctx.rng, ctx.now
    plans: list[_Plan] = []
    everyone = list(roster.champions.values())
    # Quarterly demos, one per quarter, and the next one.
    for days, quarter in ((330, "Q4"), (240, "Q1"), (150, "Q2"), (60, "Q3"), (-30, "Q4")):
        at = on_weekday(now - timedelta(days=days), 16)
        live = roster.live_at(at) if days > 0 else everyone
        leaders = [c for c in live if c.pk in ctx.leaders] or live
        presenters = _sample(rng, leaders, 3)
        rest = [c for c in live if c not in presenters]
        plans.append(
            _Plan(
                EventKind.QUARTERLY_DEMO,
                f"{quarter} demo day",
                at,
                1.5,
                120,
                presenters=presenters,
                attendees=presenters + _sample(rng, rest, rng.randint(22, 34)),
            )
        )
    # A peer clinic every other week in each guild, with a host from its members.
    for guild in ctx.guilds:
        at = on_weekday(guild.created_at + timedelta(days=rng.randint(5, 12)), 15)
        while at < now + timedelta(days=14):
            members = roster.members(guild, min(at, now))
            if len(members) >= 3:
                hosts = _sample(rng, [m for m in members if m.pk in ctx.leaders] or members, 1)
                rest = [m for m in members if m not in hosts]
                plans.append(
                    _Plan(
                        EventKind.PEER_CLINIC,
                        f"{guild.name} clinic",
                        at,
                        1,
                        20,
                        guild=guild,
                        hosts=hosts,
                        attendees=hosts + _sample(rng, rest, rng.randint(2, 5)),
                    )
                )
            at += timedelta(days=14)
    # Live builds, pairing sessions and a themed sprint.
    for i, title in enumerate(LIVE_BUILDS):
        at = on_weekday(now - timedelta(days=300 - i * 80), 17)
        live = roster.live_at(at)
        presenters = _sample(rng, live, 1)
        plans.append(
            _Plan(
                EventKind.LIVE_BUILD,
                title,
                at,
                1,
                40,
                presenters=presenters,
                attendees=presenters + _sample(rng, live, rng.randint(8, 16)),
            )
        )
    for i, title in enumerate(PAIRING):
        at = on_weekday(now - timedelta(days=280 - i * 45), 10)
        live = roster.live_at(at)
        plans.append(
            _Plan(EventKind.PAIRING_SESSION, title, at, 1, 2, attendees=_sample(rng, live, 2))
        )
    sprint = on_weekday(now - timedelta(days=100), 9)
    plans.append(
        _Plan(
            EventKind.THEMED_SPRINT,
            "Automation sprint week",
            sprint,
            24 * 4 + 8,
            None,
            attendees=_sample(rng, roster.live_at(sprint), 24),
        )
    )
    # Upcoming: a small live build that is full (16 for 12 seats: a waitlist of four) and a
    # pairing session.
    plans.append(
        _Plan(
            EventKind.LIVE_BUILD,
            "Live build: AI-assisted triage (limited seats)",
            on_weekday(now + timedelta(days=12), 17),
            1,
            12,
            attendees=_sample(rng, everyone, 16),
        )
    )
    plans.append(
        _Plan(
            EventKind.PAIRING_SESSION,
            "Pairing: your first automation",
            on_weekday(now + timedelta(days=5), 10),
            1,
            2,
            attendees=_sample(rng, everyone, 1),
        )
    )
    return plans


def _create(ctx: DemoContext, plan: _Plan) -> Event:
    past = plan.starts_at < ctx.now
    ends_at = plan.starts_at + timedelta(hours=plan.hours)
    event = Event.objects.create(
        kind=plan.kind,
        title=plan.title,
        description=f"{plan.title}: bring a question or a build to share.",
        guild=plan.guild,
        # A past event is filled while still in the future, then moved to its moment.
        starts_at=ctx.now + timedelta(days=1) if past else plan.starts_at,
        ends_at=ctx.now + timedelta(days=1, hours=plan.hours) if past else ends_at,
        timezone="Europe/Berlin",
        capacity=plan.capacity,
        online_url="https://meet.example.com/champions",
        agenda="Welcome · Builds and questions · Closing moment: one takeaway each",
        closing_moment="Each attendee names one thing they will try this week.",
        created_at=min(
            plan.starts_at - timedelta(days=ctx.rng.uniform(14, 30)),
            ctx.now - timedelta(days=ctx.rng.uniform(2, 6)),
        ),
    )
    if plan.hosts:
        event.hosts.set(plan.hosts)
    if plan.presenters:
        event.presenters.set(plan.presenters)
    return event


def _hold(ctx: DemoContext, plan: _Plan, team: User, out: _Backdate) -> None:
    rng = ctx.rng
    event = _create(ctx, plan)
    registrations = [services.registration_create(event=event, champion=c) for c in plan.attendees]
    if plan.starts_at >= ctx.now:
        _date_registrations(ctx, event, plan, registrations, out)
        return
    ends_at = plan.starts_at + timedelta(hours=plan.hours)
    Event.objects.filter(pk=event.pk).update(starts_at=plan.starts_at, ends_at=ends_at)
    event.starts_at, event.ends_at = plan.starts_at, ends_at
    must_come = {c.pk for c in plan.hosts + plan.presenters}
    came = []
    for registration in registrations:
        if registration.champion_id in must_come or rng.random() < 0.8:
            came.append(services.registration_check_in(registration=registration, by_user=team))
    takeaways = rng.choice(TAKEAWAYS[plan.kind])
    event = services.event_mark_held(event=event, takeaways=takeaways)
    event.held_at = ends_at + timedelta(minutes=rng.uniform(5, 90))
    out.events.append(event)
    for registration in came:
        if rng.random() < 0.55:
            rating, comment = rng.choice(FEEDBACK)
            services.registration_feedback(
                registration=registration, rating=rating, comment=comment
            )
    for champion in plan.attendees:
        ctx.contributed(champion, plan.starts_at)
    _date_registrations(ctx, event, plan, registrations, out)


def _date_registrations(
    ctx: DemoContext,
    event: Event,
    plan: _Plan,
    registrations: list[Registration],
    out: _Backdate,
) -> None:
    rng = ctx.rng
    created = event.created_at
    latest = min(plan.starts_at, ctx.now) - timedelta(hours=1)
    when: dict[int, datetime] = {}
    for registration in Registration.objects.filter(event=event).order_by("id"):
        # In registering order, so the waitlist keeps its order.
        at = created + (latest - created) * rng.uniform(0.05, 0.95)
        if when:
            at = max(at, max(when.values()) + timedelta(minutes=rng.uniform(5, 600)))
            at = min(at, latest)
        when[registration.champion_id] = at
        registration.registered_at = at
        if registration.checked_in_at is not None:
            registration.checked_in_at = plan.starts_at - timedelta(minutes=rng.uniform(0, 10))
        if registration.feedback_at is not None:
            ends_at = plan.starts_at + timedelta(hours=plan.hours)
            registration.feedback_at = ends_at + timedelta(hours=rng.uniform(0.2, 30))
        out.registrations.append(registration)
    for activity in Activity.objects.filter(
        subject_type=EVENT_LABEL, subject_id=event.pk, kind=ActivityKind.RSVP
    ):
        if activity.champion_id in when:
            activity.occurred_at = when[activity.champion_id]
            out.activities.append(activity)


def wipe_events() -> None:
    Activity.objects.filter(subject_type=EVENT_LABEL).delete()
    Registration.objects.all().delete()
    Event.objects.all().delete()


@demo_section("events", wipe=wipe_events)
def build_events(ctx: DemoContext) -> None:
    roster = Roster.of(ctx)
    team = ctx.users["admin"]
    out = _Backdate()
    plans = sorted(_plans(ctx, roster), key=lambda p: p.starts_at)
    for plan in plans:
        _hold(ctx, plan, team, out)
    Registration.objects.bulk_update(
        out.registrations,
        ["registered_at", "checked_in_at", "feedback_at"],
        batch_size=BATCH_SIZE,
    )
    Activity.objects.bulk_update(out.activities, ["occurred_at"], batch_size=BATCH_SIZE)
    Event.objects.bulk_update(out.events, ["held_at"], batch_size=BATCH_SIZE)
    # `updated_at` is stamped on every save: the last change was when it was held or created.
    Event.objects.filter(status=EventStatus.HELD).update(updated_at=F("held_at"))
    Event.objects.filter(~Q(status=EventStatus.HELD)).update(updated_at=F("created_at"))
    ctx.extras["events"] = len(plans)


def settle_first_values(ctx: DemoContext, moments: dict[int, datetime]) -> None:
    """Date the first value moments the services stamped "now" at their planned moments.

    `moments` maps a champion id to the earliest planned value moment a section gave them;
    the services, called after those moments really happened, either stamped today or
    (having an earlier one) left it alone.
    """
    if not moments:
        return
    Champion.objects.filter(pk__in=list(moments), first_value_at__gte=ctx.now).update(
        first_value_at=None
    )
    for champion in Champion.objects.filter(pk__in=list(moments)):
        champion_record_first_value(champion=champion, at=moments[champion.pk])


def earliest(moments: dict[int, datetime], champion_id: int, at: datetime) -> None:
    if champion_id not in moments or at < moments[champion_id]:
        moments[champion_id] = at
