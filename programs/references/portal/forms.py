"""Forms of the references pages: they validate input only; the views call the services.

None carries a champion, status, consent or note of the program team: those come from the
signed-in champion and the services.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms

from champions.models import zone_or_utc
from champions.portal.forms import PortalForm
from programs.references.models import DeclineReason
from programs.references.services.requests import MAX_PROPOSED_TIMES
from programs.references.services.stories import MAX_CHANGE_NOTE

# "Consent withdrawn" is recorded by the privacy centre, not chosen here.
DECLINE_CHOICES = [
    (value, label)
    for value, label in DeclineReason.choices
    if value != DeclineReason.CONSENT_WITHDRAWN
]


class SignOffForm(PortalForm):
    """The hash of the exact text the champion read; a changed story refuses the sign-off."""

    content_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)


class RequestChangesForm(PortalForm):
    note = forms.CharField(
        label="What should change?",
        max_length=MAX_CHANGE_NOTE,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The program team edits the story and asks you to sign off again.",
    )


class DeclineForm(PortalForm):
    reason = forms.ChoiceField(label="Why not this time?", choices=DECLINE_CHOICES)
    note = forms.CharField(
        label="Anything to add? (optional)",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Declining never counts against you.",
    )


class ProposeTimesForm(PortalForm):
    """Up to three times, typed in the champion's own time zone."""

    note = forms.CharField(
        label="A note for the seller (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, timezone_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone_or_utc(timezone_name)
        for number in range(1, MAX_PROPOSED_TIMES + 1):
            self.fields[f"time_{number}"] = forms.DateTimeField(
                label=f"Time {number}" + ("" if number == 1 else " (optional)"),
                required=number == 1,
                input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                widget=forms.DateTimeInput(
                    attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
                ),
                help_text=f"In your time zone, {timezone_name}." if number == 1 else "",
            )
        self.order_fields([*(f"time_{n}" for n in range(1, MAX_PROPOSED_TIMES + 1)), "note"])

    def times(self) -> list[datetime]:
        chosen = []
        for number in range(1, MAX_PROPOSED_TIMES + 1):
            value = self.cleaned_data.get(f"time_{number}")
            if value is not None:
                # The browser sends the wall-clock time; it is the champion's zone.
                chosen.append(value.replace(tzinfo=None).replace(tzinfo=self.zone))
        return chosen
