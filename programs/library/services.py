"""Every change to the template library goes through these functions.

Reuse is what METRICS.md measures: each download or fork writes a `reused_template` activity
(the author's own too), and reusing another champion's template can be a first value moment.
"""

from __future__ import annotations

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from champions.errors import DomainError
from champions.models import ActivityKind, ActivitySource, Champion, ChampionState, User
from champions.services import activity_record, champion_record_first_value
from programs.governance.selectors import ensure_can_post
from programs.library.models import (
    Template,
    TemplateCategory,
    TemplateKind,
    TemplateRating,
    TemplateVersion,
)
from programs.library.validation import check_template_content, check_template_file

CONTENT_FIELDS = ("title", "description", "body", "link", "file")


def _check_live(champion: Champion) -> None:
    if champion.state in (ChampionState.INVITED, ChampionState.ALUMNI):
        raise DomainError(
            f"{champion.full_name} is {champion.get_state_display().lower()} and cannot use "
            "the library.",
            field="champion",
        )


def _check_published(template: Template) -> None:
    if template.published_at is None:
        raise DomainError(f"“{template.title}” is a draft and not published yet.", field="template")


def _may_edit(template: Template, user: User) -> bool:
    return user.is_staff or (
        template.author_user_id is not None and template.author_user_id == user.pk
    )


