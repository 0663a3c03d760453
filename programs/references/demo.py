"""Demo data for the reference program: stories in every state, deals, requests in every
state and attributions, built through the services so versions, sign-offs, activities and
attributions are the real thing.

Call `seed_references(champions=..., accounts=..., users=...)` from the demo seeder after the
champions exist. Consent is backdated (recorded directly, not through `consent_grant`) so
stories and references dated in the past were covered by consent at their time.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from champions.demo import DemoContext, demo_section
from champions.models import (
    Account,
    Champion,
    ChampionState,
    ChampionTier,
    ConsentMethod,
    ConsentRecord,
    ConsentScope,
    ConsentText,
    Industry,
    Region,
    SizeBand,
    User,
    refresh_reference_call_consent,
)
from programs.references import services
from programs.references.matching import match_request
from programs.references.models import (
    ActivityType,
    Deal,
    DeclineReason,
    ReferenceProgramSettings,
    ReferenceRequest,
    ReferenceStory,
    RequestOutcome,
    TierReferenceCap,
    UseCase,
)

USE_CASES = (
    ("Onboarding automation", "onboarding-automation"),
    ("Month-end reporting", "month-end-reporting"),
    ("Support workflows", "support-workflows"),
    ("Data migration", "data-migration"),
)
PROSPECTS = (
    ("Northwind Traders", Industry.RETAIL, Region.EMEA, SizeBand.M, "Europe/Berlin", "de"),
    ("Contoso Health", Industry.HEALTHCARE, Region.NA, SizeBand.L, "America/Chicago", "en"),
    ("Fabrikam Finance", Industry.FINTECH, Region.EMEA, SizeBand.L, "Europe/London", "en"),
    ("Tailspin Logistics", Industry.LOGISTICS, Region.APAC, SizeBand.S, "Asia/Singapore", "en"),
    ("Wide World Energy", Industry.ENERGY, Region.EMEA, SizeBand.XL, "Europe/Paris", "fr"),
    ("Adventure Works", Industry.MANUFACTURING, Region.NA, SizeBand.M, "America/New_York", "en"),
    ("Litware Software", Industry.SOFTWARE, Region.LATAM, SizeBand.S, "America/Sao_Paulo", "en"),
    ("Proseware Media", Industry.MEDIA, Region.EMEA, SizeBand.XS, "Europe/Madrid", "en"),
    ("Lucerne Public", Industry.PUBLIC, Region.EMEA, SizeBand.XL, "Europe/Zurich", "de"),
    ("Relecloud Retail", Industry.RETAIL, Region.NA, SizeBand.L, "America/Denver", "en"),
)
STORY_STATES = (
    "draft",
    "in_review",
    "awaiting_sign_off",
    "approved",
    "published",
    "published",
    "expired",
    "withdrawn",
)


@dataclass
class ReferenceDemo:
    """What was made, by state, for the seeder's summary."""

    stories: dict[str, list[ReferenceStory]] = field(default_factory=lambda: defaultdict(list))
    requests: dict[str, list[ReferenceRequest]] = field(default_factory=lambda: defaultdict(list))
    deals: list[Deal] = field(default_factory=list)
    use_cases: list[UseCase] = field(default_factory=list)


def _consent_text(scope: str) -> ConsentText:
    text = ConsentText.objects.filter(scope=scope).order_by("-published_at", "-id").first()
    if text is not None:
        return text
    body = f"I agree that the vendor may use my {ConsentScope(scope).label.lower()} (demo)."
    return ConsentText.objects.create(
        scope=scope, version="1", body=body, text_hash=hashlib.sha256(body.encode()).hexdigest()
    )


def _backdated_consent(champions: Sequence[Champion], *, at: datetime) -> None:
    texts = {scope: _consent_text(scope) for scope in ConsentScope.values}
    ConsentRecord.objects.bulk_create(
        ConsentRecord(
            champion=champion,
            scope=scope,
            granted=True,
            text_version=texts[scope].version,
            text_hash=texts[scope].text_hash,
            method=ConsentMethod.SIGNED_FORM,
            recorded_at=at,
            note="Demo data",
        )
        for champion in champions
        for scope in ConsentScope.values
    )
    refresh_reference_call_consent([c.pk for c in champions])


def _story(
    champions: list[Champion], number: int, use_case: UseCase, user: User | None
) -> ReferenceStory:
    account = champions[0].account
    story = services.story_create(
        account=account,
        title=f"{account.name}: {use_case.name.lower()} in days, not weeks",
        created_by=user,
        challenge=f"{account.name} needed weeks to get a new team productive.",
        solution="Shared templates, a buddy for every team and a weekly peer clinic.",
        results="New teams are productive in their first week.",
        use_case=use_case,
        featured=champions,
        logo_permission=number % 2 == 0,
        video_url="https://video.example/demo" if number % 3 == 0 else "",
    )
    services.story_set_metrics(
        story=story,
        metrics=[
            services.MetricInput("Onboarding time", Decimal(14), Decimal(3), "days", "per team"),
            services.MetricInput("Tickets per month", Decimal(240), Decimal(90), "tickets"),
        ],
        actor=user,
    )
    services.story_set_quotes(
        story=story,
        quotes=[services.QuoteInput(champions[0], "Our new teams help each other from day one.")],
        actor=user,
    )
    return story


