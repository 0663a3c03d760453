"""Demo data for the library: about forty templates across categories and product areas
(Markdown bodies and links, no files), shared by champions and the program team over the
year, some revised to a second version, downloaded, forked by other champions, rated, and a
few of the most used featured.

Written through the services in the order it happened, then back-dated in bulk. Only
champions around and contributing at the time take part (`Roster`, from the events demo).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from champions.demo import BATCH_SIZE, DemoContext, demo_section
from champions.models import Activity, ActivityKind, Champion, User
from programs.events.demo import Roster, earliest, settle_first_values
from programs.library import services
from programs.library.models import (
    Template,
    TemplateCategory,
    TemplateKind,
    TemplateRating,
    TemplateVersion,
)

TEMPLATE_LABEL = Template._meta.label_lower
SUBJECTS = (
    ("Month-end close", TemplateCategory.REPORT),
    ("Regional pipeline", TemplateCategory.REPORT),
    ("Executive one-pager", TemplateCategory.DASHBOARD),
    ("Team workload", TemplateCategory.DASHBOARD),
    ("Two-step approval", TemplateCategory.WORKFLOW),
    ("New-hire onboarding", TemplateCategory.WORKFLOW),
    ("Go-live", TemplateCategory.CHECKLIST),
    ("Quarterly access review", TemplateCategory.CHECKLIST),
    ("CRM sync", TemplateCategory.INTEGRATION),
    ("Webhook to chat", TemplateCategory.INTEGRATION),
    ("Rolling out SSO", TemplateCategory.GUIDE),
    ("Naming conventions", TemplateCategory.GUIDE),
    ("Retro board", TemplateCategory.OTHER),
)
FLAVOURS = ("", " (advanced)", " for small teams")
BODY = """## {title}

**What it is for:** {purpose}

### Steps
1. Copy the template into your workspace.
2. Adjust the fields marked *TODO* to your team.
3. Share it with one colleague and ask for feedback.

