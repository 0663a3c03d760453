"""Forms of the library pages: they validate input only; the views call the services.

None has a field for the author, the publishing state, featuring or counts.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from champions.models import Guild, ProductArea
from champions.portal.forms import PortalForm
from programs.library.models import Template, TemplateCategory, TemplateKind
from programs.library.validation import allowed_extensions, max_upload_mb

MARKDOWN_HELP = "Markdown works: headings, lists, **bold**, `code`, links and tables."


def file_help() -> str:
    return f"Up to {max_upload_mb()} MB; accepted types: {', '.join(allowed_extensions())}."


class TemplateFilterForm(PortalForm):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "month-end, dashboard"}),
    )
    category = forms.ChoiceField(
        label="Category",
        required=False,
        choices=[("", "All categories"), *TemplateCategory.choices],
    )
    product_area = forms.ModelChoiceField(
        label="Product area",
        queryset=ProductArea.objects.order_by("name"),
        required=False,
        empty_label="All product areas",
        to_field_name="slug",
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
        if not self.is_valid():
            return {"q": "", "category": "", "product_area": None, "guild": None}
        return dict(self.cleaned_data)


class TemplateUploadForm(PortalForm):
    title = forms.CharField(label="Title", max_length=200)
    description = forms.CharField(
        label="What it is for",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Who should use it, and what it saves them.",
    )
    category = forms.ChoiceField(label="Category", choices=TemplateCategory.choices)
    product_area = forms.ModelChoiceField(
        label="Product area (optional)",
        queryset=ProductArea.objects.order_by("name"),
        required=False,
        empty_label="None in particular",
    )
    guild = forms.ModelChoiceField(
        label="Guild (optional)",
        queryset=Guild.objects.none(),
        required=False,
        empty_label="The whole program",
        help_text="Guilds you are a member of.",
    )
    kind = forms.ChoiceField(
        label="What are you sharing?",
        choices=[
            (TemplateKind.FILE, "A file"),
            (TemplateKind.LINK, "A link"),
            (TemplateKind.MARKDOWN, "A written guide (Markdown)"),
        ],
        widget=forms.RadioSelect,
        initial=TemplateKind.FILE,
    )
    file = forms.FileField(label="File", required=False)
    link = forms.URLField(label="Link", required=False, max_length=500, assume_scheme="https")
    body = forms.CharField(
        label="Guide",
        required=False,
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=MARKDOWN_HELP,
    )

    def __init__(self, *args: Any, guilds: QuerySet[Guild], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        guild_field = self.fields["guild"]
        assert isinstance(guild_field, forms.ModelChoiceField)
        guild_field.queryset = guilds
        self.fields["file"].help_text = file_help()


class TemplateEditForm(PortalForm):
    """The content of the template's kind; each save becomes a new version."""

    title = forms.CharField(label="Title", max_length=200)
    description = forms.CharField(
        label="What it is for",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    file = forms.FileField(label="Replace the file (optional)", required=False)
    link = forms.URLField(label="Link", max_length=500, assume_scheme="https")
    body = forms.CharField(
        label="Guide",
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=MARKDOWN_HELP,
    )
    note = forms.CharField(
        label="What changed (optional)",
        required=False,
        max_length=300,
        help_text="Shown in the version history.",
    )

    def __init__(self, *args: Any, template: Template, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "title": template.title,
                "description": template.description,
                "link": template.link,
                "body": template.body,
            },
        )
        super().__init__(*args, **kwargs)
        self.template = template
        for name, kind in (("file", "file"), ("link", "link"), ("body", "markdown")):
            if template.kind != kind:
                del self.fields[name]
        if "file" in self.fields:
            self.fields["file"].help_text = file_help()

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        arguments = {
            "title": data["title"],
            "description": data["description"],
            "note": data["note"],
        }
        for name in ("link", "body"):
            if name in self.fields:
                arguments[name] = data[name]
        if data.get("file"):
            arguments["file"] = data["file"]
        return arguments


class ForkForm(PortalForm):
    title = forms.CharField(
        label="Title of your copy (optional)",
        required=False,
        max_length=200,
    )


RATING_CHOICES = [(5, "5 stars"), (4, "4 stars"), (3, "3 stars"), (2, "2 stars"), (1, "1 star")]


class RateForm(PortalForm):
    rating = forms.TypedChoiceField(
        label="Your rating", choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect
    )
