"""What an automated playbook step does for a batch of champions.

Each action takes an `ActionBatch` (one step, its run, the champions loaded in bulk) and says
per champion whether it was done, skipped or failed. Loads are per batch, never per champion;
writes go through the champions services where one exists (`champion_assign_buddy`).
The catalogue that names these actions is `programs.playbooks.automation`.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import nh3
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template import Context, Template, TemplateSyntaxError
from django.template.loader import get_template
from django.utils.html import linebreaks
from django.utils.safestring import mark_safe

from champions.errors import DomainError
from champions.models import ActivitySource, Champion
from champions.services import champion_assign_buddy
from programs.events.models import Event, EventKind, EventStatus
from programs.playbooks.buddies import BuddyPool, active_guilds
from programs.playbooks.models import (
    ExecutionStatus,
    FollowUpTask,
    PlaybookRun,
    PlaybookStep,
)

logger = logging.getLogger(__name__)

DEFAULT_BUDDY_LOAD = 3


@dataclass(frozen=True)
class Outcome:
    status: str
    error: str = ""


DONE = Outcome(ExecutionStatus.DONE)


def skipped(reason: str) -> Outcome:
    return Outcome(ExecutionStatus.SKIPPED, reason)


def failed(reason: str) -> Outcome:
    return Outcome(ExecutionStatus.FAILED, reason)


@dataclass(frozen=True)
class ActionBatch:
    step: PlaybookStep
    run: PlaybookRun
    champions: list[Champion]
    now: datetime


# --- parameters -----------------------------------------------------------------------------


def compile_template(source: str, *, name: str) -> Template:
    """A staff-written template (subject, body, title); its syntax is checked on save."""
    try:
        return Template(source)
    except TemplateSyntaxError as error:
        raise DomainError(f"The {name} is not a valid template: {error}", field="params") from None


def check_int(params: Mapping[str, Any], key: str, *, low: int, high: int) -> None:
    if key not in params:
        return
    value = params[key]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DomainError(
            f"“{key}” must be a whole number from {low} to {high}, not {value!r}.", field="params"
        )


def check_text(params: Mapping[str, Any], key: str, *, required: bool) -> None:
    value = params.get(key)
    if value is None and not required:
        return
    if not isinstance(value, str) or not value.strip():
        raise DomainError(f"This action needs a “{key}” (text).", field="params")
    compile_template(value, name=key)


def validate_email_params(params: Mapping[str, Any]) -> None:
    check_text(params, "subject", required=True)
    check_text(params, "body", required=True)


def validate_buddy_params(params: Mapping[str, Any]) -> None:
    check_int(params, "max_newcomers_per_buddy", low=1, high=50)


def validate_task_params(params: Mapping[str, Any]) -> None:
    check_text(params, "title", required=False)
    check_text(params, "notes", required=False)
    check_int(params, "due_in_days", low=0, high=365)


def validate_clinic_params(params: Mapping[str, Any]) -> None:
    check_text(params, "subject", required=False)
    check_text(params, "body", required=False)


# --- rendering ------------------------------------------------------------------------------


def first_name(full_name: str) -> str:
    return full_name.split(" ")[0] if full_name else ""


def champion_context(batch: ActionBatch, champion: Champion) -> dict[str, Any]:
    """Plain values only: templates written in the admin never see model objects."""
    buddy = champion.buddy
    return {
        "champion": {
            "full_name": champion.full_name,
            "first_name": first_name(champion.full_name),
            "email": champion.email,
            "title": champion.title,
            "account": champion.account.name,
        },
        "buddy": {"full_name": buddy.full_name, "email": buddy.email} if buddy else None,
        "playbook": {"name": batch.step.playbook.name, "goal": batch.step.playbook.goal},
        "portal_url": f"{settings.SITE_URL}/portal/",
    }


@dataclass(frozen=True)
class EmailTemplates:
    subject: Template
    body: Template

    @classmethod
    def from_params(
        cls, params: Mapping[str, Any], *, subject: str = "", body: str = ""
    ) -> EmailTemplates:
        return cls(
            subject=compile_template(params.get("subject") or subject, name="subject"),
            body=compile_template(params.get("body") or body, name="body"),
        )

    def message(self, context: dict[str, Any], *, to: str) -> EmailMultiAlternatives:
        subject = " ".join(self.subject.render(Context(context, autoescape=False)).split())
        text = self.body.render(Context(context, autoescape=False))
        fragment = nh3.clean(linebreaks(self.body.render(Context(context))))
        html = get_template("playbooks/email/automation.html").render(
            {"subject": subject, "body_html": mark_safe(fragment)}  # noqa: S308 (cleaned by nh3)
        )
        message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
        message.attach_alternative(html, "text/html")
        return message


def send_all(messages: list[tuple[int, EmailMultiAlternatives]]) -> dict[int, Outcome]:
    """Send over one connection; a refused message fails alone."""
    outcomes: dict[int, Outcome] = {}
    with get_connection() as connection:
        for champion_id, message in messages:
            try:
                connection.send_messages([message])
            except Exception as error:  # the mail server said no; record it, go on
                logger.warning("Playbook email to champion %s failed: %s", champion_id, error)
                outcomes[champion_id] = failed(f"Email not sent: {error}")
            else:
                outcomes[champion_id] = DONE
    return outcomes


# --- send_email ---------------------------------------------------------------------------


def send_email(batch: ActionBatch) -> dict[int, Outcome]:
    templates = EmailTemplates.from_params(batch.step.params)
    return send_all(
        [(c.pk, templates.message(champion_context(batch, c), to=c.email)) for c in batch.champions]
    )


# --- assign_buddy -------------------------------------------------------------------------


def assign_buddy(batch: ActionBatch) -> dict[int, Outcome]:
    max_load = int(batch.step.params.get("max_newcomers_per_buddy", DEFAULT_BUDDY_LOAD))
    outcomes = {c.pk: skipped("Already has a buddy.") for c in batch.champions if c.buddy_id}
    newcomers = [c for c in batch.champions if not c.buddy_id]
    if not newcomers:
        return outcomes
    pool = BuddyPool(newcomers, max_load)
    chosen = {newcomer.pk: pool.choose(newcomer) for newcomer in newcomers}
    buddies = Champion.objects.in_bulk([pk for pk in chosen.values() if pk is not None])
    for newcomer in newcomers:
        buddy_id = chosen[newcomer.pk]
        outcomes[newcomer.pk] = (
            pair(newcomer, buddies[buddy_id])
            if buddy_id is not None
            else failed("No active champion with room shares a guild, industry or time zone.")
        )
    return outcomes


def pair(newcomer: Champion, buddy: Champion) -> Outcome:
    try:
        champion_assign_buddy(champion=newcomer, buddy=buddy, source=ActivitySource.SYSTEM)
    except DomainError as error:
        return failed(error.message)
    return DONE


# --- create_followup_task -------------------------------------------------------------------

DEFAULT_TASK_TITLE = "Follow up with {{ champion.full_name }} ({{ champion.account }})"


def create_followup_task(batch: ActionBatch) -> dict[int, Outcome]:
    params = batch.step.params
    title = compile_template(params.get("title") or DEFAULT_TASK_TITLE, name="title")
    notes = compile_template(params.get("notes") or batch.step.text, name="notes")
    due_at = batch.now + timedelta(days=int(params.get("due_in_days", 3)))
    tasks = []
    for champion in batch.champions:
        context = Context(champion_context(batch, champion), autoescape=False)
        tasks.append(
            FollowUpTask(
                title=" ".join(title.render(context).split())[:300],
                notes=notes.render(context),
                champion=champion,
                due_at=due_at,
                step=batch.step,
                run=batch.run,
                created_at=batch.now,
            )
        )
    FollowUpTask.objects.bulk_create(tasks)
    return {c.pk: DONE for c in batch.champions}


# --- invite_to_clinic -----------------------------------------------------------------------

DEFAULT_CLINIC_SUBJECT = "Join the next peer clinic: {{ clinic.title }}"
DEFAULT_CLINIC_BODY = """Hi {{ champion.first_name }},

