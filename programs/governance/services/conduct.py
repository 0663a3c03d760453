"""Publishing the code of conduct and accepting it."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from champions.errors import DomainError
from champions.models import Champion, ChampionState, User
from programs.governance.models import CodeOfConduct, CodeOfConductAcceptance
from programs.governance.selectors import code_current, is_program_lead


def _require_lead(user: User, what: str) -> None:
    if not is_program_lead(user):
        raise DomainError(f"Only the program lead can {what}.", field="user")


@transaction.atomic
def code_of_conduct_draft(
    *, version: str, body: str, by: User, title: str = "Code of conduct", changes: str = ""
) -> CodeOfConduct:
    _require_lead(by, "write the code of conduct")
    version = version.strip()
    if not version:
        raise DomainError("Give the version a name, for example 2.", field="version")
    if not body.strip():
        raise DomainError("The code of conduct needs a text.", field="body")
    if CodeOfConduct.objects.filter(version=version).exists():
        raise DomainError(f"Version {version} exists already.", field="version")
    return CodeOfConduct.objects.create(
        version=version,
        title=title.strip() or "Code of conduct",
        body=body,
        changes=changes.strip(),
        created_by=by,
    )


@transaction.atomic
def code_of_conduct_publish(
    *, code: CodeOfConduct, by: User, at: datetime | None = None
) -> CodeOfConduct:
    """Make a draft the current version: every champion is asked to accept it before posting."""
    _require_lead(by, "publish the code of conduct")
    code = CodeOfConduct.objects.select_for_update().get(pk=code.pk)
    if code.published_at is not None:
        raise DomainError(f"Version {code.version} is published already.", field="code")
    code.published_at = at or timezone.now()
    code.published_by = by
    code.save(update_fields=["published_at", "published_by"])
    return code


@transaction.atomic
def code_of_conduct_accept(
    *, champion: Champion, code: CodeOfConduct, at: datetime | None = None
) -> CodeOfConductAcceptance:
    """The champion accepts the version they read; it must be the current one.

    Accepting twice changes nothing.
    """
    at = at or timezone.now()
    if champion.erased_at is not None or champion.state in (
        ChampionState.INVITED,
        ChampionState.ALUMNI,
    ):
        raise DomainError("Only current champions accept the code of conduct.", field="champion")
    current = code_current(at=at)
    if current is None or current.pk != code.pk:
        raise DomainError(
            "A newer version of the code of conduct was published: please read that one.",
            field="code",
        )
    existing = CodeOfConductAcceptance.objects.filter(code=code, champion=champion).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return CodeOfConductAcceptance.objects.create(
                code=code, champion=champion, accepted_at=at
            )
    except IntegrityError:  # accepted in another tab at the same moment
        return CodeOfConductAcceptance.objects.get(code=code, champion=champion)
