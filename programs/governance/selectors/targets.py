"""What a report is about: its object, a label for people, its guild and its author."""

from __future__ import annotations

from django.db.models import Model

from champions.models import Champion, ChampionState, Guild
from champions.selectors import guilds_visible_to
from programs.clinics.models import Answer, Question
from programs.events.models import Event
from programs.governance.models import TARGET_MODELS, HiddenContent, Report, TargetKind
from programs.library.models import Template

TARGET_SELECT_RELATED = ("question", "answer__question", "template", "event", "member")


def kind_of(target: Model) -> str:
    kind = TARGET_MODELS.get(target._meta.label_lower)
    if kind is None:
        raise ValueError(f"{target._meta.label} cannot be reported.")
    return kind


def target_of(record: Report | HiddenContent) -> Model | None:
    if not record.target_kind:
        return None
    target: Model | None = getattr(record, record.target_kind)
    return target


def target_label(target: Model | None, kind: str = "") -> str:
    """How the target is named on pages: its kind and title (a member by name)."""
    if isinstance(target, Question):
        return f"Question “{target.title}”"
    if isinstance(target, Answer):
        return f"Answer to “{target.question.title}”"
    if isinstance(target, Template):
        return f"Template “{target.title}”"
    if isinstance(target, Event):
        return f"Event “{target.title}”"
    if isinstance(target, Champion):
        return f"Member {target.full_name}"
    return f"{TargetKind(kind).label} (deleted)" if kind else "No specific post or person"


def guild_of(target: Model | None) -> Guild | None:
    if isinstance(target, Question | Template | Event):
        return target.guild
    if isinstance(target, Answer):
        return target.question.guild
    return None


def author_of(target: Model | None) -> Champion | None:
    """Whom a report about this target is about: the member, or the content's champion author."""
    if isinstance(target, Champion):
        return target
    if isinstance(target, Question):
        return target.asker
    if isinstance(target, Answer | Template):
        return target.author
    return None


def reportable_target(*, champion: Champion, kind: str, pk: int) -> Model | None:
    """The object a champion may report from the portal: one they can see, not themselves."""
    visible_guilds = guilds_visible_to(champion=champion).values("pk")
    if kind == TargetKind.QUESTION:
        return Question.objects.filter(pk=pk, guild__in=visible_guilds).first()
    if kind == TargetKind.ANSWER:
        return (
            Answer.objects.select_related("question")
            .filter(pk=pk, question__guild__in=visible_guilds)
            .first()
        )
    if kind == TargetKind.TEMPLATE:
        return Template.objects.filter(pk=pk, published_at__isnull=False).first()
    if kind == TargetKind.EVENT:
        event = Event.objects.filter(pk=pk).select_related("guild").first()
        if event is None or event.guild_id is None:
            return event
        visible = guilds_visible_to(champion=champion).filter(pk=event.guild_id).exists()
        return event if visible else None
    if kind == TargetKind.MEMBER:
        return (
            Champion.objects.filter(pk=pk, erased_at__isnull=True)
            .exclude(state__in=(ChampionState.INVITED, ChampionState.ALUMNI))
            .exclude(pk=champion.pk)
            .first()
        )
    return None
