"""Every change to a reference story: editing, versions, sign-off and the publishing workflow.

draft → in review → awaiting sign-off → approved → published → expired | withdrawn. An edit
of the text makes a new `StoryVersion`; sign-offs are bound to a version's hash, so an edit
after approval sends the story back to awaiting sign-off.
"""

from __future__ import annotations

import calendar
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from champions.errors import DomainError
from champions.models import Account, ActivityKind, ActivitySource, Champion, ProductArea, User
from champions.services import activity_record
from programs.references import conf
from programs.references.errors import MissingConsent
from programs.references.models import (
    ProvenMetric,
    Quote,
    ReferenceStory,
    SignOffMethod,
    StoryFeature,
    StorySignOff,
    StoryStatus,
    StoryVersion,
    StoryVisibility,
    UseCase,
)
from programs.references.selectors import story_missing_consents, story_text

S = StoryStatus
STORY_TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.IN_REVIEW, S.WITHDRAWN}),
    S.IN_REVIEW: frozenset({S.DRAFT, S.AWAITING_SIGN_OFF, S.WITHDRAWN}),
    S.AWAITING_SIGN_OFF: frozenset({S.DRAFT, S.IN_REVIEW, S.APPROVED, S.WITHDRAWN}),
    S.APPROVED: frozenset({S.AWAITING_SIGN_OFF, S.PUBLISHED, S.WITHDRAWN}),
    S.PUBLISHED: frozenset({S.EXPIRED, S.WITHDRAWN}),
    S.EXPIRED: frozenset({S.DRAFT, S.WITHDRAWN}),
    S.WITHDRAWN: frozenset({S.DRAFT}),
}
EDITABLE_STATUSES = frozenset({S.DRAFT, S.IN_REVIEW, S.AWAITING_SIGN_OFF, S.APPROVED})
EDITABLE_FIELDS = frozenset(
    {
        "title",
        "challenge",
        "solution",
        "results",
        "industry",
        "use_case",
        "region",
        "size_band",
        "language",
        "logo_permission",
        "video_url",
        "document",
        "visibility",
    }
)


@dataclass(frozen=True)
class MetricInput:
    name: str
    before: Decimal
    after: Decimal
    unit: str = ""
    period: str = ""


@dataclass(frozen=True)
class QuoteInput:
    champion: Champion
    text: str


def queue_thanks(*, kind: str, champion_id: int, subject_id: int) -> None:
    """Thank the champion by email once the change is committed (never before)."""
    from programs.references.tasks import send_thanks_email

    transaction.on_commit(
        lambda: send_thanks_email.delay(kind=kind, champion_id=champion_id, subject_id=subject_id)
    )


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _lock(story: ReferenceStory) -> None:
    # Re-read the row under a lock, so two clicks cannot both move the story on.
    story.refresh_from_db(from_queryset=ReferenceStory.objects.select_for_update())


def _label(status: str) -> str:
    return StoryStatus(status).label.lower()


def _check_transition(story: ReferenceStory, to_status: str) -> None:
    allowed = STORY_TRANSITIONS[story.status]
    if to_status not in allowed:
        options = ", ".join(sorted(_label(s) for s in allowed)) or "none"
        raise DomainError(
            f"“{story.title}” is {_label(story.status)} and cannot become "
            f"{_label(to_status)} (allowed next: {options}).",
            field="status",
            code="illegal_transition",
        )


def _transition(
    story: ReferenceStory, to_status: str, *, at: datetime | None = None, extra: Sequence[str] = ()
) -> ReferenceStory:
    _check_transition(story, to_status)
    story.status = to_status
    story.status_changed_at = at or timezone.now()
    story.save(update_fields=["status", "status_changed_at", "updated_at", *extra])
    return story


def _validate(story: ReferenceStory) -> None:
    try:
        story.full_clean(exclude=["account", "use_case", "created_by", "document"])
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise DomainError(" ".join(messages), field=field) from None


def story_assert_editable(*, story: ReferenceStory) -> None:
    if story.status not in EDITABLE_STATUSES:
        raise DomainError(
            f"“{story.title}” is {_label(story.status)}, so its text is locked. "
            "Withdraw it (or let it expire) and reopen it as a draft to change it.",
            field="status",
            code="locked",
        )


