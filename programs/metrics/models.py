"""Models of metrics: daily snapshots, experiments with guardrails, and qualitative signals.

State changes happen in `programs.metrics.services`; these classes hold data and its
constraints only. Metric keys are validated against `programs.metrics.registry` by the
services (the registry is code, not a table).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.timezone import now

from champions.models import Champion, Guild

MAX_EXPERIMENT_DAYS = 42  # "short": at most six weeks


class FunnelStep(models.TextChoices):
    """The activation funnel of the dashboard, in order."""

    INVITED = "invited", "Invited"
    JOINED = "joined", "Joined"
    ONBOARDED = "onboarded", "Onboarded"
    FIRST_VALUE = "first_value", "First value"
    CONTRIBUTOR = "contributor", "Contributor"
    LEADER = "leader", "Leader"


class MetricSnapshot(models.Model):
    """The value of one metric (or dashboard chart) for one window, program-wide or for a
    guild. The daily task stores the trailing windows ending at each midnight; the dashboard
    reads them instead of computing. `stale` marks values an erasure has invalidated."""

    key = models.CharField(max_length=64)
    start = models.DateTimeField()
    end = models.DateTimeField()
    guild = models.ForeignKey(
        Guild, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    value = models.JSONField(null=True, blank=True)
    computed_at = models.DateTimeField(default=now)
    stale = models.BooleanField(default=False)

    class Meta:
        ordering = ["-end", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "start", "end"],
                condition=Q(guild__isnull=True),
                name="snapshot_unique_program",
            ),
            models.UniqueConstraint(
                fields=["key", "start", "end", "guild"],
                condition=Q(guild__isnull=False),
                name="snapshot_unique_guild",
            ),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="snapshot_window"),
        ]
        indexes = [
            models.Index(fields=["end", "start"]),
            models.Index(fields=["stale", "end"]),
        ]

    def __str__(self) -> str:
        where = f" guild {self.guild_id}" if self.guild_id else ""
        return f"{self.key}{where} [{self.start:%Y-%m-%d}, {self.end:%Y-%m-%d})"


class Decision(models.TextChoices):
    ADOPT = "adopt", "Adopt"
    ITERATE = "iterate", "Iterate"
    REJECT = "reject", "Reject"


class Experiment(models.Model):
    """A small, reversible, short test of a change, with its success measure and guardrails.

    The audience is members of `audience_guilds` (and, if set, champions who joined in the
    cohort range); `control_guilds` run without the change. Evaluation compares the run with
    the window of the same length before it, and with the control; every guardrail breach is
    flagged; a decision — adopt, iterate or reject — is recorded with its reasoning.
    Rejected experiments stay: they are progress too.
    """

    title = models.CharField(max_length=200)
    hypothesis = models.TextField(help_text="We believe that … because …")
    change = models.TextField(help_text="What exactly changes for the audience.")
    primary_metric = models.CharField(max_length=64, help_text="A metric key of METRICS.md.")
    minimum_effect = models.FloatField(
        default=0,
        help_text="How far the primary metric must move in its better direction to count as "
        "success, in its unit (a share: 0.05 is five points).",
    )
    audience_guilds = models.ManyToManyField(Guild, blank=True, related_name="+")
    cohort_joined_from = models.DateTimeField(null=True, blank=True)
    cohort_joined_to = models.DateTimeField(null=True, blank=True)
    control_guilds = models.ManyToManyField(Guild, blank=True, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reversible = models.BooleanField(default=True)
    rollback_plan = models.TextField(blank=True, help_text="How the change is undone.")
    evaluation = models.JSONField(null=True, blank=True, editable=False)
    evaluated_at = models.DateTimeField(null=True, blank=True, editable=False)
    decision = models.CharField(max_length=16, choices=Decision.choices, blank=True)
    decision_reasoning = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at"))
                & Q(ends_at__lte=F("starts_at") + timedelta(days=MAX_EXPERIMENT_DAYS)),
                name="experiment_at_most_six_weeks",
            ),
            models.CheckConstraint(
                condition=Q(decision="") | ~Q(decision_reasoning=""),
                name="experiment_decision_has_reasoning",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def breaches(self) -> int:
        return int((self.evaluation or {}).get("breaches", 0))


class GuardrailDirection(models.TextChoices):
    FALL = "fall", "may not fall by more than"
    RISE = "rise", "may not rise by more than"


class Guardrail(models.Model):
    """A side effect the experiment must not cause: a metric that may not move the wrong
    way by more than `allowed_change` (in the metric's unit; 0: not at all)."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="guardrails")
    metric_key = models.CharField(max_length=64)
    direction = models.CharField(max_length=8, choices=GuardrailDirection.choices)
    allowed_change = models.FloatField(default=0)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["experiment", "id"]
        constraints = [
            models.UniqueConstraint(fields=["experiment", "metric_key"], name="guardrail_once"),
            models.CheckConstraint(condition=Q(allowed_change__gte=0), name="guardrail_allowed"),
        ]

    def __str__(self) -> str:
        return f"{self.metric_key} {self.get_direction_display()} {self.allowed_change:g}"


class InterviewNote(models.Model):
    """A short monthly interview with a champion: what they said, and the friction found."""

    champion = models.ForeignKey(
        Champion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    interviewed_on = models.DateField()
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    summary = models.TextField()
    friction = models.TextField(blank=True, help_text="Friction the champion ran into.")
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-interviewed_on", "-id"]

    def __str__(self) -> str:
        return f"Interview on {self.interviewed_on:%Y-%m-%d}"


class Quote(models.Model):
    """An original voice from an interview, tagged to the figure or funnel step it explains."""

    note = models.ForeignKey(InterviewNote, on_delete=models.CASCADE, related_name="quotes")
    text = models.TextField()
    metric_key = models.CharField(max_length=64, blank=True)
    funnel_step = models.CharField(max_length=16, choices=FunnelStep.choices, blank=True)

    class Meta:
        ordering = ["-note__interviewed_on", "id"]
        indexes = [models.Index(fields=["metric_key"]), models.Index(fields=["funnel_step"])]

    def __str__(self) -> str:
        return self.text if len(self.text) <= 60 else self.text[:59] + "…"


class HypothesisStatus(models.TextChoices):
    OPEN = "open", "Open"
    TESTING = "testing", "Being tested"
    SUPPORTED = "supported", "Supported"
    REFUTED = "refuted", "Refuted"


class DropOffHypothesis(models.Model):
    """Why people drop off before a funnel step, stated so it can be tested."""

    funnel_step = models.CharField(
        max_length=16,
        choices=FunnelStep.choices,
        help_text="The step people do not reach (they drop off just before it).",
    )
    statement = models.TextField()
    evidence = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=HypothesisStatus.choices, default=HypothesisStatus.OPEN
    )
    experiment = models.ForeignKey(
        Experiment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hypotheses",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["funnel_step", "-created_at"]
        verbose_name_plural = "drop-off hypotheses"

    def __str__(self) -> str:
        return self.statement if len(self.statement) <= 60 else self.statement[:59] + "…"


class WindowChampion(models.Model):
    """Per champion of the population active in any way in the window, the highest level
    reached: a temporary table of one computation (`programs.metrics.compute.window`; unmanaged)."""

    champion_id = models.BigIntegerField(primary_key=True)
    top = models.PositiveSmallIntegerField()

    class Meta:
        managed = False
        db_table = "metrics_window_champion"

    def __str__(self) -> str:
        return f"{self.champion_id}: level {self.top}"


class WindowAnswer(models.Model):
    """The answers the metrics of help and knowledge read, with their question's fields and
    the rules of METRICS.md evaluated once per computation, in a temporary table
    (`programs.metrics.compute.window.window_answers`; unmanaged).

    Rows: the answers a metric reads — posted in the window, posted before its end to a
    question asked in it, or accepted in it (whenever posted: the first solutions of solved
    chains; the chains look up earlier acceptances and the questions above by index).
    `peer`: by a visible champion other than the asker, not a staff answer; `counted`: by
    a champion of the population, not a staff answer; `accepted`: accepted before the end
    by someone other than its author; `valued`: for answers posted in the window only,
    accepted or marked helpful before the end by someone other than its author.
    """

    id = models.BigIntegerField(primary_key=True)
    question_id = models.BigIntegerField()
    asker = models.ForeignKey(
        Champion, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    author_id = models.BigIntegerField(null=True)
    posted_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True)
    asked_at = models.DateTimeField()
    question_guild_id = models.BigIntegerField()
    builds_on_id = models.BigIntegerField(null=True)
    peer = models.BooleanField()
    counted = models.BooleanField()
    accepted = models.BooleanField()
    valued = models.BooleanField()

    class Meta:
        managed = False
        db_table = "metrics_window_answer"

    def __str__(self) -> str:
        return f"answer {self.id} to question {self.question_id}"


class ActivityHourCount(models.Model):
    """The activity log's contributions (level above observer) counted per UTC hour, kind,
    and whether a champion took them (`anonymous`: no champion, e.g. a staff user's
    moderator action): a roll-up kept by `services.hour_counts_roll_up` (beat, hourly).

    Each row counts the hour's activities with an id up to `HourCountsState.through_id`,
    whoever took them; the metrics take the invisible champions' rows off, and read what the
    roll-up has not counted yet from the log (docs/decisions/0005-activity-hour-counts.md).
    """

    hour = models.DateTimeField()
    kind = models.CharField(max_length=32)
    anonymous = models.BooleanField()
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hour", "kind", "anonymous"], name="hour_count_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} at {self.hour:%Y-%m-%d %H:00}: {self.count}"


class HourCountsState(models.Model):
    """How far `ActivityHourCount` goes (one row, created by the first roll-up): the hours
    before `until` are counted, with the activities whose id is at most `through_id`."""

    through_id = models.BigIntegerField(default=0)
    until = models.DateTimeField()
    rolled_up_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"hour counts until {self.until:%Y-%m-%d %H:00}, activities to {self.through_id}"
