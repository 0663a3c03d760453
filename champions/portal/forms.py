"""Portal forms. They only validate input; the views hand the cleaned data to a service.

None of them has a field for owner, account, state, tier, consent or CRM id: those are the
program's to set, so posting them changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from allauth.account.fields import SetPasswordField
from django import forms
from django.forms import BoundField

from champions.models import (
    Champion,
    DigestFrequency,
    Invitation,
    ProductArea,
    User,
    known_timezones,
)
from champions.selectors import NotificationSetting

LANGUAGES: list[tuple[str, str]] = [
    ("en", "English"),
    ("de", "German"),
    ("fr", "French"),
    ("es", "Spanish"),
    ("it", "Italian"),
    ("nl", "Dutch"),
    ("pt", "Portuguese"),
    ("pl", "Polish"),
    ("sv", "Swedish"),
    ("da", "Danish"),
    ("fi", "Finnish"),
    ("no", "Norwegian"),
    ("cs", "Czech"),
    ("tr", "Turkish"),
    ("ar", "Arabic"),
    ("hi", "Hindi"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("zh", "Chinese"),
]


@cache
def timezone_choices() -> list[tuple[str, str]]:
    names = sorted(name for name in known_timezones() if "/" in name or name == "UTC")
    return [(name, name.replace("_", " ")) for name in names]


class PortalForm(forms.Form):
    """Labels without Django's trailing colon; the layout sets them apart already."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def split_list(text: str) -> list[str]:
    """Free-text lists are typed one per line or separated by commas or semicolons."""
    return [item.strip() for item in re.split(r"[,;\n]", text or "") if item.strip()]


class JoinForm(PortalForm):
    full_name = forms.CharField(
        label="Your name", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password1 = SetPasswordField(label="Choose a password")
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, invitation: Invitation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        champion = invitation.champion
        self.fields["full_name"].initial = champion.full_name
        # The password validators compare against the person's email and name.
        password_field = self.fields["password1"]
        assert isinstance(password_field, SetPasswordField)
        password_field.user = User(email=champion.email, full_name=champion.full_name)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ. Type the same one twice.")
        return cleaned


class ProfileForm(PortalForm):
    title = forms.CharField(
        label="Job title",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    expertise = forms.CharField(
        label="What you are good at",
        required=False,
        help_text="Skills and tools peers can ask you about, separated by commas.",
        widget=forms.TextInput(attrs={"placeholder": "month-end close, Salesforce, API imports"}),
    )
    interests = forms.CharField(
        label="What you want to learn",
        required=False,
        help_text="Topics you would like help with or want to discuss, separated by commas.",
        widget=forms.TextInput(),
    )
    product_areas = forms.ModelMultipleChoiceField(
        label="Product areas you use",
        queryset=ProductArea.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    timezone = forms.ChoiceField(label="Time zone", choices=timezone_choices)
    languages = forms.MultipleChoiceField(
        label="Languages you can help in",
        choices=LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, champion: Champion, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "title": champion.title,
                "expertise": ", ".join(champion.expertise),
                "interests": ", ".join(champion.interests),
                "product_areas": list(champion.product_areas.all()),
                "timezone": champion.timezone,
                "languages": champion.languages,
            },
        )
        super().__init__(*args, **kwargs)
        languages = self.fields["languages"]
        assert isinstance(languages, forms.MultipleChoiceField)
        known = {code for code, _ in LANGUAGES}
        extra = [(code, code) for code in champion.languages if code not in known]
        languages.choices = [*LANGUAGES, *extra]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "expertise": split_list(data["expertise"]),
            "interests": split_list(data["interests"]),
            "product_areas": data["product_areas"],
            "timezone_name": data["timezone"],
            "languages": data["languages"],
        }


class InviteForm(PortalForm):
    full_name = forms.CharField(label="Their name", max_length=200)
    email = forms.EmailField(
        label="Their work email", widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    message = forms.CharField(
        label="A personal note (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="It appears in the invitation email.",
    )


class EraseForm(PortalForm):
    email = forms.CharField(
        label="Type your email address to confirm",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "email"}),
    )

    def __init__(self, *args: Any, expected_email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expected_email = expected_email

    def clean_email(self) -> str:
        typed = str(self.cleaned_data["email"]).strip()
        if typed.lower() != self.expected_email.lower():
            raise forms.ValidationError("That is not the email address of your account.")
        return typed


DELIVERY_CHOICES = [
    (DigestFrequency.OFF, "Email each one at once"),
    (DigestFrequency.DAILY, "Collect them in a daily digest"),
    (DigestFrequency.WEEKLY, "Collect them in a weekly digest"),
]
DIGEST_CHOICES = [
    (DigestFrequency.WEEKLY, "Weekly"),
    (DigestFrequency.DAILY, "Daily"),
    (DigestFrequency.OFF, "Never"),
]


@dataclass(frozen=True)
class NotificationGroup:
    """One kind on the preferences page: its switch and, if it can wait, when it is sent."""

    setting: NotificationSetting
    enabled: BoundField | None
    frequency: BoundField | None


class NotificationForm(PortalForm):
    """One switch per kind that can be switched off, and when to deliver the digestible ones."""

    def __init__(self, *args: Any, settings: list[NotificationSetting], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings = [s for s in settings if not s.always_sent]
        for setting in self.settings:
            if setting.kind == "digest":
                self.fields["frequency_digest"] = forms.ChoiceField(
                    label="How often",
                    choices=DIGEST_CHOICES,
                    initial=setting.digest_frequency,
                    help_text=(
                        "Your next events, questions you could answer, what waits for your"
                        " answer and kudos. Emails you collect in a daily or weekly digest"
                        " still come in one, as often as you chose for them."
                    ),
                )
                continue
            self.fields[f"enabled_{setting.kind}"] = forms.BooleanField(
                label="Email me about these", required=False, initial=setting.enabled
            )
            if setting.digestible:
                self.fields[f"frequency_{setting.kind}"] = forms.ChoiceField(
                    label="When", choices=DELIVERY_CHOICES, initial=setting.digest_frequency
                )

    def groups(self) -> list[NotificationGroup]:
        def bound(name: str) -> BoundField | None:
            return self[name] if name in self.fields else None

        return [
            NotificationGroup(s, bound(f"enabled_{s.kind}"), bound(f"frequency_{s.kind}"))
            for s in self.settings
        ]

    def preferences(self) -> list[tuple[str, bool, str]]:
        """(kind, enabled, digest frequency) for each kind on the form."""
        data = self.cleaned_data
        return [
            (
                s.kind,
                bool(data.get(f"enabled_{s.kind}", True)),
                str(data.get(f"frequency_{s.kind}", DigestFrequency.OFF)),
            )
            for s in self.settings
        ]