@transaction.atomic
def story_record_edit(*, story: ReferenceStory, actor: User | None) -> StoryVersion | None:
    """Snapshot the story's text if it changed: a new version, and earlier sign-offs lapse.

    Called after every edit (services here, and the admin after saving its form). An
    approved story whose text changed goes back to awaiting sign-off.
    """
    text = story_text(story)
    digest = content_hash(text)
    if digest == story.content_hash:
        return None
    story_assert_editable(story=story)
    story.version_number += 1
    story.content_hash = digest
    version = StoryVersion.objects.create(
        story=story, number=story.version_number, text=text, content_hash=digest, created_by=actor
    )
    fields = ["version_number", "content_hash", "updated_at"]
    if story.status == StoryStatus.APPROVED:
        story.status = StoryStatus.AWAITING_SIGN_OFF
        story.status_changed_at = version.created_at
        fields += ["status", "status_changed_at"]
    story.save(update_fields=fields)
    return version


def _check_featured(story: ReferenceStory, champions: Iterable[Champion]) -> None:
    for champion in champions:
        if champion.account_id != story.account_id:
            raise DomainError(
                f"{champion.full_name} is not a champion of {story.account.name}; "
                "a story features its own customer's champions.",
                field="featured_champions",
            )


@transaction.atomic
def story_create(
    *,
    account: Account,
    title: str,
    created_by: User | None,
    challenge: str = "",
    solution: str = "",
    results: str = "",
    industry: str = "",
    region: str = "",
    size_band: str = "",
    language: str = "en",
    use_case: UseCase | None = None,
    product_areas: Iterable[ProductArea] = (),
    featured: Iterable[Champion] = (),
    logo_permission: bool = False,
    video_url: str = "",
    visibility: str = StoryVisibility.SALES,
) -> ReferenceStory:
    """A new draft story; its classification defaults to the account's."""
    story = ReferenceStory(
        account=account,
        title=title.strip(),
        challenge=challenge,
        solution=solution,
        results=results,
        industry=industry or account.industry,
        region=region or account.region,
        size_band=size_band or account.size_band,
        language=language.strip().lower(),
        use_case=use_case,
        logo_permission=logo_permission,
        video_url=video_url.strip(),
        visibility=visibility,
        created_by=created_by,
    )
    if not story.title:
        raise DomainError("A story needs a title.", field="title")
    _validate(story)
    story.save()
    story.product_areas.set(list(product_areas))
    champions = list(featured)
    _check_featured(story, champions)
    StoryFeature.objects.bulk_create(StoryFeature(story=story, champion=c) for c in champions)
    story_record_edit(story=story, actor=created_by)
    return story


