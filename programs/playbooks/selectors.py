"""Reads of playbooks that more than one door (admin, engine, portal later) needs."""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet

from champions.models import Champion, ChampionState
from programs.playbooks.models import Playbook, PlaybookRun, PlaybookStatus, RunKind

# Who automation may reach: joined, not erased, not the program team themselves.
REACHABLE_STATES = (ChampionState.ONBOARDING, ChampionState.ACTIVE, ChampionState.DORMANT)


def reachable_champions() -> QuerySet[Champion]:
    """Champions a playbook may act on: joined, still in the program, not erased, not staff."""
    return Champion.objects.filter(state__in=REACHABLE_STATES, erased_at__isnull=True).filter(
        Q(user__isnull=True) | Q(user__is_staff=False)
    )


def playbook_versions(*, family: uuid.UUID) -> QuerySet[Playbook]:
    """Every version of one playbook, newest first."""
    return Playbook.objects.filter(family=family).order_by("-version")


def playbook_current_version(*, family: uuid.UUID) -> Playbook | None:
    """The active version, else the newest one."""
    versions = playbook_versions(family=family)
    return versions.filter(status=PlaybookStatus.ACTIVE).first() or versions.first()


def automation_run_open(*, playbook: Playbook) -> PlaybookRun | None:
    return PlaybookRun.objects.filter(
        playbook=playbook, kind=RunKind.AUTOMATION, finished_at__isnull=True
    ).first()
