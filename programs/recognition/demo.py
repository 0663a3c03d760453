"""Demo data for recognition: a year of kudos between champions and the good first
contributions newcomers took on (some done, some claimed, some still open).

Written through the services, then back-dated to the planned moments; only champions who were
around and contributing at the time take part (`Roster`, from the events demo).
"""

from __future__ import annotations

from datetime import timedelta

from champions.demo import BATCH_SIZE, DemoContext, demo_section
from champions.models import Champion
from programs.events.demo import Roster
from programs.recognition import services
from programs.recognition.models import Effort, GoodFirstContribution, Kudos

KUDOS = (
    "Thanks for walking me through the import mapping — saved me a day.",
    "Your approval-flow template is now used by three of our teams. Thank you!",
    "Great demo on Thursday, I copied your dashboard setup right away.",
    "Thank you for answering my permissions question so quickly.",
    "You hosted a brilliant clinic; the newcomers loved it.",
    "Thanks for pairing with me on the migration script.",
    "Your write-up on API limits is the clearest I have read.",
    "Thank you for the patient review of my first template.",
    "Kudos for keeping the guild's questions answered all month.",
    "Thanks for the intro to your admin team — very helpful call.",
)
TASKS = (
    ("Answer one open question in your guild's clinic", Effort.SMALL),
    ("Add a screenshot-free how-to to a template", Effort.SMALL),
    ("Rate three templates you have used", Effort.SMALL),
    ("Write the takeaway of a clinic you attended", Effort.SMALL),
    ("Translate the onboarding checklist into your language", Effort.MEDIUM),
    ("Fork a template and adapt it for your team", Effort.MEDIUM),
    ("Tag ten untagged questions in the reporting guild", Effort.SMALL),
    ("Record a two-minute walkthrough of a build", Effort.MEDIUM),
    ("Suggest a topic for the next demo day", Effort.SMALL),
    ("Review the glossary of the automation guild", Effort.SMALL),
    ("Write a short intro post about your team's setup", Effort.SMALL),
    ("Test the new import template with sample data", Effort.MEDIUM),
    ("Collect three questions for the next live build", Effort.SMALL),
    ("Share one tip in the API guild", Effort.SMALL),
)
DONE, CLAIMED = 7, 3  # the first tasks are done, the next claimed, the rest open


def wipe_recognition() -> None:
    Kudos.objects.all().delete()
    GoodFirstContribution.objects.all().delete()


@demo_section("recognition", wipe=wipe_recognition)
def build_recognition(ctx: DemoContext) -> None:
    rng, now = ctx.rng, ctx.now
    roster = Roster.of(ctx)
    kudos: list[Kudos] = []
    for _ in range(70):
        at = ctx.days_ago(1, 350)
        live = roster.live_at(at)
        if len(live) < 2:
            continue
        giver, receiver = rng.sample(live, 2)
        given = services.kudos_give(
            from_champion=giver, to_champion=receiver, message=rng.choice(KUDOS)
        )
        given.created_at = at
        kudos.append(given)
    Kudos.objects.bulk_update(kudos, ["created_at"], batch_size=BATCH_SIZE)

    tasks: list[GoodFirstContribution] = []
    taken: set[int] = set()
    for i, (title, effort) in enumerate(TASKS):
        guild = ctx.guilds[i % len(ctx.guilds)] if ctx.guilds else None
        created = ctx.days_ago(20, 300) if i < DONE + CLAIMED else ctx.days_ago(2, 60)
        task = GoodFirstContribution.objects.create(
            title=title,
            description=f"{title}. A good first step for newcomers; ask the guild lead for help.",
            guild=guild,
            effort=effort,
            created_at=created,
        )
        if i < DONE + CLAIMED:
            claimed_at = ctx.later(created, 1, 10) if i < DONE else ctx.days_ago(1, 8)
            newcomers = [
                c
                for c in roster.live_at(claimed_at)
                if c.pk not in taken and claimed_at - roster.joined[c.pk] < timedelta(days=60)
            ] or [c for c in roster.live_at(claimed_at) if c.pk not in taken]
            if not newcomers:
                continue
            champion: Champion = rng.choice(newcomers)
            taken.add(champion.pk)
            task = services.good_first_contribution_claim(task=task, champion=champion)
            if i < DONE:
                task = services.good_first_contribution_complete(task=task, champion=champion)
            # The services re-read the task: date it once they are done with it.
            task.claimed_at = claimed_at
            if i < DONE:
                task.done_at = min(ctx.later(claimed_at, 0.2, 6), now - timedelta(hours=1))
                ctx.contributed(champion, task.done_at)
        tasks.append(task)
    GoodFirstContribution.objects.bulk_update(tasks, ["claimed_at", "done_at"])
