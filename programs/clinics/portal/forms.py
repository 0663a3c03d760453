"""Forms of the clinic pages: they validate input only; the views call the services.

None has a field for the asker, author, status or guild membership: those come from the
signed-in champion and the services.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from champions.models import Guild
from champions.portal.forms import PortalForm, split_list
from programs.clinics.models import Question
from programs.clinics.services import MAX_TAGS

MARKDOWN_HELP = "Markdown works: **bold**, `code`, lists, links and tables."


class QuestionFilterForm(PortalForm):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "export, API, month-end"}),
    )
    guild = forms.ModelChoiceField(
        label="Guild",
        queryset=Guild.objects.none(),
        required=False,
        empty_label="All guilds",
        to_field_name="slug",
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any"), ("unsolved", "Not solved yet"), ("solved", "Solved")],
    )

    def __init__(self, *args: Any, guilds: QuerySet[Guild], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        guild_field = self.fields["guild"]
        assert isinstance(guild_field, forms.ModelChoiceField)
        guild_field.queryset = guilds

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {"q": "", "guild": None, "status": ""}
        return dict(self.cleaned_data)


class AskForm(PortalForm):
    guild = forms.ModelChoiceField(
        label="Guild",
        queryset=Guild.objects.none(),
        empty_label="Choose the guild to ask",
        help_text="Public guilds and the guilds you are a member of.",
    )
    title = forms.CharField(
        label="Your question in one line",
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "How do I schedule the monthly export?"}),
    )
    body = forms.CharField(
        label="Details",
        max_length=20000,
        help_text="What you tried, what you expected, what happened. " + MARKDOWN_HELP,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    tags = forms.CharField(
        label="Tags (optional)",
        required=False,
        max_length=500,
        help_text=f"Up to {MAX_TAGS}, separated by commas. Peers with matching skills are told.",
    )
    builds_on = forms.ModelChoiceField(
        queryset=Question.objects.none(), required=False, widget=forms.HiddenInput
    )

    def __init__(
        self,
        *args: Any,
        guilds: QuerySet[Guild],
        solved: QuerySet[Question],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        guild_field = self.fields["guild"]
        builds_on_field = self.fields["builds_on"]
        assert isinstance(guild_field, forms.ModelChoiceField)
        assert isinstance(builds_on_field, forms.ModelChoiceField)
        guild_field.queryset = guilds
        builds_on_field.queryset = solved

    def clean_tags(self) -> list[str]:
        return split_list(self.cleaned_data.get("tags", ""))


class AnswerForm(PortalForm):
    body = forms.CharField(
        label="Your answer",
        max_length=20000,
        help_text=MARKDOWN_HELP,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class BuildsOnForm(PortalForm):
    builds_on = forms.TypedChoiceField(label="This question builds on", coerce=int)

    def __init__(self, *args: Any, choices: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = {question.pk: question for question in choices}
        field = self.fields["builds_on"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [
            ("", "Choose a solved question"),
            *((question.pk, question.title) for question in choices),
        ]

    def chosen(self) -> Question:
        return self.questions[self.cleaned_data["builds_on"]]
