"""Demo data for governance: a code of conduct in two versions, guild moderators with an
absence, reports and cases in every state, hidden content, mediation, appeals, escalation,
four quarterly health checks (one guild's score dropping) and anonymized lessons.

`seed_governance(...)` builds it through the services (so the audit log, the `moderated`
activities and the first responses are the real thing), dating each step with `at`. The
demo seeder runs it as its "governance" section.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import Group
from django.db.models import Model
from django.utils import timezone

from champions.demo import CHAMPION_EMAIL, DemoContext, demo_section
from champions.models import Activity, Champion, ChampionState, Guild, MembershipStatus, User
from champions.roles import Role
from programs.clinics.models import Question
from programs.governance import services
from programs.governance.models import (
    SCORE_FIELDS,
    AnonymizedLesson,
    Appeal,
    CaseStep,
    CodeOfConduct,
    CodeOfConductAcceptance,
    Consequence,
    GuildModerator,
    HealthCheckResponse,
    HealthCheckRound,
    HiddenContent,
    MediationSlot,
    ModerationAction,
    ModerationCase,
    ModeratorAvailability,
    Report,
)

SECOND_MODERATOR = ("moderator2@example.com", "Priya Natarajan")
CODE_V1 = """We help each other get more out of the product. In this program we:

1. **Are kind and patient.** Every question is welcome; there are no silly ones.
2. **Share what we may share.** No customer data, no confidential figures, no screenshots
   with names in them.
3. **Give credit.** Templates and answers name their sources.
4. **Do not sell.** No paid offers, no recruiting, no unpaid work asked of others.
5. **Speak up.** If something is not right, report it: a moderator responds within 48 hours,
   and the person concerned never learns who reported.
