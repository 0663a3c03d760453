"""Consent as SQL expressions, so visibility follows a withdrawal without any job.

The latest `ConsentRecord` per champion and scope is the current state (the records are
append-only); the expressions read it with a correlated subquery that the
`(champion, scope, recorded_at)` index answers with one index probe.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import BooleanField, F, OuterRef, QuerySet, Subquery, Value, Window
from django.db.models.functions import Coalesce, FirstValue

from champions.models import ConsentRecord, ConsentScope
from programs.references.models import ReferenceStory


def consent_granted(scope: str, *, at: datetime, champion_ref: str = "pk") -> Coalesce:
    """True when the champion's latest record for `scope` at `at` is a grant; else False."""
    latest = (
        ConsentRecord.objects.filter(
            champion=OuterRef(champion_ref), scope=scope, recorded_at__lte=at
        )
        .order_by("-recorded_at", "-id")
        .values("granted")[:1]
    )
    return Coalesce(
        Subquery(latest, output_field=BooleanField()),
        Value(False),
        output_field=BooleanField(),
    )


def champions_with_consent(scope: str, *, at: datetime) -> QuerySet[Any]:
    """SQL: the ids of champions whose latest record for `scope` at `at` is a grant.

    Set-based (one pass over the scope's records, a window per champion) for filtering many
    champions at once; the planner hashes it instead of probing once per champion. The
    filter on the window's value stays outside the window (Django's "qualify" subquery), so
    a later withdrawal always wins over an earlier grant.
    """
    return (
        ConsentRecord.objects.filter(scope=scope, recorded_at__lte=at)
        .annotate(
            latest_granted=Window(
                FirstValue("granted"),
                partition_by=[F("champion_id")],
                order_by=[F("recorded_at").desc(), F("id").desc()],
            )
        )
        .filter(latest_granted=True)
        .values("champion_id")
    )


def story_consent_scopes(story: ReferenceStory, *, has_quotes: bool) -> list[str]:
    """The consents a story uses: a case study always; quotes, logo and video when present."""
    scopes = [ConsentScope.CASE_STUDY.value]
    if has_quotes:
        scopes.append(ConsentScope.QUOTE.value)
    if story.logo_permission:
        scopes.append(ConsentScope.LOGO.value)
    if story.video_url:
        scopes.append(ConsentScope.VIDEO.value)
    return scopes
