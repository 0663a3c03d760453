"""The clinics' panels: open questions for my expertise (home) and a guild's questions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from champions.digest import SECTIONS, DigestItem, DigestSection
from champions.models import Champion, Guild
from champions.portal.panels import GUILD, HOME, Panel
from programs.clinics.portal import selectors


def home_questions(request: HttpRequest, champion: Champion) -> dict[str, Any] | None:
    return {"questions": selectors.open_questions_for_my_expertise(champion=champion)}


def guild_questions(
    request: HttpRequest, champion: Champion, guild: Guild
) -> dict[str, Any] | None:
    # The guild page shows only guilds the champion may see (`guilds_visible_to`).
    return {"guild": guild, "questions": selectors.guild_recent_questions(guild=guild)}


def digest_answers(champion: Champion, since: datetime) -> list[DigestItem]:
    return [
        DigestItem(
            f"{answer.question.title}",
            reverse("portal:clinics:detail", args=[answer.question_id]) + f"#a{answer.pk}",
            "a new answer to your question",
        )
        for answer in selectors.answers_to_my_questions_since(champion=champion, since=since)
    ]


def digest_questions(champion: Champion, since: datetime) -> list[DigestItem]:
    return [
        DigestItem(
            question.title,
            reverse("portal:clinics:detail", args=[question.pk]),
            question.guild.name,
        )
        for question in selectors.open_questions_for_my_expertise(champion=champion)
        if question.posted_at >= since
    ]


def register() -> None:
    HOME.register(
        Panel(
            "questions",
            "Questions you could answer",
            "clinics/portal/panels/home.html",
            home_questions,
            order=20,
        )
    )
    GUILD.register(
        Panel(
            "questions", "Questions", "clinics/portal/panels/guild.html", guild_questions, order=20
        )
    )
    SECTIONS.register(
        DigestSection("answers", "Answers to your questions", digest_answers, order=30)
    )
    SECTIONS.register(
        DigestSection("questions", "New questions you could answer", digest_questions, order=40)
    )