peers meet at “{{ clinic.title }}” on {{ clinic.starts_at }}. Bring a question, or an answer \
someone else is waiting for: {{ clinic.url }}

The champions program team"""


def upcoming_clinics(now: datetime) -> list[Event]:
    """Scheduled peer clinics that have not started, soonest first."""
    return list(
        Event.objects.filter(
            kind=EventKind.PEER_CLINIC, status=EventStatus.SCHEDULED, starts_at__gt=now
        ).order_by("starts_at", "pk")[:100]
    )


def clinic_not_ready(now: datetime) -> str:
    """The step waits (reaches nobody, so it can reach them later) until a clinic exists."""
    if upcoming_clinics(now):
        return ""
    return "No peer clinic is scheduled; nobody is invited until one is."


def clinic_for(guilds: set[int], clinics: list[Event]) -> Event:
    """The soonest clinic of one of the champion's guilds, else the soonest open to all."""
    for clinic in clinics:
        if clinic.guild_id in guilds:
            return clinic
    return next((c for c in clinics if c.guild_id is None), clinics[0])


def clinic_context(clinic: Event, champion: Champion) -> dict[str, Any]:
    try:
        zone = zoneinfo.ZoneInfo(champion.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    local = clinic.starts_at.astimezone(zone)
    return {
        "title": clinic.title,
        "starts_at": f"{local:%A %d %B %Y, %H:%M} ({champion.timezone})",
        "url": clinic.online_url or f"{settings.SITE_URL}/portal/events/{clinic.pk}/",
        "place": clinic.place,
    }


def invite_to_clinic(batch: ActionBatch) -> dict[int, Outcome]:
    clinics = upcoming_clinics(batch.now)
    if not clinics:
        return {c.pk: skipped("No peer clinic is scheduled.") for c in batch.champions}
    templates = EmailTemplates.from_params(
        batch.step.params, subject=DEFAULT_CLINIC_SUBJECT, body=DEFAULT_CLINIC_BODY
    )
    guilds = active_guilds({c.pk for c in batch.champions})
    messages = []
    for champion in batch.champions:
        context = champion_context(batch, champion)
        context["clinic"] = clinic_context(clinic_for(guilds[champion.pk], clinics), champion)
        messages.append((champion.pk, templates.message(context, to=champion.email)))
    return send_all(messages)
