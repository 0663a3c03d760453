"""The small forms of the case page, one per moderator action; they only validate."""

from __future__ import annotations

from typing import Any

from django import forms

from champions.models import Champion, User
from programs.governance.models import (
    AppealOutcome,
    ConsequenceKind,
    LessonAudience,
    ModerationCase,
    StepKind,
)
from programs.governance.selectors import guild_moderators
from programs.governance.services.cases import GUIDE_STEPS

AREA = forms.Textarea(attrs={"rows": 3, "cols": 80})


class CaseForm(forms.Form):
    def __init__(self, *args: Any, case: ModerationCase, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case


class StepForm(CaseForm):
    kind = forms.ChoiceField(choices=[(k.value, k.label) for k in GUIDE_STEPS])
    text = forms.CharField(widget=AREA, label="What came out of it")


class DecideForm(CaseForm):
    decision = forms.CharField(widget=AREA, label="Decision and why (moderators only)")
    member_message = forms.CharField(
        widget=AREA,
        required=False,
        label="What the member is told",
        help_text="Never say who reported; the service refuses a message naming a reporter.",
    )
    consequence = forms.ChoiceField(
        choices=[("", "No consequence"), *ConsequenceKind.choices], required=False
    )
    restriction_days = forms.IntegerField(required=False, min_value=1, label="Days (restriction)")
    reason = forms.CharField(widget=AREA, required=False, label="Reason for the consequence")
    skip_reason = forms.CharField(
        widget=AREA, required=False, label="Why not the ladder's next rung (if you deviate)"
    )


class FollowUpForm(CaseForm):
    on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Follow up on")
    note = forms.CharField(widget=AREA, label="What to check")


class CloseForm(CaseForm):
    note_to_reporters = forms.CharField(
        widget=AREA, required=False, label="What the reporters are told (optional)"
    )


class ReasonForm(CaseForm):
    reason = forms.CharField(widget=AREA)


class HandOverForm(CaseForm):
    to = forms.ModelChoiceField(User.objects.none(), required=False, empty_label="The deputy")
    reason = forms.CharField(widget=AREA)

    def __init__(self, *args: Any, case: ModerationCase, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        field = self.fields["to"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = guild_moderators(guild=case.guild).exclude(pk=case.moderator_id or 0)


class MediationForm(CaseForm):
    offered_to = forms.ModelChoiceField(Champion.objects.none())
    starts_at = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    place = forms.CharField(max_length=300, help_text="A meeting link or a room.")

    def __init__(self, *args: Any, case: ModerationCase, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        ids = [r.reporter_id for r in case.reports.all() if r.reporter_id]
        if case.member_id:
            ids.append(case.member_id)
        field = self.fields["offered_to"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Champion.objects.filter(pk__in=ids)


class AppealDecideForm(CaseForm):
    outcome = forms.ChoiceField(
        choices=[(AppealOutcome.UPHELD, "Uphold"), (AppealOutcome.OVERTURNED, "Overturn")]
    )
    note = forms.CharField(widget=AREA, label="What the member is told")


class HideForm(CaseForm):
    report = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(widget=AREA)


class RestoreForm(CaseForm):
    hidden = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(widget=AREA)


class LessonForm(CaseForm):
    title = forms.CharField(max_length=200)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 8, "cols": 80}))
    audience = forms.ChoiceField(choices=LessonAudience.choices)


class AttachForm(CaseForm):
    report = forms.IntegerField(min_value=1, label="Report number")


STEP_LABELS = {k.value: k.label for k in StepKind}
