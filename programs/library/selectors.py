"""Reads of the template library that more than one door needs."""

from __future__ import annotations

from django.db.models import Avg, Count, OuterRef, QuerySet, Subquery
from django.utils.safestring import SafeString

from champions.markdown import render_markdown
from programs.library.models import Template, TemplateRating


def templates_with_stats() -> QuerySet[Template]:
    """Templates annotated with `fork_count` and `rating_average` (None when unrated)."""
    average = (
        TemplateRating.objects.filter(template=OuterRef("pk"))
        .values("template")
        .annotate(average=Avg("rating"))
        .values("average")
    )
    return Template.objects.annotate(
        fork_count=Count("forks", distinct=True), rating_average=Subquery(average)
    )


def templates_published() -> QuerySet[Template]:
    """The library as champions see it: published templates, featured first."""
    return (
        templates_with_stats()
        .filter(published_at__isnull=False)
        .select_related("author", "guild", "product_area")
        .order_by("-featured", "-published_at")
    )


def template_body_html(template: Template) -> SafeString:
    return render_markdown(template.body)
