"""How the reference program is run: use cases, caps, cooldowns and program switches."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from champions.models import Champion, ChampionTier


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def default_cap() -> int:
    return _setting("REFERENCES_DEFAULT_CAP", 2)


def default_cooldown_days() -> int:
    return _setting("REFERENCES_COOLDOWN_DAYS", 14)


def default_auto_offer_margin() -> int:
    return _setting("REFERENCES_AUTO_OFFER_MARGIN", 15)


def default_auto_offer_enabled() -> bool:
    return bool(getattr(settings, "REFERENCES_AUTO_OFFER", False))


class UseCase(models.Model):
    """What a customer uses the product for; stories, requests and champions share the list."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ReferenceProgramSettings(models.Model):
    """The one row of program switches the team changes in the admin without a deploy."""

    auto_offer_enabled = models.BooleanField(
        default=default_auto_offer_enabled,
        help_text="Offer a new request to its top match when it leads clearly.",
    )
    auto_offer_margin = models.PositiveSmallIntegerField(
        default=default_auto_offer_margin,
        help_text="Points (of 100) by which the top match must lead the second.",
    )
    default_cap = models.PositiveSmallIntegerField(
        default=default_cap,
        help_text="References per champion per rolling 90 days, unless the tier or "
        "the champion says otherwise.",
    )
    default_cooldown_days = models.PositiveSmallIntegerField(
        default=default_cooldown_days,
        help_text="Days after a reference before the champion is offered again.",
    )

    class Meta:
        verbose_name = "reference program settings"
        verbose_name_plural = "reference program settings"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="reference_settings_singleton"),
        ]

    def __str__(self) -> str:
        return "Reference program settings"


class TierReferenceCap(models.Model):
    """A cap per champion tier (ambassadors may give more references than community members)."""

    tier = models.CharField(max_length=16, choices=ChampionTier.choices, unique=True)
    cap = models.PositiveSmallIntegerField(help_text="References per rolling 90 days.")

    class Meta:
        ordering = ["tier"]

    def __str__(self) -> str:
        return f"{self.get_tier_display()}: {self.cap} per 90 days"


class ReferenceProfile(models.Model):
    """A champion's reference preferences; a champion without one gets the program defaults."""

    champion = models.OneToOneField(
        Champion, on_delete=models.CASCADE, related_name="reference_profile"
    )
    cap_override = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="References per 90 days for this champion only."
    )
    cooldown_days = models.PositiveSmallIntegerField(default=default_cooldown_days)
    paused = models.BooleanField(
        default=False, help_text="The champion takes a break from references."
    )
    paused_at = models.DateTimeField(null=True, blank=True)
    cooldown_until = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Set when a reference is given: its date plus the cooldown then in force.",
    )
    use_cases = models.ManyToManyField(UseCase, blank=True, related_name="champion_profiles")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["paused", "cooldown_until"])]

    def __str__(self) -> str:
        return f"Reference profile of {self.champion_id}"
