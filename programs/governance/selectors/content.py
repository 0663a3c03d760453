"""Hidden content, for the clinics, library and events selectors to honour.

    from programs.governance.selectors import exclude_hidden
    questions = exclude_hidden(Question.objects.filter(guild=guild))

Hiding keeps the row and its history; only what champions are shown changes. The program
team's admin pages keep showing hidden content (flagged), so it can be restored.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

from programs.governance.models import TARGET_MODELS, HiddenContent

M = TypeVar("M", bound=Model)


def _kind_of(model: type[Model]) -> str:
    kind = TARGET_MODELS.get(model._meta.label_lower)
    if kind is None or kind == "member":
        raise ValueError(f"{model._meta.label} cannot be hidden.")
    return kind


def hidden_ids(model: type[Model]) -> QuerySet[HiddenContent, int]:
    """Primary keys of the model's rows hidden now (a subquery, not a list)."""
    kind = _kind_of(model)
    return HiddenContent.objects.filter(
        restored_at__isnull=True, **{f"{kind}__isnull": False}
    ).values_list(f"{kind}_id", flat=True)


def exclude_hidden(queryset: QuerySet[M]) -> QuerySet[M]:
    return queryset.exclude(pk__in=hidden_ids(queryset.model))


def hidden_record(obj: Model) -> HiddenContent | None:
    kind = _kind_of(type(obj))
    return HiddenContent.objects.filter(restored_at__isnull=True, **{kind: obj}).first()


def is_hidden(obj: Model) -> bool:
    return hidden_record(obj) is not None
