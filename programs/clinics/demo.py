"""Demo data for clinics: a year of questions in every guild, answered by peers (some by the
program team, some by the askers themselves), marked helpful and accepted, a few building on
earlier solved ones, and the latest few still open or unanswered.

Each guild's questions are asked in the order they happened, through the services (so a
question can build on one solved before it), then every timestamp is back-dated in bulk.
The governance section publishes its code of conduct after this one runs, so no one is
asked to accept it here. Only champions around and contributing at the time take part
(`Roster`, from the events demo).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from champions.demo import BATCH_SIZE, DemoContext, demo_section
from champions.models import Activity, Guild, User
from programs.clinics import services
from programs.clinics.models import Answer, HelpfulMark, Question, QuestionStatus
from programs.events.demo import Roster, earliest, settle_first_values

QUESTION_LABEL = Question._meta.label_lower
ANSWER_LABEL = Answer._meta.label_lower

QUESTIONS = (
    ("How do I give a contractor read-only access to one workspace?", ("permissions",)),
    ("Import keeps failing on date columns — what format does it expect?", ("import", "dates")),
    ("Best way to report month-end numbers per region?", ("reporting",)),
    ("Can an automation wait for two approvals before it continues?", ("automation",)),
    ("API returns 429 during our nightly sync: how do you batch?", ("api", "limits")),
    ("How do you structure dashboards for executives vs. team leads?", ("dashboards",)),
    ("Is there a way to archive old projects without losing history?", ("archiving",)),
    ("Which fields do you map when migrating from spreadsheets?", ("migration", "import")),
    ("Onboarding checklist: what do you automate in week one?", ("onboarding",)),
    ("How do I trigger a webhook only when a status changes?", ("automation", "webhooks")),
    ("SSO rollout: anything to watch out for with groups?", ("sso", "permissions")),
    ("Recurring tasks skip public holidays — possible?", ("automation", "calendar")),
    ("How do you keep formulas readable in big reports?", ("reporting", "formulas")),
    ("Sharing a template across business units: copies or one master?", ("templates",)),
    ("What do you track to show adoption to your leadership?", ("adoption", "metrics")),
    ("Bulk-editing owners after a reorganisation?", ("admin",)),
    ("Approval flow with an out-of-office fallback?", ("automation", "approvals")),
    ("How do you test automations before switching them on?", ("automation", "testing")),
)
ANSWERS = (
    "We solved this with a dedicated group per workspace; the steps are in our template.",
    "Use ISO dates (YYYY-MM-DD) in the source file; the importer guesses otherwise.",
    "A filtered view per region plus one roll-up report works well for us.",
    "Yes: add two approval steps and a condition on both; I can share the recipe.",
    "Batch 100 records per call and back off on 429 using the Retry-After header.",
    "Separate dashboards: execs get four numbers, team leads the drill-down.",
    "Archive moves them out of search but keeps the history; check the retention setting.",
    "Start with owner, status, due date and one custom field; add the rest later.",
    "We tried that too — the trick was to run it in a sandbox first.",
    "Have a look at the library template for this; it covers most of the cases.",
)
STAFF_ANSWER = (
    "From the program team: this is supported; the help article covers the settings, and "
    "we have passed your feedback on to product."
)
SELF_ANSWER = "Update: I found it myself — leaving the solution here for the next person."
BODY = "Context: we are a team of {n} and roll this out next month. What worked for you?"


@dataclass
class _Dates:
    questions: list[Question] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    marks: list[HelpfulMark] = field(default_factory=list)
    activities: dict[tuple[str, int], datetime] = field(default_factory=dict)
    values: dict[int, datetime] = field(default_factory=dict)


def _answer(
    ctx: DemoContext, question: Question, user: User, at: datetime, body: str, out: _Dates
) -> Answer:
    answer = services.answer_post(question=question, author_user=user, body=body)
    answer.posted_at = at
    out.answers.append(answer)
    out.activities[(ANSWER_LABEL, answer.pk)] = at
    if answer.author is not None:
        ctx.contributed(answer.author, at)
    return answer


def _guild_questions(
    ctx: DemoContext, roster: Roster, guild: Guild, staff: list[User], out: _Dates
) -> None:
    rng, now = ctx.rng, ctx.now
    first = guild.created_at + timedelta(days=3)
    span = (now - first).total_seconds() / 86_400  # not whole days: no jump at a time of day
    moments = sorted(ctx.later(first, 0, span) for _ in range(rng.randint(14, 22)))
    solved: list[tuple[Question, datetime]] = []
    for at in moments:
        askers = [c for c in roster.members(guild, at) if c.user_id is not None]
        if len(askers) < 2:
            continue
        asker = rng.choice(askers)
        title, tags = rng.choice(QUESTIONS)
        earlier = [q for q, solved_at in solved if solved_at < at]
        builds_on = rng.choice(earlier) if earlier and rng.random() < 0.15 else None
        question = services.question_ask(
            asker=asker,
            guild=guild,
            title=title,
            body=BODY.format(n=rng.choice((5, 12, 40, 200))),
            tags=tags,
            builds_on=builds_on,
        )
        question.posted_at = question.updated_at = at
        out.questions.append(question)
        out.activities[(QUESTION_LABEL, question.pk)] = at
        ctx.contributed(asker, at)
        age = (now - at).total_seconds() / 86_400
        if age < 4 or rng.random() < 0.1:
            continue  # still open, unanswered
        peers = [c for c in askers if c.pk != asker.pk]
        answered_at = ctx.later(at, 0.05, min(2.0, age * 0.4))
        answers: list[Answer] = []
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            if rng.random() < 0.15:
                user, body = rng.choice(staff), STAFF_ANSWER
            else:
                peer = rng.choice(peers)
                assert peer.user is not None
                user, body = peer.user, rng.choice(ANSWERS)
            answers.append(_answer(ctx, question, user, answered_at, body, out))
            answered_at = ctx.later(answered_at, 0.02, 1.0)
        if rng.random() < 0.06 and asker.user is not None:
            _answer(ctx, question, asker.user, answered_at, SELF_ANSWER, out)
        peer_answers = [a for a in answers if not a.is_staff_answer and a.author_id != asker.pk]
        for answer in answers:
            markers = [c.user for c in rng.sample(peers, min(len(peers), rng.randint(0, 3)))]
            if rng.random() < 0.5:
                markers.append(asker.user)
            for marker in markers:
                if marker is None or marker.pk == answer.author_user_id:
                    continue
                mark = services.answer_mark_helpful(answer=answer, user=marker)
                mark.created_at = min(ctx.later(answer.posted_at, 0.01, 2), now)
                out.marks.append(mark)
                # The service's rule: a peer's answer marked helpful by anyone but its author
                # is a value moment for the asker, dated when the answer was posted.
                if answer in peer_answers:
                    earliest(out.values, asker.pk, answer.posted_at)
        if answers and rng.random() < 0.7 and asker.user is not None and age > 3:
            chosen = peer_answers[0] if peer_answers else answers[0]
            services.answer_accept(answer=chosen, user=asker.user)
            chosen.accepted_at = min(ctx.later(chosen.posted_at, 0.05, 2), now)
            question.status = QuestionStatus.SOLVED
            question.solved_at = question.updated_at = chosen.accepted_at
            solved.append((question, chosen.accepted_at))
            if chosen in peer_answers:
                earliest(out.values, asker.pk, chosen.posted_at)
        elif answers:
            question.updated_at = max(a.posted_at for a in answers)


def wipe_clinics() -> None:
    Activity.objects.filter(subject_type__in=(QUESTION_LABEL, ANSWER_LABEL)).delete()
    HelpfulMark.objects.all().delete()
    Answer.objects.all().delete()
    Question.objects.filter(builds_on__isnull=False).update(builds_on=None)
    Question.objects.all().delete()


@demo_section("clinics", wipe=wipe_clinics)
def build_clinics(ctx: DemoContext) -> None:
    roster = Roster.of(ctx)
    staff = [ctx.users["admin"], ctx.users["moderator"]]
    out = _Dates()
    for guild in sorted(ctx.guilds, key=lambda g: g.pk):
        _guild_questions(ctx, roster, guild, staff, out)
    Question.objects.bulk_update(
        out.questions, ["posted_at", "solved_at", "updated_at"], batch_size=BATCH_SIZE
    )
    Answer.objects.bulk_update(out.answers, ["posted_at", "accepted_at"], batch_size=BATCH_SIZE)
    HelpfulMark.objects.bulk_update(out.marks, ["created_at"], batch_size=BATCH_SIZE)
    activities = list(
        Activity.objects.filter(subject_type__in=(QUESTION_LABEL, ANSWER_LABEL)).only(
            "pk", "subject_type", "subject_id", "occurred_at"
        )
    )
    for activity in activities:
        activity.occurred_at = out.activities.get(
            (activity.subject_type, activity.subject_id or 0), activity.occurred_at
        )
    Activity.objects.bulk_update(activities, ["occurred_at"], batch_size=BATCH_SIZE)
    settle_first_values(ctx, out.values)
    ctx.extras["clinics"] = len(out.questions)
