"""Search filters for references and stories (django-filter), checked like any input."""

from __future__ import annotations

from typing import Any

import django_filters  # type: ignore[import-untyped]
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from champions.models import Account, Champion, Industry, Region, SizeBand
from config.api.filters import FilterSet
from programs.references.api.selectors import (
    available_now,
    featured_in_visible_story,
    with_availability,
)
from programs.references.models import ProvenMetric, ReferenceProfile, ReferenceStory

TEXT_MAX = 100


def StrictBooleanFilter(**kwargs: Any) -> django_filters.TypedChoiceFilter:
    """`true` or `false` only: django-filter's own BooleanFilter reads `perhaps` as "no filter"."""
    return django_filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        coerce=lambda value: value == "true",
        **kwargs,
    )


class ReferenceOrdering(django_filters.OrderingFilter):
    """The cursor pagination keeps the first sort key of each row, so every key is a column of
    the row that is never null: the company's name is annotated when asked for, and active
    champions have all joined."""

    def filter(self, qs: QuerySet[Champion], value: list[str] | None) -> QuerySet[Champion]:
        if value and any(key.lstrip("-") == "company" for key in value):
            qs = qs.annotate(company_name=F("account__name"))
        return super().filter(qs, value)


class ReferenceFilter(FilterSet):
    industry = django_filters.ChoiceFilter(field_name="account__industry", choices=Industry.choices)
    region = django_filters.ChoiceFilter(field_name="account__region", choices=Region.choices)
    size_band = django_filters.ChoiceFilter(
        field_name="account__size_band", choices=SizeBand.choices
    )
    language = django_filters.CharFilter(method="filter_language", max_length=8)
    use_case = django_filters.CharFilter(method="filter_use_case", max_length=120)
    product_area = django_filters.CharFilter(field_name="product_areas__slug", max_length=100)
    proven_metric = django_filters.CharFilter(method="filter_proven_metric", max_length=TEXT_MAX)
    has_video = StrictBooleanFilter(method="filter_has_video")
    available_now = StrictBooleanFilter(method="filter_available_now")
    q = django_filters.CharFilter(method="filter_text", max_length=TEXT_MAX)
    ordering = ReferenceOrdering(
        fields=(("full_name", "name"), ("company_name", "company"), ("joined_at", "joined"))
    )

    class Meta:
        model = Champion
        fields: list[str] = []

    def filter_language(self, qs: QuerySet[Champion], name: str, value: str) -> QuerySet[Champion]:
        # The JSON text holds "de": the same portable test matching uses.
        return qs.filter(languages__icontains=f'"{value.strip().lower()}"')

    def filter_use_case(self, qs: QuerySet[Champion], name: str, value: str) -> QuerySet[Champion]:
        stated = Exists(
            ReferenceProfile.use_cases.through.objects.filter(
                referenceprofile__champion=OuterRef("pk"), usecase__slug=value
            )
        )
        return qs.filter(stated | featured_in_visible_story(use_case__slug=value))

    def filter_proven_metric(
        self, qs: QuerySet[Champion], name: str, value: str
    ) -> QuerySet[Champion]:
        return qs.filter(featured_in_visible_story(metrics__name__icontains=value.strip()))

    def filter_has_video(
        self, qs: QuerySet[Champion], name: str, value: bool | None
    ) -> QuerySet[Champion]:
        if value is None:
            return qs
        has = featured_in_visible_story(video_url__gt="")
        return qs.filter(has) if value else qs.exclude(has)

    def filter_available_now(
        self, qs: QuerySet[Champion], name: str, value: bool | None
    ) -> QuerySet[Champion]:
        if value is None:
            return qs
        qs, available = with_availability(qs), available_now()
        return qs.filter(available) if value else qs.exclude(available)

    def filter_text(self, qs: QuerySet[Champion], name: str, value: str) -> QuerySet[Champion]:
        text = value.strip()
        if not text:
            return qs
        # Per champion, probes rather than joins: a page walks champions in name order.
        company = Exists(Account.objects.filter(pk=OuterRef("account_id"), name__icontains=text))
        return qs.filter(
            Q(full_name__icontains=text)
            | Q(title__icontains=text)
            | Q(expertise__icontains=text)
            | company
            | featured_in_visible_story(title__icontains=text)
        )


class StoryFilter(FilterSet):
    industry = django_filters.ChoiceFilter(choices=Industry.choices)
    region = django_filters.ChoiceFilter(choices=Region.choices)
    size_band = django_filters.ChoiceFilter(choices=SizeBand.choices)
    language = django_filters.CharFilter(max_length=8)
    use_case = django_filters.CharFilter(field_name="use_case__slug", max_length=120)
    product_area = django_filters.CharFilter(method="filter_product_area", max_length=100)
    proven_metric = django_filters.CharFilter(method="filter_proven_metric", max_length=TEXT_MAX)
    has_video = StrictBooleanFilter(method="filter_has_video")
    q = django_filters.CharFilter(method="filter_text", max_length=TEXT_MAX)
    ordering = django_filters.OrderingFilter(
        fields=(("published_at", "published"), ("title", "title"))
    )

    class Meta:
        model = ReferenceStory
        fields: list[str] = []

    def filter_product_area(
        self, qs: QuerySet[ReferenceStory], name: str, value: str
    ) -> QuerySet[ReferenceStory]:
        through = ReferenceStory.product_areas.through.objects.filter(
            referencestory_id=OuterRef("pk"), productarea__slug=value
        )
        return qs.filter(Exists(through))

    def filter_proven_metric(
        self, qs: QuerySet[ReferenceStory], name: str, value: str
    ) -> QuerySet[ReferenceStory]:
        return qs.filter(
            Exists(ProvenMetric.objects.filter(story=OuterRef("pk"), name__icontains=value.strip()))
        )

    def filter_has_video(
        self, qs: QuerySet[ReferenceStory], name: str, value: bool | None
    ) -> QuerySet[ReferenceStory]:
        if value is None:
            return qs
        return qs.exclude(video_url="") if value else qs.filter(video_url="")

    def filter_text(
        self, qs: QuerySet[ReferenceStory], name: str, value: str
    ) -> QuerySet[ReferenceStory]:
        text = value.strip()
        if not text:
            return qs
        return qs.filter(
            Q(title__icontains=text)
            | Q(challenge__icontains=text)
            | Q(solution__icontains=text)
            | Q(results__icontains=text)
            | Q(account__name__icontains=text)
        )
