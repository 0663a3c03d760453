"""Portal forms of governance. They only validate input; the views call the services."""

from __future__ import annotations

from django import forms

from champions.models import Guild
from programs.governance.models import SCORE_FIELDS, SCORE_QUESTIONS, ReportCategory
from programs.governance.services.reports import MAX_DESCRIPTION

SCALE = [(value, str(value)) for value in range(1, 6)]


class ReportForm(forms.Form):
    category = forms.ChoiceField(
        label="What kind of concern is it?",
        choices=ReportCategory.choices,
        widget=forms.RadioSelect,
    )
    description = forms.CharField(
        label="What happened?",
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Facts help the moderators most: what, where, when. The person you report "
        "never sees your name.",
    )


class AppealForm(forms.Form):
    text = forms.CharField(
        label="Why should the decision be reviewed?",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Someone other than the moderator who decided reviews your appeal. You can "
        "appeal a decision once.",
    )


class HealthCheckForm(forms.Form):
    guild = forms.ModelChoiceField(queryset=Guild.objects.none(), label="Guild")
    comment = forms.CharField(
        label="Anything you want to tell us? (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: object, guilds: list[Guild], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["guild"].queryset = Guild.objects.filter(  # type: ignore[attr-defined]
            pk__in=[g.pk for g in guilds]
        ).order_by("name")
        for name in SCORE_FIELDS:
            self.fields[name] = forms.TypedChoiceField(
                label=SCORE_QUESTIONS[name],
                choices=SCALE,
                coerce=int,
                widget=forms.RadioSelect,
                help_text="1 = not at all, 5 = fully.",
            )
        self.order_fields(["guild", *SCORE_FIELDS, "comment"])

    def scores(self) -> dict[str, int]:
        return {name: self.cleaned_data[name] for name in SCORE_FIELDS}