> Tip from the author: start small and add fields once people use it.
"""
LINK = "https://help.example.com/templates/{slug}"


@dataclass
class _Dates:
    templates: list[Template] = field(default_factory=list)
    versions: dict[int, datetime] = field(default_factory=dict)  # version pk -> at
    ratings: list[TemplateRating] = field(default_factory=list)
    # (kind, template pk, champion pk) -> at, for the activities the services stamped now
    activities: dict[tuple[str, int, int], datetime] = field(default_factory=dict)
    values: dict[int, datetime] = field(default_factory=dict)


def _version(template: Template, at: datetime, out: _Dates) -> None:
    latest = TemplateVersion.objects.filter(template=template).order_by("-number").first()
    if latest is not None:
        out.versions[latest.pk] = at


def _publish(ctx: DemoContext, template: Template, by: User, at: datetime, out: _Dates) -> Template:
    template = services.template_publish(template=template, by_user=by)
    template.published_at = template.updated_at = at
    if template.author is not None:
        out.activities[(ActivityKind.SHARED_TEMPLATE, template.pk, template.author.pk)] = at
        ctx.contributed(template.author, at)
    return template


def _one(
    ctx: DemoContext, roster: Roster, number: int, staff: User, out: _Dates
) -> Template | None:
    rng, now = ctx.rng, ctx.now
    subject, category = SUBJECTS[number % len(SUBJECTS)]
    title = f"{subject}{FLAVOURS[number // len(SUBJECTS) % len(FLAVOURS)]}"
    created = ctx.days_ago(8, 345)
    authors = [c for c in roster.live_at(created) if c.user_id is not None]
    author: Champion | None = rng.choice(authors) if authors and rng.random() < 0.75 else None
    by = author.user if author is not None and author.user is not None else staff
    area = rng.choice(ctx.product_areas) if ctx.product_areas else None
    kind = TemplateKind.LINK if rng.random() < 0.2 else TemplateKind.MARKDOWN
    slug = title.lower().replace(" ", "-").replace("(", "").replace(")", "")
    template = services.template_create(
        title=title,
        kind=kind,
        author=author,
        author_user=None if author is not None else staff,
        description=f"A {category.label.lower()} template: {subject.lower()}, ready to adapt.",
        category=category,
        product_area_id=area.pk if area is not None else None,
        link=LINK.format(slug=slug) if kind == TemplateKind.LINK else "",
        body=BODY.format(title=title, purpose=subject) if kind == TemplateKind.MARKDOWN else "",
    )
    template.created_at = created
    _version(template, created, out)
    published = ctx.later(created, 0.1, 3)
    if published >= now - timedelta(days=1) or rng.random() < 0.05:
        out.templates.append(template)  # still a draft
        return None
    template = _publish(ctx, template, by, published, out)
    if kind == TemplateKind.MARKDOWN and rng.random() < 0.3:
        revised = ctx.later(published, 5, max(5.5, (now - published).days * 0.7))
        if revised < now:
            services.template_update(
                template=template,
                by_user=by,
                body=template.body + "\n### Changelog\n- Added a section on permissions.\n",
                note="Added a permissions section after questions in the clinic",
            )
            template.refresh_from_db()
            template.published_at, template.created_at = published, created
            template.updated_at = revised
            _version(template, revised, out)
    out.templates.append(template)
    return template


def _reuse(ctx: DemoContext, roster: Roster, template: Template, out: _Dates) -> None:
    rng, now = ctx.rng, ctx.now
    assert template.published_at is not None
    others = [c for c in roster.champions.values() if c.pk != template.author_id]
    rng.shuffle(others)
    downloads = rng.choice((0, 1, 2, 3, 4, 6, 8, 12))
    for champion in others[:downloads]:
        at = ctx.later(template.published_at, 0.1, max(0.2, (now - template.published_at).days))
        if not roster.live(champion, at):
            continue
        services.template_download(template=template, champion=champion)
        out.activities[(ActivityKind.REUSED_TEMPLATE, template.pk, champion.pk)] = at
        ctx.contributed(champion, at)
        if template.author_id is not None:
            earliest(out.values, champion.pk, at)
        if rng.random() < 0.5:
            rating = services.template_rate(
                template=template, champion=champion, rating=rng.choice((3, 4, 4, 5, 5))
            )
            rating.rated_at = min(ctx.later(at, 0.1, 5), now)
            out.ratings.append(rating)
    for _ in range(rng.randint(0, 3)):
        services.template_download(template=template)  # signed out, counted only


def _fork(ctx: DemoContext, roster: Roster, parent: Template, out: _Dates) -> None:
    rng, now = ctx.rng, ctx.now
    assert parent.published_at is not None
    at = ctx.later(parent.published_at, 2, max(2.5, (now - parent.published_at).days))
    candidates = [
        c for c in roster.live_at(at) if c.pk != parent.author_id and c.user_id is not None
    ]
    if at >= now or not candidates:
        return
    champion = rng.choice(candidates)
    fork = services.template_fork(
        template=parent, champion=champion, title=f"{parent.title} – {champion.account.name}"
    )
    fork.created_at = fork.updated_at = at
    _version(fork, at, out)
    out.activities[(ActivityKind.REUSED_TEMPLATE, parent.pk, champion.pk)] = at
    ctx.contributed(champion, at)
    if parent.author_id is not None:
        earliest(out.values, champion.pk, at)
    published = ctx.later(at, 0.2, 4)
    if published < now and rng.random() < 0.6 and champion.user is not None:
        fork = _publish(ctx, fork, champion.user, published, out)
        fork.created_at = at
    out.templates.append(fork)


def wipe_library() -> None:
    Activity.objects.filter(subject_type=TEMPLATE_LABEL).delete()
    TemplateRating.objects.all().delete()
    TemplateVersion.objects.all().delete()
    Template.objects.filter(parent__isnull=False).delete()
    Template.objects.all().delete()


@demo_section("library", wipe=wipe_library)
def build_library(ctx: DemoContext) -> None:
    roster = Roster.of(ctx)
    staff = ctx.users["admin"]
    out = _Dates()
    published: list[Template] = []
    for number in range(40):
        template = _one(ctx, roster, number, staff, out)
        if template is not None:
            published.append(template)
    for template in published:
        _reuse(ctx, roster, template, out)
        if ctx.rng.random() < 0.35:
            for _ in range(ctx.rng.choice((1, 1, 2))):
                _fork(ctx, roster, template, out)
    Template.objects.bulk_update(
        out.templates, ["created_at", "published_at", "updated_at"], batch_size=BATCH_SIZE
    )
    versions = list(TemplateVersion.objects.filter(pk__in=list(out.versions)))
    for version in versions:
        version.created_at = out.versions[version.pk]
    TemplateVersion.objects.bulk_update(versions, ["created_at"], batch_size=BATCH_SIZE)
    TemplateRating.objects.bulk_update(out.ratings, ["rated_at"], batch_size=BATCH_SIZE)
    activities = list(Activity.objects.filter(subject_type=TEMPLATE_LABEL))
    for activity in activities:
        key = (activity.kind, activity.subject_id or 0, activity.champion_id or 0)
        activity.occurred_at = out.activities.get(key, activity.occurred_at)
    Activity.objects.bulk_update(activities, ["occurred_at"], batch_size=BATCH_SIZE)
    settle_first_values(ctx, out.values)
    popular = sorted(published, key=lambda t: -Template.objects.get(pk=t.pk).download_count)
    for template in popular[:5]:
        services.template_set_featured(template=template)
    Template.objects.filter(pk__in=[t.pk for t in popular[:5]]).update(
        updated_at=ctx.now - timedelta(days=3)
    )
    ctx.extras["library"] = len(out.templates)
