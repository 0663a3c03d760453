"""Who moderates which guild, and when moderators are away."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from champions.models import Guild, User


class GuildModerator(models.Model):
    """A user appointed to moderate a guild: they see and handle its reports and cases.

    An appointment is explicit (not derived from group membership plus guild membership) so a
    staff moderator who is no member of the guild can moderate it, and a guild member in the
    Moderator group does not see cases of a guild they were not asked to look after.
    """

    guild = models.ForeignKey(Guild, on_delete=models.CASCADE, related_name="moderators")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="guild_moderations")
    appointed_at = models.DateTimeField(default=now)
    appointed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["guild__name", "appointed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["guild", "user"],
                condition=Q(ended_at__isnull=True),
                name="guild_moderator_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} moderates {self.guild}"


class ModeratorAvailability(models.Model):
    """An absence (out of office) of a moderator, both days included."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="moderator_absences")
    starts_on = models.DateField()
    ends_on = models.DateField()
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = "moderator absence"
        verbose_name_plural = "moderator absences"
        indexes = [models.Index(fields=["user", "starts_on", "ends_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="absence_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} away {self.starts_on:%Y-%m-%d}–{self.ends_on:%Y-%m-%d}"