"""
CODE_V2_CHANGES = "Point 4 now names unpaid work explicitly; point 5 describes appeals."
CODE_V2 = CODE_V1 + (
    "6. **Decisions can be appealed.** Consequences follow a ladder (note, warning, "
    "temporary restriction, removal); you may appeal a decision once, to someone other than "
    "the moderator who took it.\n"
)


@dataclass
class GovernanceDemo:
    """What was made, by state, for tests and the seeder."""

    reports: dict[str, Report] = field(default_factory=dict)
    cases: dict[str, ModerationCase] = field(default_factory=dict)
    rounds: list[HealthCheckRound] = field(default_factory=list)
    lessons: list[AnonymizedLesson] = field(default_factory=list)
    moderators: list[User] = field(default_factory=list)


@dataclass
class _Cast:
    """Picks distinct reporters and members per guild, so no ladder or duplicate rule trips."""

    by_guild: dict[int, list[Champion]]
    used: set[int] = field(default_factory=set)

    def take(self, guild: Guild, *, avoid: Champion | None = None) -> Champion:
        for champion in self.by_guild.get(guild.pk, []):
            if champion.pk not in self.used and champion != avoid:
                self.used.add(champion.pk)
                return champion
        raise ValueError(f"seed_governance needs more active members in {guild.name}.")


def _code_of_conduct(
    lead: User,
    champions: Sequence[Champion],
    now: datetime,
    rng: random.Random,
    always: Sequence[Champion],
) -> CodeOfConduct:
    v1 = services.code_of_conduct_draft(version="1", body=CODE_V1, by=lead)
    services.code_of_conduct_publish(code=v1, by=lead, at=now - timedelta(days=330))
    v2 = services.code_of_conduct_draft(version="2", body=CODE_V2, by=lead, changes=CODE_V2_CHANGES)
    services.code_of_conduct_publish(code=v2, by=lead, at=now - timedelta(days=21))
    rows = []
    for champion in champions:
        joined = champion.joined_at or now - timedelta(days=300)
        rows.append(
            CodeOfConductAcceptance(
                code=v1, champion=champion, accepted_at=max(joined, v1.published_at or joined)
            )
        )
        if champion in always or rng.random() < 0.7:
            at = now - timedelta(days=rng.uniform(0.5, 20))
            rows.append(CodeOfConductAcceptance(code=v2, champion=champion, accepted_at=at))
    CodeOfConductAcceptance.objects.bulk_create(rows, batch_size=2000)
    return v2


def _moderators(guilds: Sequence[Guild], moderators: Sequence[User], lead: User) -> None:
    for index, guild in enumerate(guilds):
        for offset in (0, 1):
            user = moderators[(index + offset) % len(moderators)]
            services.guild_moderator_appoint(guild=guild, user=user, by=lead)


def _walk(case: ModerationCase, by: User, at: datetime, steps: int = 3) -> datetime:
    texts = (
        ("mirror", "The reporter felt the post pushed a paid offer into a peer clinic."),
        ("interests", "The guild wants free help; the member wants their work to be seen."),
        ("options", "A note; a warning; hiding the post; a talk between both."),
    )
    for kind, text in texts[:steps]:
        at += timedelta(hours=2)
        services.case_record_step(case=case, kind=kind, text=text, by=by, at=at)
    return at


def _decide(
    case: ModerationCase, by: User, at: datetime, consequence: str | None, **extra: Any
) -> ModerationCase:
    return services.case_decide(
        case=case,
        by=by,
        decision="The post breaks point 4 of the code of conduct; the ladder applies.",
        member_message="Please keep paid offers and recruiting out of the program's spaces. "
        "Sharing what you built is welcome; selling it here is not.",
        consequence=consequence,
        reason="A paid offer in a peer clinic." if consequence else "",
        at=at,
        **extra,
    )


def _close(case: ModerationCase, by: User, at: datetime) -> ModerationCase:
    services.case_plan_follow_up(
        case=case,
        by=by,
        on=(at + timedelta(days=14)).date(),
        note="Look at the member's next posts.",
        at=at,
    )
    return services.case_close(case=case, by=by, at=at + timedelta(days=15))


@dataclass
class _Scene:
    demo: GovernanceDemo
    cast: _Cast
    guilds: Sequence[Guild]
    moderator_of: Callable[[Guild], User]
    lead: User
    now: datetime
    reporter_login: Champion | None

    def report(
        self,
        key: str,
        guild: Guild,
        category: str,
        days_ago: float,
        *,
        reporter: Champion | None = None,
        member: Champion | None = None,
    ) -> Report:
        reporter = reporter or self.cast.take(guild)
        member = member or self.cast.take(guild, avoid=reporter)
        question = Question.objects.filter(guild=guild, asker=member).first()
        target: Model = question if question is not None and category == "spam" else member
        report = services.report_make(
            reporter=reporter,
            target=target,
            category=category,
            guild=guild,
            description="A post offered a paid course and asked for unpaid help with it.",
            at=self.now - timedelta(days=days_ago),
        )
        self.demo.reports[key] = report
        return report

    def case(self, key: str, report: Report, hours_later: float = 3) -> ModerationCase:
        guild = report.guild
        assert guild is not None
        case = services.case_open(
            reports=[report],
            by=self.moderator_of(guild),
            at=report.made_at + timedelta(hours=hours_later),
        )
        self.demo.cases[key] = case
        return case


def _reports_and_cases(scene: _Scene) -> None:
    g = scene.guilds
    lead, now = scene.lead, scene.now
    scene.report("received", g[0], "other", 0.1)
    scene.report("received_over_sla", g[1], "plagiarism", 3)
    acknowledged = scene.report("acknowledged", g[0], "spam", 1.2, reporter=scene.reporter_login)
    services.report_acknowledge(
        report=acknowledged,
        by=scene.moderator_of(g[0]),
        at=acknowledged.made_at + timedelta(hours=4),
    )
    closed = scene.report("closed_without_case", g[1], "spam", 12)
    services.report_close(
        report=closed,
        by=scene.moderator_of(g[1]),
        note="The post was already removed by its author. Thank you!",
        at=closed.made_at + timedelta(hours=20),
    )

    mirror = scene.case("open_mirrored", scene.report("r_mirror", g[0], "plagiarism", 2))
    _walk(mirror, scene.moderator_of(g[0]), mirror.opened_at, steps=1)
    ready = scene.case("open_ready_to_decide", scene.report("r_ready", g[1], "other", 4))
    at = _walk(ready, scene.moderator_of(g[1]), ready.opened_at)
    assert ready.member is not None
    starts = (now + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    services.mediation_offer(
        case=ready,
        by=scene.moderator_of(g[1]),
        offered_to=ready.member,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=30),
        place="https://meet.example.com/mediation",
        at=at,
    )

    note_report = scene.report("r_note", g[0], "spam", 6, reporter=scene.reporter_login)
    noted = scene.case("decided_note", note_report)
    by = scene.moderator_of(g[0])
    at = _walk(noted, by, noted.opened_at)
    target = note_report.question
    if target is not None:
        services.content_hide(
            target=target, by=by, case=noted, at=at, reason="Advertises a paid course."
        )
    noted = _decide(noted, by, at + timedelta(hours=1), "note")
    services.case_plan_follow_up(
        case=noted,
        by=by,
        on=(now + timedelta(days=10)).date(),
        note="Check the member's next answers.",
        at=at,
    )

    restricted = scene.case("appealed_restriction", scene.report("r_restrict", g[1], "spam", 5))
    by = scene.moderator_of(g[1])
    at = _walk(restricted, by, restricted.opened_at)
    restricted = _decide(
        restricted,
        by,
        at + timedelta(hours=1),
        "restriction",
        restriction_days=7,
        skip_reason="Asked three members for unpaid work.",
    )
    assert restricted.member is not None
    services.appeal_lodge(
        case=restricted,
        champion=restricted.member,
        at=now - timedelta(days=2),
        text="I only shared what I built; the course link was a mistake.",
    )
    slot_at = (now + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    slot = services.mediation_offer(
        case=restricted,
        by=by,
        offered_to=restricted.member,
        starts_at=slot_at,
        ends_at=slot_at + timedelta(minutes=30),
        place="https://meet.example.com/mediation",
        at=now - timedelta(days=1, hours=20),
    )
    services.mediation_book(
        slot=slot, champion=restricted.member, at=now - timedelta(days=1, hours=10)
    )

    overturned = scene.case("appeal_overturned", scene.report("r_overturn", g[0], "spam", 40))
    by = scene.moderator_of(g[0])
    at = _walk(overturned, by, overturned.opened_at)
    overturned = _decide(overturned, by, at + timedelta(hours=1), "note")
    assert overturned.member is not None
    appeal = services.appeal_lodge(
        case=overturned,
        champion=overturned.member,
        text="The link was to a free guide.",
        at=at + timedelta(days=1),
    )
    services.appeal_decide(
        appeal=appeal,
        by=lead,
        outcome="overturned",
        note="The guide is free: no breach.",
        at=at + timedelta(days=2),
    )
    _close(overturned, by, at + timedelta(days=3))

    by = scene.moderator_of(g[1])
    first = scene.case("closed_note", scene.report("r_first", g[1], "spam", 120))
    _close(
        _decide(first, by, _walk(first, by, first.opened_at), "note"),
        by,
        first.opened_at + timedelta(days=1),
    )
    # the same member again: the ladder's next rung is a warning
    again = scene.report("r_warn", g[1], "spam", 80, member=first.member)
    warned = scene.case("closed_warning", again)
    at = _walk(warned, by, warned.opened_at)
    warned = _decide(warned, by, at + timedelta(hours=1), "warning")
    warned = _close(warned, by, at + timedelta(days=1))
    draft = services.lesson_draft(case=warned)
    scene.demo.lessons.append(
        services.lesson_write(
            case=warned,
            by=by,
            title="Sharing what you built, without selling it",
            body="A post in a clinic advertised a paid course. What helped: naming the rule "
            "(point 4), inviting the member to share the free part, and checking in two weeks "
            "later.\n\n" + draft,
            audience="community",
            at=warned.closed_at,
        )
    )

    escalated = scene.case(
        "escalated_harassment", scene.report("r_harass", g[0], "harassment", 1.5), hours_later=1
    )
    services.case_record_step(
        case=escalated,
        kind="mirror",
        by=lead,
        text="Repeated personal remarks in direct messages.",
        at=escalated.opened_at + timedelta(hours=1),
    )

    removed = scene.case("closed_removal", scene.report("r_removal", g[1], "other", 150))
    at = _walk(removed, lead, removed.opened_at)
    removed = _decide(
        removed,
        lead,
        at + timedelta(hours=1),
        "removal",
        skip_reason="Shared a customer's confidential figures on purpose.",
    )
    _close(removed, lead, at + timedelta(days=1))


def _health_checks(
    demo: GovernanceDemo, guilds: Sequence[Guild], now: datetime, rng: random.Random
) -> None:
    dropping = guilds[0]
    for index, days_ago in enumerate((275, 185, 95, 5)):
        opens = now - timedelta(days=days_ago)
        health_round = services.health_round_open(
            opens_at=opens, closes_at=opens + timedelta(days=14)
        )
        demo.rounds.append(health_round)
        rows = []
        for guild in guilds:
            base = 4.2 - (1.2 if guild == dropping and index == 3 else 0) + rng.uniform(-0.3, 0.3)
            members = Champion.objects.filter(
                memberships__guild=guild,
                memberships__status=MembershipStatus.ACTIVE,
                state=ChampionState.ACTIVE,
            ).order_by("pk")
            for champion in members:
                if rng.random() > 0.45:
                    continue
                scores = {f: max(1, min(5, round(rng.gauss(base, 0.7)))) for f in SCORE_FIELDS}
                at = opens + timedelta(days=min(rng.uniform(0, 13), max(days_ago - 0.1, 0)))
                rows.append(
                    HealthCheckResponse(
                        round=health_round,
                        champion=champion,
                        guild=guild,
                        submitted_at=at,
                        **scores,
                    )
                )
        HealthCheckResponse.objects.bulk_create(rows, batch_size=2000)
    HealthCheckRound.objects.filter(closes_at__lte=now).update(results_sent_at=now)


def seed_governance(
    *,
    champions: Sequence[Champion],
    guilds: Sequence[Guild],
    moderators: Sequence[User],
    lead: User,
    reporter_login: Champion | None = None,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> GovernanceDemo:
    """Seed governance for the given active champions and at least two guilds, moderated by
    at least two moderators; `reporter_login` (a champion who signs in to the demo) makes two
    of the reports, so their status shows in the portal."""
    now = now or timezone.now()
    rng = rng or random.Random(0)  # noqa: S311 -- demo data, reproducible on purpose
    if len(guilds) < 2 or len(moderators) < 2:
        raise ValueError("seed_governance needs two guilds and two moderators.")
    demo = GovernanceDemo(moderators=list(moderators))
    always = [reporter_login] if reporter_login else []
    _code_of_conduct(lead, champions, now, rng, always)
    _moderators(guilds, moderators, lead)
    live = {c.pk for c in champions} - {c.pk for c in always}
    by_guild: dict[int, list[Champion]] = {}
    for champion in Champion.objects.filter(pk__in=live).prefetch_related("memberships"):
        for membership in champion.memberships.all():
            by_guild.setdefault(membership.guild_id, []).append(champion)
    for members in by_guild.values():
        members.sort(key=lambda c: c.pk)
    primary = {guild.pk: moderators[i % len(moderators)] for i, guild in enumerate(guilds)}
    # The scenes play in the two biggest guilds, the demo login's own first.
    mine = (
        set(reporter_login.memberships.values_list("guild_id", flat=True))
        if reporter_login
        else set()
    )
    stage = sorted(guilds, key=lambda g: (g.pk not in mine, -len(by_guild.get(g.pk, [])), g.pk))
    scene = _Scene(demo, _Cast(by_guild), stage, lambda g: primary[g.pk], lead, now, reporter_login)
    _reports_and_cases(scene)
    today = timezone.localdate(now)
    services.moderator_absence_add(
        user=moderators[1],
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=6),
        note="Conference",
        today=today,
    )
    _health_checks(demo, guilds, now, rng)
    return demo


# --- the demo seeder's section --------------------------------------------------------------


def wipe_governance() -> None:
    # the section's moderated activities (the second moderator's would lose their actor)
    Activity.objects.filter(subject_type="governance.moderationaction").delete()
    ModerationAction.objects.all().delete()
    for model in (AnonymizedLesson, HiddenContent, MediationSlot, Appeal, Consequence, CaseStep):
        model.objects.all().delete()
    Report.objects.all().delete()
    ModerationCase.objects.all().delete()
    CodeOfConductAcceptance.objects.all().delete()
    CodeOfConduct.objects.all().delete()
    HealthCheckRound.objects.all().delete()
    ModeratorAvailability.objects.all().delete()
    GuildModerator.objects.all().delete()
    User.objects.filter(email=SECOND_MODERATOR[0]).delete()


@demo_section("governance", wipe=wipe_governance)
def build_governance(ctx: DemoContext) -> None:
    email, name = SECOND_MODERATOR
    second = User.objects.create(
        email=email,
        full_name=name,
        password=ctx.password_hash,
        is_staff=True,
        date_joined=ctx.start,
    )
    second.groups.add(Group.objects.get(name=Role.MODERATOR))
    champions = list(
        Champion.objects.filter(state=ChampionState.ACTIVE, erased_at__isnull=True).order_by("pk")
    )
    login = next((c for c in champions if c.email == CHAMPION_EMAIL), None)
    seed_governance(
        champions=champions,
        guilds=sorted(ctx.guilds, key=lambda g: g.pk),
        moderators=[ctx.users["moderator"], second],
        lead=ctx.users["admin"],
        reporter_login=login,
        now=ctx.now,
        rng=ctx.rng,
    )
