"""The give-kudos form: whom and what for; the giver is always the signed-in champion."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from champions.models import Champion
from champions.portal.forms import PortalForm
from programs.recognition.services import MAX_KUDOS_LENGTH


class PersonChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name}, {obj.title}" if obj.title else str(obj.full_name)


class KudosForm(PortalForm):
    to_champion = PersonChoiceField(
        label="Who do you want to thank?",
        queryset=Champion.objects.none(),
        empty_label="Choose a person",
        help_text="People in your guilds, your buddy, and those who answered your questions.",
    )
    message = forms.CharField(
        label="What for?",
        max_length=MAX_KUDOS_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Thanks for showing me …"}),
        help_text="They see it, and it may appear in the program's updates.",
    )

    def __init__(self, *args: Any, people: QuerySet[Champion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_champion"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = people
