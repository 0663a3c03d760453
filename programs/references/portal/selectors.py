"""A champion's own side of the reference program: the stories they are featured in, the
requests offered to them, their availability. Nothing of other champions, and never the
private notes of a request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from champions.models import Champion
from champions.selectors import consents_current
from programs.references.consent import story_consent_scopes
from programs.references.models import (
    ReferenceOffer,
    ReferenceRequest,
    ReferenceStory,
    RequestStatus,
    StorySignOff,
    StoryStatus,
    StoryVersion,
)
from programs.references.selectors import Availability, champion_availability

# Drafts are still being written by the team; champions see a story from review on.
SHOWN_STATUSES = [s for s in StoryStatus.values if s != StoryStatus.DRAFT]
MY_OPEN_STATUSES = (RequestStatus.OFFERED, RequestStatus.ACCEPTED, RequestStatus.SCHEDULED)


def _signed_current(champion: Champion) -> Exists:
    return Exists(
        StorySignOff.objects.filter(
            story=OuterRef("pk"), champion=champion, content_hash=OuterRef("content_hash")
        )
    )


def my_stories(*, champion: Champion) -> QuerySet[ReferenceStory]:
    """Stories featuring the champion, with `signed_current`; awaiting my sign-off first."""
    return (
        ReferenceStory.objects.filter(features__champion=champion, status__in=SHOWN_STATUSES)
        .annotate(signed_current=_signed_current(champion))
        .select_related("account")
        .order_by("-status_changed_at", "-pk")
    )


def stories_awaiting_my_sign_off(*, champion: Champion) -> list[ReferenceStory]:
    return list(
        my_stories(champion=champion).filter(
            ~_signed_current(champion), status=StoryStatus.AWAITING_SIGN_OFF
        )
    )


def my_stories_published_since(*, champion: Champion, since: datetime) -> list[ReferenceStory]:
    return list(my_stories(champion=champion).filter(published_at__gte=since)[:5])


def my_references_given_since(*, champion: Champion, since: datetime) -> list[ReferenceRequest]:
    return list(
        ReferenceRequest.objects.filter(champion=champion, fulfilled_at__gte=since)
        .only("activity_type", "prospect_company", "fulfilled_at")
        .order_by("-fulfilled_at")[:5]
    )


def my_story(*, champion: Champion, pk: int) -> ReferenceStory | None:
    return my_stories(champion=champion).filter(pk=pk).first()


@dataclass(frozen=True)
class StoryReading:
    """What the champion reads on a story's page: the exact current text and, when they
    signed an earlier version, which one."""

    current: StoryVersion | None
    my_last_sign_off: StorySignOff | None

    @property
    def signed_earlier_version(self) -> bool:
        return (
            self.current is not None
            and self.my_last_sign_off is not None
            and self.my_last_sign_off.content_hash != self.current.content_hash
        )


def story_reading(*, story: ReferenceStory, champion: Champion) -> StoryReading:
    current = story.versions.filter(number=story.version_number).first()
    last = (
        StorySignOff.objects.filter(story=story, champion=champion)
        .select_related("version")
        .order_by("-signed_at", "-pk")
        .first()
    )
    return StoryReading(current=current, my_last_sign_off=last)


@dataclass(frozen=True)
class ConsentNeed:
    scope: str
    label: str
    granted: bool


def story_consents_for(*, story: ReferenceStory, champion: Champion) -> list[ConsentNeed]:
    """The consents publishing this story needs from the champion, and whether they hold them."""
    from champions.models import ConsentScope

    current = consents_current(champion=champion)
    scopes = story_consent_scopes(story, has_quotes=story.quotes.filter(champion=champion).exists())
    return [ConsentNeed(s, ConsentScope(s).label, current.get(s, False)) for s in scopes]


def my_open_requests(*, champion: Champion) -> QuerySet[ReferenceRequest]:
    """Requests offered to, accepted or scheduled by the champion, soonest need first."""
    return (
        ReferenceRequest.objects.filter(champion=champion, status__in=MY_OPEN_STATUSES)
        .select_related("use_case")
        .order_by("needed_by", "offer_due_at", "pk")
    )


def my_request(*, champion: Champion, pk: int) -> ReferenceRequest | None:
    """A request while it is the champion's (offered to them, or given by them)."""
    return (
        ReferenceRequest.objects.filter(pk=pk, champion=champion)
        .select_related("use_case", "requested_by")
        .first()
    )


def my_past_offers(*, champion: Champion, limit: int = 20) -> list[ReferenceOffer]:
    """Offers the champion answered that are no longer open with them: the history."""
    return list(
        ReferenceOffer.objects.filter(champion=champion)
        .exclude(request__champion=champion, request__status__in=MY_OPEN_STATUSES)
        .select_related("request")
        .only(
            "offered_at",
            "response",
            "responded_at",
            "decline_reason",
            "request__prospect_company",
            "request__activity_type",
            "request__status",
            "request__champion_id",
            "request__fulfilled_at",
        )
        .order_by("-offered_at", "-pk")[:limit]
    )


def quarter_start(at: datetime) -> datetime:
    at = at.astimezone(UTC)
    return datetime(at.year, 3 * ((at.month - 1) // 3) + 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class MyReferenceLoad:
    availability: Availability
    given_this_quarter: int
    quarter_label: str


def my_reference_load(*, champion: Champion) -> MyReferenceLoad:
    """Availability (cap per rolling 90 days) and the references given this calendar quarter."""
    now = timezone.now()
    start = quarter_start(now)
    given = ReferenceRequest.objects.filter(
        champion=champion, fulfilled_at__gte=start, fulfilled_at__lte=now
    ).count()
    label = f"{start.year} Q{(start.month - 1) // 3 + 1}"
    return MyReferenceLoad(champion_availability(champion=champion), given, label)