@transaction.atomic
def story_update(*, story: ReferenceStory, actor: User | None, **fields: Any) -> ReferenceStory:
    """Change content or classification fields; a changed text becomes a new version."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise DomainError(f"“{sorted(unknown)[0]}” cannot be edited.", field=sorted(unknown)[0])
    _lock(story)
    story_assert_editable(story=story)
    for name, value in fields.items():
        setattr(story, name, value.strip() if isinstance(value, str) else value)
    if not story.title:
        raise DomainError("A story needs a title.", field="title")
    _validate(story)
    story.save()
    story_record_edit(story=story, actor=actor)
    return story


@transaction.atomic
def story_set_featured(
    *, story: ReferenceStory, champions: Iterable[Champion], actor: User | None
) -> ReferenceStory:
    _lock(story)
    story_assert_editable(story=story)
    wanted = {c.pk: c for c in champions}
    _check_featured(story, wanted.values())
    story.features.exclude(champion_id__in=wanted).delete()
    existing = set(story.features.values_list("champion_id", flat=True))
    StoryFeature.objects.bulk_create(
        StoryFeature(story=story, champion=c) for pk, c in wanted.items() if pk not in existing
    )
    story_record_edit(story=story, actor=actor)
    return story


@transaction.atomic
def story_set_metrics(
    *, story: ReferenceStory, metrics: Sequence[MetricInput], actor: User | None
) -> ReferenceStory:
    _lock(story)
    story_assert_editable(story=story)
    for metric in metrics:
        if not metric.name.strip():
            raise DomainError("Every proven metric needs a name.", field="metrics")
    story.metrics.all().delete()
    ProvenMetric.objects.bulk_create(
        ProvenMetric(
            story=story,
            name=m.name.strip(),
            before=m.before,
            after=m.after,
            unit=m.unit.strip(),
            period=m.period.strip(),
            position=i,
        )
        for i, m in enumerate(metrics)
    )
    story_record_edit(story=story, actor=actor)
    return story


@transaction.atomic
def story_set_quotes(
    *, story: ReferenceStory, quotes: Sequence[QuoteInput], actor: User | None
) -> ReferenceStory:
    _lock(story)
    story_assert_editable(story=story)
    featured = set(story.features.values_list("champion_id", flat=True))
    for quote in quotes:
        if not quote.text.strip():
            raise DomainError("A quote needs its text.", field="quotes")
        if quote.champion.pk not in featured:
            raise DomainError(
                f"{quote.champion.full_name} is not featured in the story; feature them first.",
                field="quotes",
            )
    story.quotes.all().delete()
    Quote.objects.bulk_create(
        Quote(story=story, champion=q.champion, text=q.text.strip(), position=i)
        for i, q in enumerate(quotes)
    )
    story_record_edit(story=story, actor=actor)
    return story


def _check_complete(story: ReferenceStory) -> None:
    """What a story needs before review, sign-off and publishing."""
    for name in ("challenge", "solution", "results"):
        if not getattr(story, name).strip():
            raise DomainError(f"The story needs its {name} written out.", field=name)
    featured = list(Champion.objects.filter(story_features__story=story))
    if not featured:
        raise DomainError("Feature at least one champion.", field="featured_champions")
    _check_featured(story, featured)
    stray = story.quotes.exclude(champion__in=featured).select_related("champion").first()
    if stray is not None:
        raise DomainError(
            f"A quote is by {stray.champion.full_name}, who is not featured in the story.",
            field="quotes",
        )


@transaction.atomic
def story_submit_for_review(
    *, story: ReferenceStory, actor: User | None, at: datetime | None = None
) -> ReferenceStory:
    _lock(story)
    _check_transition(story, S.IN_REVIEW)
    _check_complete(story)
    return _transition(story, S.IN_REVIEW, at=at)


@transaction.atomic
def story_return_to_draft(
    *, story: ReferenceStory, actor: User | None, at: datetime | None = None
) -> ReferenceStory:
    _lock(story)
    return _transition(story, S.DRAFT, at=at)


@transaction.atomic
def story_request_sign_off(
    *, story: ReferenceStory, actor: User | None, at: datetime | None = None
) -> ReferenceStory:
    """Review is done: the featured champions are asked to approve the current version."""
    _lock(story)
    _check_transition(story, S.AWAITING_SIGN_OFF)
    _check_complete(story)
    return _transition(story, S.AWAITING_SIGN_OFF, at=at)


def _unsigned(story: ReferenceStory) -> list[Champion]:
    signed = story.sign_offs.filter(content_hash=story.content_hash).values("champion_id")
    return list(
        Champion.objects.filter(story_features__story=story)
        .exclude(pk__in=signed)
        .order_by("full_name")
    )


@transaction.atomic
def story_sign_off(
    *,
    story: ReferenceStory,
    champion: Champion,
    content_hash: str,
    method: str = SignOffMethod.PORTAL,
    actor: User | None = None,
    at: datetime | None = None,
) -> StorySignOff:
    """A featured champion approves the exact text they saw (its hash).

    Refused when the story changed since: the champion must see the new version. When the
    last featured champion signs, the story is approved.
    """
    _lock(story)
    if method not in SignOffMethod.values:
        raise DomainError(f"“{method}” is not a sign-off method.", field="method")
    if not story.features.filter(champion=champion).exists():
        raise DomainError(
            f"{champion.full_name} is not featured in “{story.title}”.", field="champion"
        )
    if content_hash != story.content_hash:
        seen = story.versions.filter(content_hash=content_hash).order_by("-number").first()
        if seen is None:
            raise DomainError("That text is not a version of this story.", field="content_hash")
        raise DomainError(
            f"The story changed after the version you approved (version {seen.number}); "
            f"please review version {story.version_number} and sign off again.",
            field="content_hash",
            code="stale_version",
        )
    version = story.versions.get(number=story.version_number)
    existing = StorySignOff.objects.filter(version=version, champion=champion).first()
    if existing is not None:
        return existing
    if story.status != S.AWAITING_SIGN_OFF:
        raise DomainError(
            f"“{story.title}” is {_label(story.status)}, not awaiting sign-off.",
            field="status",
            code="illegal_transition",
        )
    sign_off = StorySignOff.objects.create(
        story=story,
        version=version,
        champion=champion,
        content_hash=content_hash,
        method=method,
        actor=actor,
        signed_at=at or timezone.now(),
    )
    if not _unsigned(story):
        _transition(story, S.APPROVED, at=sign_off.signed_at)
    return sign_off


@transaction.atomic
def story_approve(
    *, story: ReferenceStory, actor: User | None, at: datetime | None = None
) -> ReferenceStory:
    _lock(story)
    _check_transition(story, S.APPROVED)
    missing = _unsigned(story)
    if missing:
        names = ", ".join(c.full_name for c in missing)
        raise DomainError(
            f"Version {story.version_number} still needs the sign-off of {names}.",
            field="sign_offs",
            code="sign_off_missing",
        )
    return _transition(story, S.APPROVED, at=at)


@transaction.atomic
def story_publish(
    *,
    story: ReferenceStory,
    actor: User | None,
    at: datetime | None = None,
    source: str = ActivitySource.ADMIN,
) -> ReferenceStory:
    """Publish an approved story: the consent gate, then a wrote-story activity and thanks
    for each featured champion."""
    _lock(story)
    at = at or timezone.now()
    _check_transition(story, S.PUBLISHED)
    _check_complete(story)
    if _unsigned(story):
        raise DomainError("Every featured champion must sign off the current version.")
    missing = story_missing_consents(story=story, at=at)
    if missing:
        raise MissingConsent(missing)
    story.published_at = at
    story.review_due_at = add_months(at, conf.story_review_months())
    story.needs_crm_update_at = at
    story.withdrawn_reason = ""
    _transition(
        story,
        S.PUBLISHED,
        at=at,
        extra=["published_at", "review_due_at", "needs_crm_update_at", "withdrawn_reason"],
    )
    for champion in Champion.objects.filter(story_features__story=story):
        activity_record(
            kind=ActivityKind.WROTE_STORY,
            source=source,
            champion=champion,
            actor=actor,
            occurred_at=at,
            subject=story,
            idempotency_key=f"references:wrote_story:{story.pk}:{champion.pk}:"
            f"v{story.version_number}",
        )
        queue_thanks(kind="story", champion_id=champion.pk, subject_id=story.pk)
    return story


@transaction.atomic
def story_expire(*, story: ReferenceStory, at: datetime | None = None) -> ReferenceStory:
    _lock(story)
    at = at or timezone.now()
    story.needs_crm_update_at = at
    return _transition(story, S.EXPIRED, at=at, extra=["needs_crm_update_at"])


def stories_expire_due(*, at: datetime | None = None) -> int:
    """Expire published stories past their review date (a daily task); returns how many."""
    at = at or timezone.now()
    due = ReferenceStory.objects.filter(status=S.PUBLISHED, review_due_at__lte=at)
    count = 0
    for story in due.only("pk"):
        story_expire(story=story, at=at)
        count += 1
    return count


@transaction.atomic
def story_withdraw(
    *, story: ReferenceStory, actor: User | None, reason: str, at: datetime | None = None
) -> ReferenceStory:
    _lock(story)
    if not reason.strip():
        raise DomainError("Say why the story is withdrawn.", field="reason")
    at = at or timezone.now()
    extra = ["withdrawn_reason"]
    if story.status == S.PUBLISHED:
        story.needs_crm_update_at = at
        extra.append("needs_crm_update_at")
    story.withdrawn_reason = reason.strip()[:300]
    return _transition(story, S.WITHDRAWN, at=at, extra=extra)


@transaction.atomic
def story_reopen(
    *, story: ReferenceStory, actor: User | None, at: datetime | None = None
) -> ReferenceStory:
    """An expired or withdrawn story becomes a draft again, to be refreshed and re-approved."""
    _lock(story)
    return _transition(story, S.DRAFT, at=at)


MAX_CHANGE_NOTE = 2000


@transaction.atomic
def story_request_changes(
    *, story: ReferenceStory, champion: Champion, note: str, at: datetime | None = None
) -> ReferenceStory:
    """A featured champion asks for changes instead of signing off (in the portal).

    The story goes back to review so nobody publishes the text they object to, and the
    program team gets the champion's note by email (queued after commit).
    """
    _lock(story)
    if not story.features.filter(champion=champion).exists():
        raise DomainError(
            f"{champion.full_name} is not featured in “{story.title}”.", field="champion"
        )
    note = note.strip()
    if not note:
        raise DomainError("Say what should change, so the team can fix it.", field="note")
    if len(note) > MAX_CHANGE_NOTE:
        raise DomainError(f"Keep it under {MAX_CHANGE_NOTE} characters.", field="note")
    if story.status != S.AWAITING_SIGN_OFF:
        raise DomainError(
            f"“{story.title}” is {_label(story.status)}, not awaiting your sign-off.",
            field="status",
            code="illegal_transition",
        )
    _transition(story, S.IN_REVIEW, at=at)
    from programs.references.tasks import send_story_changes_requested

    story_id, champion_id, version = story.pk, champion.pk, story.version_number
    transaction.on_commit(
        lambda: send_story_changes_requested.delay(
            story_id=story_id, champion_id=champion_id, version=version, note=note
        )
    )
    return story
