"""Forms of the events pages: they validate input only; the views call the services."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet

from champions.models import Guild
from champions.portal.forms import PortalForm
from programs.events.models import EventKind

WHEN_CHOICES = [("upcoming", "Upcoming"), ("past", "Past")]
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class EventFilterForm(PortalForm):
    """The list's filters, read from the query string; anything invalid is ignored."""

    when = forms.ChoiceField(label="When", choices=WHEN_CHOICES, required=False)
    kind = forms.ChoiceField(
        label="Kind", choices=[("", "All kinds"), *EventKind.choices], required=False
    )
    guild = forms.ModelChoiceField(
        label="Guild",
        queryset=Guild.objects.none(),
        required=False,
        empty_label="All guilds",
        to_field_name="slug",
    )

    def __init__(self, *args: Any, guilds: QuerySet[Guild], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        guild_field = self.fields["guild"]
        assert isinstance(guild_field, forms.ModelChoiceField)
        guild_field.queryset = guilds

    def filters(self) -> dict[str, Any]:
        """The valid filters; an invalid form (a stale guild link) falls back to none."""
        if not self.is_valid():
            return {"when": "upcoming", "kind": "", "guild": None}
        data = self.cleaned_data
        return {"when": data["when"] or "upcoming", "kind": data["kind"], "guild": data["guild"]}


def parse_month(value: str | None, *, default: date) -> date:
    """`2025-06` as the first of that month; anything else is the default month."""
    match = _MONTH.match(value or "")
    if match is None:
        return default.replace(day=1)
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        return default.replace(day=1)
    return date(year, month, 1)


class CheckInForm(PortalForm):
    code = forms.CharField(
        label="Check-in code",
        max_length=12,
        help_text="The six characters the hosts show at the event.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


RATING_CHOICES = [
    (5, "5 — excellent"),
    (4, "4 — good"),
    (3, "3 — all right"),
    (2, "2 — weak"),
    (1, "1 — not worth it"),
]


class FeedbackForm(PortalForm):
    rating = forms.TypedChoiceField(
        label="How useful was it for you?",
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="What should we keep or change? (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
