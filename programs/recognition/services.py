"""Every change to kudos and good first contributions goes through these functions."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from champions.errors import DomainError
from champions.models import Champion, ChampionState, User
from programs.recognition.models import GoodFirstContribution, Kudos

MAX_KUDOS_LENGTH = 1000


def _check_live(champion: Champion, field: str) -> None:
    if champion.state in (ChampionState.INVITED, ChampionState.ALUMNI):
        raise DomainError(
            f"{champion.full_name} is {champion.get_state_display().lower()} in the program.",
            field=field,
        )


@transaction.atomic
def kudos_give(*, from_champion: Champion, to_champion: Champion, message: str) -> Kudos:
    """Thank another champion, visibly; they get an email if they want one."""
    if from_champion.pk == to_champion.pk:
        raise DomainError(
            "Kudos go to someone else; you cannot thank yourself.", field="to_champion"
        )
    _check_live(from_champion, "from_champion")
    _check_live(to_champion, "to_champion")
    message = message.strip()
    if not message:
        raise DomainError("Say what you are thanking them for.", field="message")
    if len(message) > MAX_KUDOS_LENGTH:
        raise DomainError(f"Kudos are at most {MAX_KUDOS_LENGTH} characters.", field="message")
    kudos = Kudos.objects.create(
        from_champion=from_champion, to_champion=to_champion, message=message
    )
    from programs.recognition.tasks import notify_kudos

    transaction.on_commit(lambda: notify_kudos.delay(kudos_id=kudos.pk))
    return kudos


def _locked(task: GoodFirstContribution) -> GoodFirstContribution:
    return (
        GoodFirstContribution.objects.select_for_update(of=("self",))
        .select_related("claimed_by")
        .get(pk=task.pk)
    )


@transaction.atomic
def good_first_contribution_claim(
    *, task: GoodFirstContribution, champion: Champion
) -> GoodFirstContribution:
    """A champion takes an open task; a task has one champion at a time."""
    _check_live(champion, "champion")
    task = _locked(task)
    if task.done_at is not None:
        raise DomainError(f"“{task.title}” is already done.", field="task")
    if task.claimed_by is not None:
        who = "you" if task.claimed_by.pk == champion.pk else task.claimed_by.full_name
        raise DomainError(f"“{task.title}” is already claimed by {who}.", field="task")
    task.claimed_by = champion
    task.claimed_at = timezone.now()
    task.save(update_fields=["claimed_by", "claimed_at"])
    return task


@transaction.atomic
def good_first_contribution_complete(
    *, task: GoodFirstContribution, champion: Champion
) -> GoodFirstContribution:
    """The champion who claimed the task reports it done."""
    task = _locked(task)
    if task.claimed_by_id != champion.pk:
        raise DomainError(
            "Only the champion who claimed the task can complete it.", field="champion"
        )
    if task.done_at is not None:
        raise DomainError(f"“{task.title}” is already done.", field="task")
    task.done_at = timezone.now()
    task.save(update_fields=["done_at"])
    return task


@transaction.atomic
def good_first_contribution_release(
    *,
    task: GoodFirstContribution,
    champion: Champion | None = None,
    by_user: User | None = None,
) -> GoodFirstContribution:
    """Give an unfinished task back (its claimer, or the program team for a stale claim)."""
    task = _locked(task)
    by_claimer = champion is not None and task.claimed_by_id == champion.pk
    if not by_claimer and not (by_user is not None and by_user.is_staff):
        raise DomainError(
            "Only the champion who claimed the task or the program team can release it.",
            field="champion",
        )
    if task.done_at is not None:
        raise DomainError(f"“{task.title}” is already done.", field="task")
    task.claimed_by = None
    task.claimed_at = None
    task.save(update_fields=["claimed_by", "claimed_at"])
    return task
