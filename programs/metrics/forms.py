"""The dashboard's window and filter form: bad input becomes a form error, never a 500."""

from __future__ import annotations

from typing import Any

from django import forms

from champions.errors import DomainError
from champions.models import Account, Guild, Industry
from programs.metrics.dashboard import PRESETS, Filters, Window, preset_window
from programs.metrics.scope import MetricScope


class DashboardForm(forms.Form):
    preset = forms.ChoiceField(
        choices=[*PRESETS.items(), ("custom", "Custom window")], required=False
    )
    start = forms.DateTimeField(label="From (UTC)", required=False)
    end = forms.DateTimeField(label="To (UTC, exclusive)", required=False)
    guild = forms.ModelChoiceField(
        Guild.objects.order_by("name"), required=False, empty_label="All guilds"
    )
    account = forms.IntegerField(label="Account id", required=False, min_value=1)
    industry = forms.ChoiceField(
        choices=[("", "All industries"), *Industry.choices], required=False
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        if data is not None:  # the query string names them from/to, like the API
            data = data.copy()
            for outer, inner in (("from", "start"), ("to", "end")):
                if outer in data and inner not in data:
                    data[inner] = data[outer]
        super().__init__(data, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        preset = cleaned.get("preset") or "30"
        start, end = cleaned.get("start"), cleaned.get("end")
        if start or end or preset == "custom":
            if not (start and end):
                raise forms.ValidationError("A custom window needs both “from” and “to”.")
            window = Window("custom", start, end)
        else:
            window = preset_window(preset)
        account = None
        if cleaned.get("account"):
            account = Account.objects.filter(pk=cleaned["account"]).first()
            if account is None:
                self.add_error("account", f"There is no account with id {cleaned['account']}.")
                return cleaned
        filters = Filters(window, cleaned.get("guild"), account, cleaned.get("industry") or None)
        try:
            MetricScope(window.start, window.end)
        except DomainError as error:
            raise forms.ValidationError(error.message) from None
        cleaned["filters"] = filters
        return cleaned

    def filters(self) -> Filters:
        """The checked filters; the default view (last 30 days, everyone) when invalid."""
        if self.is_valid():
            filters: Filters = self.cleaned_data["filters"]
            return filters
        return Filters(preset_window("30"))