def _advance_story(story: ReferenceStory, state: str, *, at: datetime, user: User | None) -> None:
    steps = ["in_review", "awaiting_sign_off", "approved", "published"]
    target = {"expired": "published", "withdrawn": "published"}.get(state, state)
    if target == "draft":
        return
    services.story_submit_for_review(story=story, actor=user, at=at)
    if steps.index(target) >= 1:
        services.story_request_sign_off(story=story, actor=user, at=at)
    if steps.index(target) >= 2:
        for champion in Champion.objects.filter(story_features__story=story):
            services.story_sign_off(
                story=story, champion=champion, content_hash=story.content_hash, at=at
            )
        story.refresh_from_db()
    if target == "published":
        services.story_publish(story=story, actor=user, at=at)
    if state == "expired":
        services.stories_expire_due(at=story.review_due_at)
    if state == "withdrawn":
        services.story_withdraw(story=story, actor=user, reason="Rebranding (demo)", at=at)


def _seed_stories(
    demo: ReferenceDemo, by_account: dict[int, list[Champion]], now: datetime, user: User | None
) -> None:
    groups = [group for group in by_account.values() if group]
    ages = {"expired": 400, "withdrawn": 90}
    for number, state in enumerate(STORY_STATES):
        group = groups[number % len(groups)]
        featured = group[: 2 if number % 2 else 1]
        story = _story(featured, number, demo.use_cases[number % len(demo.use_cases)], user)
        at = now - timedelta(days=ages.get(state, 60 - number * 5))
        _advance_story(story, state, at=at, user=user)
        story.refresh_from_db()
        demo.stories[story.status].append(story)


def _deal(number: int, *, now: datetime, account: Account | None = None) -> Deal:
    name = PROSPECTS[number % len(PROSPECTS)][0]
    return Deal.objects.create(
        crm_id=f"demo-deal-{number}",
        name=f"{name} – platform",
        account=account,
        amount=Decimal(20000 + 7500 * number),
        currency="EUR",
        stage="qualifiedtobuy",
        created_at=now - timedelta(days=120 - number * 5),
        owner_email="sales@vendor.example",
    )


def _request(
    demo: ReferenceDemo, number: int, *, seller: User, at: datetime, now: datetime
) -> ReferenceRequest:
    company, industry, region, size, zone, language = PROSPECTS[number % len(PROSPECTS)]
    deal = _deal(number, now=now)
    demo.deals.append(deal)
    return services.request_create(
        requested_by=seller,
        deal=deal,
        activity_type=list(ActivityType.values)[number % len(ActivityType.values)],
        prospect_company=company,
        prospect_industry=industry,
        prospect_region=region,
        prospect_size_band=size,
        prospect_timezone=zone,
        language=language,
        use_case=demo.use_cases[number % len(demo.use_cases)],
        needed_by=(at + timedelta(days=21)).date(),
        notes="Demo: the prospect's CFO wants to hear from a peer.",
        at=at,
    )


def _offer_best(request: ReferenceRequest, *, at: datetime, user: User | None) -> bool:
    best = match_request(request=request, limit=1, at=at)
    if not best:
        return False
    candidate = best[0]
    services.request_offer(
        request=request,
        champion=candidate.champion,
        offered_by=user,
        story=candidate.stories[0] if candidate.stories else None,
        score=candidate.score,
        at=at,
    )
    return True


# (final state, days ago requested); held ones are spread so cooldowns have passed.
REQUEST_PLAN = (
    ("held_then_won", 85),
    ("held", 70),
    ("held_after_close", 60),
    ("no_show", 50),
    ("cancelled", 40),
    ("declined", 12),
    ("scheduled", 8),
    ("accepted", 6),
    ("offered", 3),
    ("requested", 5),  # overdue: not offered for 5 days
    ("requested", 0),
)


def _seed_requests(demo: ReferenceDemo, seller: User, team: User | None, now: datetime) -> None:
    for number, (plan, days_ago) in enumerate(REQUEST_PLAN):
        at = now - timedelta(days=days_ago)
        request = _request(demo, number, seller=seller, at=at, now=now)
        if plan != "requested" and _offer_best(request, at=at, user=team):
            _play(request, plan, at=at, team=team)
        demo.requests[request.status].append(request)