def template_snapshot(
    *, template: Template, by_user: User | None, note: str = ""
) -> TemplateVersion:
    """Keep the template's current content as its next version."""
    number = (
        template.versions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    template.version = number
    template.save(update_fields=["version", "updated_at"])
    return TemplateVersion.objects.create(
        template=template,
        number=number,
        title=template.title,
        body=template.body,
        file=template.file.name if template.file else "",
        link=template.link,
        note=note,
        created_by=by_user,
    )


@transaction.atomic
def template_create(
    *,
    title: str,
    kind: str,
    author: Champion | None = None,
    author_user: User | None = None,
    description: str = "",
    category: str = TemplateCategory.OTHER,
    product_area_id: int | None = None,
    guild_id: int | None = None,
    file: File[bytes] | None = None,
    link: str = "",
    body: str = "",
    note: str = "",
) -> Template:
    """A draft template by a champion or by the program team; published separately."""
    if author is None and author_user is None:
        raise DomainError("A template needs an author.", field="author")
    if author is not None:
        _check_live(author)
        author_user = author_user or author.user
    if not title.strip():
        raise DomainError("A template needs a title.", field="title")
    if category not in TemplateCategory.values:
        raise DomainError(f"“{category}” is not a template category.", field="category")
    check_template_content(kind=kind, file=file, link=link, body=body)
    if kind == TemplateKind.FILE and file is not None:
        check_template_file(file)
    template = Template(
        title=title.strip(),
        kind=kind,
        description=description.strip(),
        category=category,
        product_area_id=product_area_id,
        guild_id=guild_id,
        link=link if kind == TemplateKind.LINK else "",
        body=body if kind == TemplateKind.MARKDOWN else "",
        author=author,
        author_user=author_user,
        version=0,
    )
    if kind == TemplateKind.FILE and file is not None:
        template.file.save(file.name or "template", file, save=False)
    template.save()
    template_snapshot(template=template, by_user=author_user, note=note or "First version")
    return template


@transaction.atomic
def template_update(
    *,
    template: Template,
    by_user: User,
    title: str | None = None,
    description: str | None = None,
    body: str | None = None,
    link: str | None = None,
    file: File[bytes] | None = None,
    note: str = "",
) -> TemplateVersion:
    """Edit a template (its author or the program team); the edit becomes a new version."""
    template = Template.objects.select_for_update().get(pk=template.pk)
    if not _may_edit(template, by_user):
        raise DomainError(
            "Only the author or the program team can edit this template.", field="user"
        )
    if body is not None and template.kind != TemplateKind.MARKDOWN:
        raise DomainError("Only Markdown templates have a body.", field="body")
    if link is not None and template.kind != TemplateKind.LINK:
        raise DomainError("Only link templates have a link.", field="link")
    new_body = template.body if body is None else body
    new_link = template.link if link is None else link
    check_template_content(
        kind=template.kind, file=file or template.file or None, link=new_link, body=new_body
    )
    if file is not None:
        if template.kind != TemplateKind.FILE:
            raise DomainError("Only file templates take a file.", field="file")
        check_template_file(file)
        template.file.save(file.name or "template", file, save=False)
    if title is not None:
        if not title.strip():
            raise DomainError("A template needs a title.", field="title")
        template.title = title.strip()
    if description is not None:
        template.description = description.strip()
    template.body, template.link = new_body, new_link
    template.save()
    return template_snapshot(template=template, by_user=by_user, note=note)


@transaction.atomic
def template_publish(
    *, template: Template, by_user: User, source: str = ActivitySource.PORTAL
) -> Template:
    """Make a draft visible to everyone; sharing it is a contributor activity of its author."""
    ensure_can_post(user=by_user)  # code of conduct accepted, not restricted (governance)
    template = Template.objects.select_for_update().get(pk=template.pk)
    if not _may_edit(template, by_user):
        raise DomainError(
            "Only the author or the program team can publish this template.", field="user"
        )
    if template.published_at is not None:
        return template
    template.published_at = timezone.now()
    template.save(update_fields=["published_at", "updated_at"])
    if template.author is not None:
        activity_record(
            kind=ActivityKind.SHARED_TEMPLATE,
            source=source,
            champion=template.author,
            occurred_at=template.published_at,
            guild=template.guild,
            subject=template,
            idempotency_key=f"template:{template.pk}:shared",
        )
    return template


def _authored_by_another_champion(template: Template, champion: Champion) -> bool:
    author = template.author
    if author is None or author.pk == champion.pk:
        return False
    return author.user is None or not author.user.is_staff


def _record_reuse(
    template: Template,
    champion: Champion,
    *,
    how: str,
    key: str,
    source: str,
    extra: dict[str, int],
) -> None:
    now = timezone.now()
    activity_record(
        kind=ActivityKind.REUSED_TEMPLATE,
        source=source,
        champion=champion,
        occurred_at=now,
        guild=template.guild,
        subject=template,
        idempotency_key=key,
        metadata={"how": how, **extra},
    )
    if _authored_by_another_champion(template, champion):
        champion_record_first_value(champion=champion, at=now)


@transaction.atomic
def template_download(
    *, template: Template, champion: Champion | None = None, source: str = ActivitySource.PORTAL
) -> Template:
    """Count a download; a champion's download is a reuse.

    One reuse activity per champion, template and UTC day: downloading the same file again
    that day is counted but not recorded again, so engagement cannot be inflated by clicks.
    """
    template = Template.objects.select_related("author__user").get(pk=template.pk)
    _check_published(template)
    Template.objects.filter(pk=template.pk).update(download_count=F("download_count") + 1)
    template.refresh_from_db(fields=["download_count"])
    if champion is not None:
        _check_live(champion)
        day = timezone.now().date().isoformat()
        _record_reuse(
            template,
            champion,
            how="download",
            key=f"template:{template.pk}:downloaded:{champion.pk}:{day}",
            source=source,
            extra={},
        )
    return template


@transaction.atomic
def template_fork(
    *,
    template: Template,
    champion: Champion,
    title: str | None = None,
    source: str = ActivitySource.PORTAL,
) -> Template:
    """A champion adapts a template: a draft copy of theirs that points to its parent."""
    parent = Template.objects.select_related("author__user").get(pk=template.pk)
    _check_published(parent)
    _check_live(champion)
    fork = Template.objects.create(
        title=(title or "").strip() or parent.title,
        description=parent.description,
        category=parent.category,
        product_area_id=parent.product_area_id,
        guild_id=parent.guild_id,
        kind=parent.kind,
        file=parent.file.name if parent.file else "",
        link=parent.link,
        body=parent.body,
        author=champion,
        author_user=champion.user,
        parent=parent,
        version=0,
    )
    template_snapshot(template=fork, by_user=champion.user, note=f"Forked from “{parent.title}”")
    _record_reuse(
        parent,
        champion,
        how="fork",
        key=f"template:{fork.pk}:forked",
        source=source,
        extra={"fork_id": fork.pk},
    )
    return fork


@transaction.atomic
def template_rate(*, template: Template, champion: Champion, rating: int) -> TemplateRating:
    """Rate a published template 1–5 (not one's own); rating again replaces the rating."""
    _check_published(template)
    _check_live(champion)
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise DomainError("The rating is a whole number from 1 to 5.", field="rating")
    if template.author_id == champion.pk:
        raise DomainError("You cannot rate your own template.", field="champion")
    try:
        with transaction.atomic():
            rated, _ = TemplateRating.objects.update_or_create(
                template=template,
                champion=champion,
                defaults={"rating": rating, "rated_at": timezone.now()},
            )
    except IntegrityError:  # a concurrent first rating by the same champion
        rated = TemplateRating.objects.get(template=template, champion=champion)
        rated.rating = rating
        rated.save(update_fields=["rating"])
    return rated


@transaction.atomic
def template_set_featured(*, template: Template, featured: bool = True) -> Template:
    """Feature a published template on the library's front page (or stop featuring it)."""
    if featured:
        _check_published(template)
    Template.objects.filter(pk=template.pk).update(featured=featured, updated_at=timezone.now())
    template.featured = featured
    return template
