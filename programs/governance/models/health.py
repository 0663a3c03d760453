"""Health checks: a periodic short survey of champions, per guild."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from champions.models import Champion, Guild, User

SCORE_QUESTIONS = {
    "psychological_safety": "I can speak up in this guild without fear",
    "belonging": "I belong in this guild",
    "usefulness": "This guild is useful for my work",
}
SCORE_FIELDS = tuple(SCORE_QUESTIONS)


class HealthCheckRound(models.Model):
    """One round of the survey (by default each quarter), open for answers for a while."""

    title = models.CharField(max_length=200)
    opens_at = models.DateTimeField(default=now)
    closes_at = models.DateTimeField()
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    results_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the flagged guilds were reported after closing."
    )

    class Meta:
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="health_round_closes_later"
            ),
        ]

    def __str__(self) -> str:
        return self.title


def _score(verbose_name: str) -> models.PositiveSmallIntegerField[int, int]:
    return models.PositiveSmallIntegerField(verbose_name, help_text="1 (not at all) to 5 (fully).")


class HealthCheckResponse(models.Model):
    """One champion's answers about one of their guilds in one round."""

    round = models.ForeignKey(HealthCheckRound, on_delete=models.CASCADE, related_name="responses")
    champion = models.ForeignKey(
        Champion, on_delete=models.CASCADE, related_name="health_responses"
    )
    guild = models.ForeignKey(Guild, on_delete=models.CASCADE, related_name="health_responses")
    psychological_safety = _score(SCORE_QUESTIONS["psychological_safety"])
    belonging = _score(SCORE_QUESTIONS["belonging"])
    usefulness = _score(SCORE_QUESTIONS["usefulness"])
    comment = models.TextField(blank=True)
    submitted_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "champion", "guild"], name="health_response_once"
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{field}__gte": 1, f"{field}__lte": 5}),
                    name=f"health_{field}_1_to_5",
                )
                for field in SCORE_FIELDS
            ),
        ]

    def __str__(self) -> str:
        return f"Response in {self.round_id} for guild {self.guild_id}"
