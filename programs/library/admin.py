"""The template library in the admin: the program team curates, publishes and features.

Creating and editing in the admin follows the services' rules (the form checks the content
with the same functions) and every save of new content becomes a version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString

from champions.errors import DomainError
from champions.models import ActivitySource, User
from programs.library import selectors, services
from programs.library.models import Template, TemplateRating, TemplateVersion
from programs.library.validation import check_template_content, check_template_file

# The admin classes are generic only to the type checker (django-stubs), not at run time.
if TYPE_CHECKING:
    TemplateAdminBase = admin.ModelAdmin[Template]
    TemplateRatingAdminBase = admin.ModelAdmin[TemplateRating]
    VersionInlineBase = admin.TabularInline[TemplateVersion, Template]
    TemplateFormBase = forms.ModelForm[Template]
else:
    TemplateAdminBase = TemplateRatingAdminBase = admin.ModelAdmin
    VersionInlineBase = admin.TabularInline
    TemplateFormBase = forms.ModelForm


def _apply(
    request: HttpRequest, queryset: QuerySet[Any], service: Callable[[Any], object], done: str
) -> None:
    """Run a service per selected row; report refusals by name instead of failing them all."""
    succeeded = 0
    for obj in queryset:
        try:
            service(obj)
        except DomainError as error:
            messages.error(request, f"{obj}: {error.message}")
        else:
            succeeded += 1
    if succeeded:
        messages.success(request, f"{done}: {succeeded}.")


class TemplateForm(TemplateFormBase):
    class Meta:
        model = Template
        fields = (
            "title",
            "description",
            "category",
            "product_area",
            "guild",
            "kind",
            "file",
            "link",
            "body",
            "author",
        )

    def clean_file(self) -> Any:
        file = self.cleaned_data.get("file")
        if file and "file" in self.changed_data:
            try:
                check_template_file(file)
            except DomainError as error:
                raise ValidationError(error.message) from None
        return file

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            check_template_content(
                kind=cleaned.get("kind") or "",
                file=cleaned.get("file") or None,
                link=cleaned.get("link") or "",
                body=cleaned.get("body") or "",
            )
        except DomainError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return cleaned


class VersionInline(VersionInlineBase):
    model = TemplateVersion
    extra = 0
    can_delete = False
    fields = readonly_fields = ("number", "title", "note", "created_by", "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[TemplateVersion]:
        return super().get_queryset(request).select_related("created_by")

    def has_add_permission(self, request: HttpRequest, obj: Template | None = None) -> bool:
        return False


@admin.register(Template)
class TemplateAdmin(TemplateAdminBase):
    form = TemplateForm
    list_display = (
        "title",
        "kind",
        "category",
        "author",
        "guild",
        "product_area",
        "published_at",
        "featured",
        "download_count",
        "forks",
        "rating",
    )
    list_filter = ("kind", "category", "featured", "guild", "product_area")
    list_select_related = ("author__account", "guild", "product_area")
    search_fields = ("title", "description", "author__full_name")
    date_hierarchy = "published_at"
    raw_id_fields = ("author",)
    readonly_fields = ("rendered_body", "parent", "version", "published_at", "download_count")
    inlines = (VersionInline,)
    actions = ("publish", "feature", "unfeature")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Template]:
        return selectors.templates_with_stats()

    def save_model(self, request: HttpRequest, obj: Template, form: Any, change: bool) -> None:
        user = cast(User, request.user)  # the admin only lets signed-in staff in
        if not change:
            obj.author_user = obj.author.user if obj.author is not None else user
            obj.version = 0
        super().save_model(request, obj, form, change)
        content = {"title", "body", "link", "file", "description"}
        if not change or content & set(form.changed_data):
            note = "Created in the admin" if not change else "Edited in the admin"
            services.template_snapshot(template=obj, by_user=user, note=note)

    @admin.display(ordering="fork_count")
    def forks(self, template: Template) -> int:
        return template.fork_count  # type: ignore[attr-defined]

    @admin.display(ordering="rating_average", description="Rating")
    def rating(self, template: Template) -> str:
        average = template.rating_average  # type: ignore[attr-defined]
        return "-" if average is None else f"{average:.1f}"

    @admin.display(description="Rendered")
    def rendered_body(self, template: Template) -> SafeString:
        return selectors.template_body_html(template)

    @admin.action(description="Publish selected templates")
    def publish(self, request: HttpRequest, queryset: QuerySet[Template]) -> None:
        user = cast(User, request.user)
        _apply(
            request,
            queryset,
            lambda t: services.template_publish(
                template=t, by_user=user, source=ActivitySource.ADMIN
            ),
            "Published",
        )

    @admin.action(description="Feature selected templates")
    def feature(self, request: HttpRequest, queryset: QuerySet[Template]) -> None:
        _apply(request, queryset, lambda t: services.template_set_featured(template=t), "Featured")

    @admin.action(description="Stop featuring selected templates")
    def unfeature(self, request: HttpRequest, queryset: QuerySet[Template]) -> None:
        _apply(
            request,
            queryset,
            lambda t: services.template_set_featured(template=t, featured=False),
            "No longer featured",
        )


@admin.register(TemplateRating)
class TemplateRatingAdmin(TemplateRatingAdminBase):
    list_display = ("template", "champion", "rating", "rated_at")
    list_filter = ("rating",)
    list_select_related = ("template", "champion__account")
    search_fields = ("template__title", "champion__full_name")
    readonly_fields = ("template", "champion", "rating", "rated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
