"""Reads of reference stories: their exact text, versions, sign-offs and what sales may see."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from champions.errors import DomainError
from champions.models import Champion, ConsentScope
from champions.selectors import consents_current
from config.precompiled import Moment, Precompiled
from programs.references.consent import consent_granted, story_consent_scopes
from programs.references.models import (
    Quote,
    ReferenceStory,
    StoryFeature,
    StorySignOff,
    StoryStatus,
    StoryVersion,
    StoryVisibility,
)

SALES_VISIBILITIES = (StoryVisibility.SALES, StoryVisibility.PUBLIC)


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def story_text(story: ReferenceStory) -> str:
    """The exact text champions sign off: everything of the story that is shown or shared."""
    lines = [f"Title: {story.title.strip()}", ""]
    for heading, body in (
        ("Challenge", story.challenge),
        ("Solution", story.solution),
        ("Results", story.results),
    ):
        lines += [f"{heading}:", *_paragraph_lines(body), ""]
    lines.append("Proven metrics:")
    for metric in story.metrics.all():
        period = f" ({metric.period.strip()})" if metric.period.strip() else ""
        lines.append(
            f"- {metric.name.strip()}: {_number(metric.before)} → {_number(metric.after)}"
            f" {metric.unit.strip()}".rstrip()
            + period
        )
    lines += ["", "Quotes:"]
    for quote in story.quotes.select_related("champion"):
        who = quote.champion.full_name
        if quote.champion.title:
            who += f", {quote.champion.title}"
        lines.append(f"- “{' '.join(quote.text.split())}” — {who}")
    featured = Champion.objects.filter(story_features__story=story).order_by("full_name", "id")
    lines += ["", "Featured: " + ", ".join(c.full_name for c in featured)]
    lines.append(f"Logo shown: {'yes' if story.logo_permission else 'no'}")
    lines.append(f"Video: {story.video_url or 'none'}")
    lines.append(f"Document: {story.document.name if story.document else 'none'}")
    lines.append(f"Visibility: {StoryVisibility(story.visibility).label}")
    return "\n".join(lines) + "\n"


def _paragraph_lines(body: str) -> list[str]:
    return [line.rstrip() for line in body.replace("\r\n", "\n").strip().split("\n")]


def stories_visible_to_sales(*, at: datetime | None = None) -> QuerySet[ReferenceStory]:
    """Published stories sales may use at `at` (now): shareable, not past their review date,
    and every featured champion holds a current consent for each scope the story uses.

    Consent is checked in SQL against the latest record, so a withdrawal hides the story from
    the next query on, without waiting for any job.
    """
    at = at or timezone.now()
    lacking_consent = (
        StoryFeature.objects.filter(story=OuterRef("pk"))
        .annotate(
            case_study_ok=consent_granted(ConsentScope.CASE_STUDY, at=at, champion_ref="champion"),
            quote_ok=consent_granted(ConsentScope.QUOTE, at=at, champion_ref="champion"),
            logo_ok=consent_granted(ConsentScope.LOGO, at=at, champion_ref="champion"),
            video_ok=consent_granted(ConsentScope.VIDEO, at=at, champion_ref="champion"),
            has_quotes=Exists(Quote.objects.filter(story=OuterRef("story"))),
        )
        .filter(
            Q(champion__erased_at__isnull=False)
            | Q(case_study_ok=False)
            | Q(has_quotes=True, quote_ok=False)
            | Q(story__logo_permission=True, logo_ok=False)
            | (~Q(story__video_url="") & Q(video_ok=False))
        )
    )
    return (
        ReferenceStory.objects.filter(
            status=StoryStatus.PUBLISHED,
            visibility__in=SALES_VISIBILITIES,
            published_at__lte=at,
        )
        .filter(Q(review_due_at__isnull=True) | Q(review_due_at__gt=at))
        .filter(Exists(StoryFeature.objects.filter(story=OuterRef("pk"))))
        .exclude(Exists(lacking_consent))
    )


# Unordered, as Django writes an `__in` subquery: an ORDER BY would keep PostgreSQL from
# pulling it up into a semi-join (it would decide visibility for every story first).
_VISIBLE_STORY_IDS = Precompiled(
    lambda at: stories_visible_to_sales(at=at).order_by().values("pk"), at=Moment
)


def visible_story_ids(*, at: datetime | None = None) -> RawSQL:
    """SQL: the ids of `stories_visible_to_sales(at=at)`, for `story_id__in=`.

    The same rule, compiled once per process with `at` as a parameter: building and compiling
    its nested consent subqueries cost a search page about 4 ms of Python on every request.
    Still evaluated by the database on each query, so a withdrawal hides a story at once.
    """
    return _VISIBLE_STORY_IDS.raw(at=at or timezone.now())


def story_is_visible_to_sales(*, story: ReferenceStory, at: datetime | None = None) -> bool:
    return stories_visible_to_sales(at=at).filter(pk=story.pk).exists()


def story_missing_consents(
    *, story: ReferenceStory, at: datetime | None = None
) -> dict[Champion, list[str]]:
    """For each featured champion, the scopes the story uses that they have not consented to."""
    scopes = story_consent_scopes(story, has_quotes=story.quotes.exists())
    missing: dict[Champion, list[str]] = {}
    for champion in Champion.objects.filter(story_features__story=story).order_by("full_name"):
        current = consents_current(champion=champion, at=at)
        lacking = [s for s in scopes if champion.erased_at is not None or not current.get(s, False)]
        if lacking:
            missing[champion] = lacking
    return missing


@dataclass(frozen=True)
class SignOffState:
    champion: Champion
    signed_current: bool
    last_sign_off: StorySignOff | None


def story_sign_off_state(*, story: ReferenceStory) -> list[SignOffState]:
    """Per featured champion: signed the current version? and their latest sign-off."""
    latest: dict[int, StorySignOff] = {}
    for sign_off in story.sign_offs.select_related("version").order_by("signed_at", "id"):
        latest[sign_off.champion_id] = sign_off
    current: set[int] = set(
        story.sign_offs.filter(content_hash=story.content_hash).values_list(
            "champion_id", flat=True
        )
    )
    featured = Champion.objects.filter(story_features__story=story).order_by("full_name", "id")
    return [
        SignOffState(champion=c, signed_current=c.pk in current, last_sign_off=latest.get(c.pk))
        for c in featured
    ]


def story_versions(*, story: ReferenceStory) -> QuerySet[StoryVersion]:
    return story.versions.select_related("created_by").order_by("-number")


def story_version_diff(*, story: ReferenceStory, old: int, new: int, html: bool = False) -> str:
    """What changed between two versions: a unified diff, or an HTML side-by-side table.

    The HTML comes from `difflib.HtmlDiff`, which escapes the story text itself.
    """
    versions = {v.number: v for v in story.versions.filter(number__in=[old, new])}
    for number in (old, new):
        if number not in versions:
            raise DomainError(f"The story has no version {number}.", field="version")
    before = versions[old].text.splitlines()
    after = versions[new].text.splitlines()
    if html:
        return difflib.HtmlDiff(wrapcolumn=90).make_table(
            before, after, f"Version {old}", f"Version {new}", context=True, numlines=2
        )
    return "\n".join(
        difflib.unified_diff(before, after, f"version {old}", f"version {new}", lineterm="", n=2)
    )


@dataclass(frozen=True)
class SalesMetric:
    name: str
    before: str
    after: str
    unit: str
    period: str


@dataclass(frozen=True)
class SalesQuote:
    text: str
    name: str
    title: str


@dataclass(frozen=True)
class SalesStory:
    """What sales sees of a story: no notes, no contact details, the logo only if allowed."""

    id: int
    title: str
    company: str
    industry: str
    company_size: str
    region: str
    language: str
    use_case: str
    product_areas: list[str]
    challenge: str
    solution: str
    results: str
    metrics: list[SalesMetric]
    quotes: list[SalesQuote]
    featured: list[tuple[str, str]]
    logo_shown: bool
    video_url: str
    document_url: str
    published_at: datetime | None
    review_due_at: datetime | None


def story_for_sales(*, story: ReferenceStory) -> SalesStory:
    quotes = story.quotes.select_related("champion")
    featured = Champion.objects.filter(story_features__story=story).order_by("full_name")
    return SalesStory(
        id=story.pk,
        title=story.title,
        company=story.account.name,
        industry=story.get_industry_display(),
        company_size=story.get_size_band_display(),
        region=story.get_region_display(),
        language=story.language,
        use_case=story.use_case.name if story.use_case else "",
        product_areas=[area.name for area in story.product_areas.all()],
        challenge=story.challenge,
        solution=story.solution,
        results=story.results,
        metrics=[
            SalesMetric(m.name, _number(m.before), _number(m.after), m.unit, m.period)
            for m in story.metrics.all()
        ],
        quotes=[SalesQuote(q.text, q.champion.full_name, q.champion.title) for q in quotes],
        featured=[(c.full_name, c.title) for c in featured],
        logo_shown=story.logo_permission,
        video_url=story.video_url,
        document_url=story.document.url if story.document else "",
        published_at=story.published_at,
        review_due_at=story.review_due_at,
    )
