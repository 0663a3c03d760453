"""The story editor: content and inlines, the workflow buttons, version history with diffs,
the sign-off record, and a preview of what sales sees.

Status, versions and sign-offs are read-only here: they change only through the services.
After every save the editor asks `story_record_edit` to snapshot the text, so an edit after
sign-off needs a new sign-off whichever door it came through.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from champions.errors import DomainError
from champions.models import Champion
from programs.references import selectors, services
from programs.references.admin.common import back_to, context, object_for, run_service
from programs.references.models import (
    ProvenMetric,
    Quote,
    ReferenceStory,
    SignOffMethod,
    StoryFeature,
    StoryStatus,
)
from programs.references.services.stories import EDITABLE_STATUSES

STATUS_COLOURS: dict[str, str] = {
    StoryStatus.DRAFT: "#6c757d",
    StoryStatus.IN_REVIEW: "#0d6efd",
    StoryStatus.AWAITING_SIGN_OFF: "#fd7e14",
    StoryStatus.APPROVED: "#20c997",
    StoryStatus.PUBLISHED: "#198754",
    StoryStatus.EXPIRED: "#adb5bd",
    StoryStatus.WITHDRAWN: "#dc3545",
}

# The workflow buttons: (action, label, service). Withdraw also needs a reason.
WORKFLOW: dict[str, tuple[str, Any]] = {
    "submit": ("Submit for review", services.story_submit_for_review),
    "return": ("Back to draft", services.story_return_to_draft),
    "request_sign_off": ("Ask the champions to sign off", services.story_request_sign_off),
    "approve": ("Approve (all signed)", services.story_approve),
    "publish": ("Publish", services.story_publish),
    "reopen": ("Reopen as draft", services.story_reopen),
}
ACTION_TARGET = {
    "submit": StoryStatus.IN_REVIEW,
    "return": StoryStatus.DRAFT,
    "request_sign_off": StoryStatus.AWAITING_SIGN_OFF,
    "approve": StoryStatus.APPROVED,
    "publish": StoryStatus.PUBLISHED,
    "reopen": StoryStatus.DRAFT,
}


class StoryForm(forms.ModelForm[ReferenceStory]):
    video_url = forms.URLField(label="Video link", required=False, assume_scheme="https")

    class Meta:
        model = ReferenceStory
        fields = (
            "account",
            "title",
            "challenge",
            "solution",
            "results",
            "industry",
            "use_case",
            "product_areas",
            "region",
            "size_band",
            "language",
            "logo_permission",
            "video_url",
            "document",
            "visibility",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is not None:
            try:
                services.story_assert_editable(story=self.instance)
            except DomainError as error:
                raise forms.ValidationError(error.message) from None
        return data


class LockedWhenPublished:
    """Inline rows can be added, changed and deleted only while the text is editable."""

    def _editable(self, obj: ReferenceStory | None) -> bool:
        return obj is None or obj.status in EDITABLE_STATUSES

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)  # type: ignore[misc]


class FeatureInline(LockedWhenPublished, admin.TabularInline[StoryFeature, ReferenceStory]):
    model = StoryFeature
    raw_id_fields = ("champion",)
    extra = 0
    verbose_name = "featured champion"


class MetricInline(LockedWhenPublished, admin.TabularInline[ProvenMetric, ReferenceStory]):
    model = ProvenMetric
    fields = ("position", "name", "before", "after", "unit", "period")
    extra = 0


class QuoteInline(LockedWhenPublished, admin.StackedInline[Quote, ReferenceStory]):
    model = Quote
    raw_id_fields = ("champion",)
    fields = ("position", "champion", "text")
    extra = 0


@admin.register(ReferenceStory)
class ReferenceStoryAdmin(admin.ModelAdmin[ReferenceStory]):
    form = StoryForm
    change_form_template = "admin/references/referencestory/change_form.html"
    inlines = (FeatureInline, MetricInline, QuoteInline)
    list_display = (
        "title",
        "account",
        "status_badge",
        "visibility",
        "version_number",
        "published_at",
        "review_due_at",
        "crm_pending",
    )
    list_filter = ("status", "visibility", "industry", "region", "use_case")
    list_select_related = ("account",)
    search_fields = ("title", "account__name")
    raw_id_fields = ("account",)
    filter_horizontal = ("product_areas",)
    readonly_fields = (
        "status",
        "status_changed_at",
        "version_number",
        "content_hash",
        "published_at",
        "review_due_at",
        "withdrawn_reason",
        "needs_crm_update_at",
        "sign_off_status",
    )
    fieldsets = (
        (None, {"fields": ("account", "title", "visibility")}),
        ("Story", {"fields": ("challenge", "solution", "results")}),
        (
            "Classification (for matching)",
            {"fields": ("industry", "use_case", "product_areas", "region", "size_band")},
        ),
        ("Assets", {"fields": ("language", "logo_permission", "video_url", "document")}),
        (
            "Workflow",
            {
                "fields": (
                    "status",
                    "status_changed_at",
                    "version_number",
                    "content_hash",
                    "sign_off_status",
                    "published_at",
                    "review_due_at",
                    "withdrawn_reason",
                    "needs_crm_update_at",
                ),
                "description": "Changes only through the buttons above the form.",
            },
        ),
    )

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: ReferenceStory) -> SafeString:
        return format_html(
            '<span style="color:#fff;background:{};padding:2px 6px;border-radius:3px">{}</span>',
            STATUS_COLOURS.get(obj.status, "#6c757d"),
            obj.get_status_display(),
        )

    @admin.display(description="CRM update due", boolean=True)
    def crm_pending(self, obj: ReferenceStory) -> bool:
        return obj.needs_crm_update_at is not None

    @admin.display(description="sign-offs of the current version")
    def sign_off_status(self, obj: ReferenceStory) -> SafeString:
        if obj.pk is None:
            return mark_safe("—")
        rows = [
            format_html(
                "<li>{}: {}</li>",
                state.champion.full_name,
                "signed"
                if state.signed_current
                else (
                    f"signed version {state.last_sign_off.version.number}, not this one"
                    if state.last_sign_off
                    else "not signed"
                ),
            )
            for state in selectors.story_sign_off_state(story=obj)
        ]
        return format_html("<ul>{}</ul>", mark_safe("".join(rows)))  # noqa: S308  (escaped rows)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.story_record_edit(story=form.instance, actor=request.user)  # type: ignore[arg-type]

    # --- the extra pages ----------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/workflow/<str:action>/",
                wrap(require_POST(self.workflow_view)),
                name="references_referencestory_workflow",
            ),
            path(
                "<path:object_id>/versions/",
                wrap(self.versions_view),
                name="references_referencestory_versions",
            ),
            path(
                "<path:object_id>/sign-off/",
                wrap(require_POST(self.sign_off_view)),
                name="references_referencestory_sign_off",
            ),
            path(
                "<path:object_id>/preview/",
                wrap(self.preview_view),
                name="references_referencestory_preview",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        story = self.get_object(request, object_id)
        buttons: list[tuple[str, str]] = []
        if story is not None:
            allowed = services.STORY_TRANSITIONS[story.status]
            buttons = [
                (action, label)
                for action, (label, _) in WORKFLOW.items()
                if ACTION_TARGET[action] in allowed
            ]
        extra = {
            **(extra_context or {}),
            "workflow_buttons": buttons,
            "can_withdraw": story is not None and story.status != StoryStatus.WITHDRAWN,
            "can_expire": story is not None and story.status == StoryStatus.PUBLISHED,
        }
        return super().change_view(request, object_id, form_url, extra)

    def workflow_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        story = object_for(self, request, object_id, change=True)
        actor = request.user
        if action == "withdraw":
            reason = request.POST.get("reason", "")
            run_service(
                request,
                lambda: services.story_withdraw(story=story, actor=actor, reason=reason),  # type: ignore[arg-type]
                "The story is withdrawn.",
            )
        elif action == "expire":
            run_service(
                request, lambda: services.story_expire(story=story), "The story has expired."
            )
        elif action in WORKFLOW:
            label, call = WORKFLOW[action]
            run_service(request, lambda: call(story=story, actor=actor), f"Done: {label}.")
        return back_to(story)

    def versions_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        story = object_for(self, request, object_id, change=False)
        versions = list(
            selectors.story_versions(story=story).prefetch_related("sign_offs__champion")
        )
        numbers = [v.number for v in versions]
        new = _int(request.GET.get("new"), numbers[0] if numbers else 0)
        old = _int(request.GET.get("old"), numbers[1] if len(numbers) > 1 else new)
        diff = ""
        if numbers and old in numbers and new in numbers:
            diff = selectors.story_version_diff(story=story, old=old, new=new, html=True)
        states = selectors.story_sign_off_state(story=story)
        return TemplateResponse(
            request,
            "admin/references/referencestory/versions.html",
            context(
                self,
                request,
                title=f"Versions of “{story.title}”",
                original=story,
                versions=versions,
                old=old,
                new=new,
                diff=mark_safe(diff),  # noqa: S308  (HtmlDiff escapes the text)
                sign_off_states=states,
                sign_off_methods=[m for m in SignOffMethod.choices if m[0] != SignOffMethod.PORTAL],
                awaiting=story.status == StoryStatus.AWAITING_SIGN_OFF,
            ),
        )

    def sign_off_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The team records a sign-off that reached them by email or on a signed form."""
        story = object_for(self, request, object_id, change=True)
        champion = Champion.objects.filter(pk=_int(request.POST.get("champion"), 0)).first()
        if champion is None:
            return back_to(story)
        run_service(
            request,
            lambda: services.story_sign_off(
                story=story,
                champion=champion,
                content_hash=request.POST.get("content_hash", ""),
                method=request.POST.get("method", SignOffMethod.EMAIL),
                actor=request.user,  # type: ignore[arg-type]
            ),
            f"Sign-off of {champion.full_name} recorded.",
        )
        return HttpResponseRedirect(request.path.replace("sign-off/", "versions/"))

    def preview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        story = object_for(self, request, object_id, change=False)
        return TemplateResponse(
            request,
            "admin/references/referencestory/preview.html",
            context(
                self,
                request,
                title=f"What sales sees: “{story.title}”",
                original=story,
                story=selectors.story_for_sales(story=story),
                visible=selectors.story_is_visible_to_sales(story=story),
                missing={
                    c.full_name: s for c, s in selectors.story_missing_consents(story=story).items()
                },
            ),
        )

    def get_readonly_fields(
        self, request: HttpRequest, obj: ReferenceStory | None = None
    ) -> tuple[str, ...]:
        # A published (expired, withdrawn) story's text is locked: show it, do not offer edits.
        if obj is not None and obj.status not in EDITABLE_STATUSES:
            return tuple(StoryForm.Meta.fields) + self.readonly_fields
        return tuple(self.readonly_fields)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReferenceStory]:
        return super().get_queryset(request).select_related("account")


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
