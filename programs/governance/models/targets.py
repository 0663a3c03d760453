"""What a report or a hidden record points at: one typed foreign key per kind of target.

Typed keys (not a generic relation) keep the database honest and let the clinics, library and
events selectors join on them. A key is cleared if its object is deleted; `target_kind` keeps
what it was.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db import models
from django.db.models import Q


class TargetKind(models.TextChoices):
    QUESTION = "question", "Question"
    ANSWER = "answer", "Answer"
    TEMPLATE = "template", "Template"
    EVENT = "event", "Event"
    MEMBER = "member", "Member"


CONTENT_KINDS = (TargetKind.QUESTION, TargetKind.ANSWER, TargetKind.TEMPLATE, TargetKind.EVENT)
# model label -> target kind (the member is a champions.Champion)
TARGET_MODELS: dict[str, str] = {
    "clinics.question": TargetKind.QUESTION,
    "clinics.answer": TargetKind.ANSWER,
    "library.template": TargetKind.TEMPLATE,
    "events.event": TargetKind.EVENT,
    "champions.champion": TargetKind.MEMBER,
}


def one_target_at_most(kinds: tuple[str, ...]) -> Q:
    """At most one key is set, and a set key matches `target_kind`."""

    def only(kind: str) -> Q:
        return Q(target_kind=kind, **{f"{other}__isnull": other != kind for other in kinds})

    none = Q(**{f"{kind}__isnull": True for kind in kinds})
    return reduce(or_, [only(kind) for kind in kinds], none)