def _play(request: ReferenceRequest, plan: str, *, at: datetime, team: User | None) -> None:
    hour = timedelta(hours=1)
    if plan == "offered":
        return
    if plan == "declined":
        services.request_decline(
            request=request, reason=DeclineReason.BUSY, note="Quarter end", at=at + hour
        )
        return
    services.request_accept(request=request, at=at + hour)
    if plan == "accepted":
        return
    if plan == "cancelled":
        services.request_complete(
            request=request, outcome=RequestOutcome.CANCELLED, actor=team, at=at + 2 * hour
        )
        _close(request.deal, won=False, at=at + timedelta(days=5))
        return
    services.request_schedule(request=request, scheduled_for=at + timedelta(days=2), at=at + hour)
    if plan == "scheduled":
        return
    held_at = at + timedelta(days=2, hours=1)
    deal = request.deal
    if plan == "no_show":
        services.request_complete(request=request, outcome=RequestOutcome.NO_SHOW, at=held_at)
        return
    if plan == "held_after_close":
        # Won before the reference was held: it does not count as influenced (METRICS.md).
        _close(deal, won=True, at=held_at - timedelta(days=1))
    services.request_complete(
        request=request,
        outcome=RequestOutcome.HELD,
        feedback="The prospect asked sharp questions and left convinced.",
        rating=5,
        actor=team,
        at=held_at,
    )
    if plan == "held_then_won":
        _close(deal, won=True, at=held_at + timedelta(days=10))


def _close(deal: Deal, *, won: bool, at: datetime) -> None:
    """Demo only: the CRM import will close deals; here the mirror is set directly."""
    deal.is_closed, deal.is_won, deal.close_date = True, won, at
    deal.stage = "closedwon" if won else "closedlost"
    deal.save(update_fields=["is_closed", "is_won", "close_date", "stage"])


@transaction.atomic
def seed_references(
    *,
    champions: Sequence[Champion],
    accounts: Sequence[Account],
    users: Sequence[User],
    now: datetime | None = None,
) -> ReferenceDemo:
    """Seed the reference program from the demo's champions, accounts and users.

    `users` should start with a sales user (who requests) and may include a staff user (who
    runs the program); `accounts` name the customers whose champions feature in stories.
    Needs at least four active champions across two accounts.
    """
    now = now or timezone.now()
    active = [c for c in champions if c.state == ChampionState.ACTIVE and c.erased_at is None]
    # The first active champion gets no consent: the demo shows a refusal for them.
    consenting = active[1:]
    account_ids = {a.pk for a in accounts}
    by_account: dict[int, list[Champion]] = defaultdict(list)
    for champion in consenting:
        if champion.account_id in account_ids:
            by_account[champion.account_id].append(champion)
    if len(consenting) < 4 or len(by_account) < 2:
        raise ValueError("seed_references needs 5 active champions across 2 of the accounts.")
    if not users:
        raise ValueError("seed_references needs at least one (sales) user.")
    seller = next((u for u in users if not u.is_staff), users[0])
    team = next((u for u in users if u.is_staff), None)

    demo = ReferenceDemo()
    for name, slug in USE_CASES:
        demo.use_cases.append(UseCase.objects.get_or_create(slug=slug, name=name)[0])
    for tier, cap in ((ChampionTier.COMMUNITY, 2), (ChampionTier.ADVOCATE, 3)):
        TierReferenceCap.objects.get_or_create(tier=tier, defaults={"cap": cap})
    ReferenceProgramSettings.objects.get_or_create(pk=1)
    _backdated_consent(consenting, at=now - timedelta(days=500))
    for champion in active:
        services.reference_profile_update(champion=champion, use_cases=demo.use_cases[:2])

    _seed_stories(demo, by_account, now, team)
    _seed_requests(demo, seller, team, now)
    services.champion_pause_references(champion=active[-1], paused=True, at=now)
    return demo


# --- the demo seeder's section --------------------------------------------------------------


def wipe_references() -> None:
    from programs.references.models import (
        Attribution,
        ProvenMetric,
        Quote,
        ReferenceOffer,
        ReferenceProfile,
        StoryFeature,
        StorySignOff,
        StoryVersion,
    )

    for model in (
        Attribution,
        ReferenceOffer,
        ReferenceRequest,
        Deal,
        StorySignOff,
        StoryVersion,
        Quote,
        ProvenMetric,
        StoryFeature,
        ReferenceStory,
        ReferenceProfile,
        TierReferenceCap,
        UseCase,
        ReferenceProgramSettings,
    ):
        model.objects.all().delete()


@demo_section("references", wipe=wipe_references)
def build_references(ctx: DemoContext) -> None:
    """Stories, requests and attributions from the three accounts with the most active
    champions, requested by the sales login and run by the program manager."""
    active = list(
        Champion.objects.filter(state=ChampionState.ACTIVE, erased_at__isnull=True).order_by("pk")
    )
    per_account: dict[int, int] = defaultdict(int)
    for champion in active:
        per_account[champion.account_id] += 1
    top = sorted(per_account, key=lambda pk: (-per_account[pk], pk))[:3]
    accounts = [a for a in ctx.accounts if a.pk in top]
    champions = [c for c in active if c.account_id in top]
    users = [ctx.users[key] for key in ("sales", "admin") if key in ctx.users]
    ctx.extras["references"] = seed_references(
        champions=champions, accounts=accounts, users=users, now=ctx.now
    )
