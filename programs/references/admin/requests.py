"""The request queue (by offer deadline, overdue flagged), the match view with one-click
offers, each lifecycle step as a small form, deals and attributions.

Every state change calls a service; a refusal shows as an error message.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from champions.errors import DomainError
from champions.models import Champion, Industry, ProductArea, Region, SizeBand, User
from integrations.crm.admin import CrmSyncPanelMixin
from integrations.crm.outbox import crm_mark_dirty
from programs.references import matching, selectors, services
from programs.references.admin.common import back_to, change_url, context, object_for, run_service
from programs.references.models import (
    ActivityType,
    Attribution,
    Deal,
    DeclineReason,
    ReferenceOffer,
    ReferenceRequest,
    ReferenceStory,
    RequestOutcome,
    RequestStatus,
    UseCase,
)

SLA_COLOURS = {
    "overdue": "#dc3545",
    "on_time": "#0d6efd",
    "met": "#198754",
    "missed": "#8b0000",
    "closed": "#6c757d",
}
OFFERABLE = (RequestStatus.REQUESTED, RequestStatus.DECLINED)


def _blank(choices: Any) -> list[tuple[str, str]]:
    return [("", "— from the deal's account —"), *choices]


class RequestCreateForm(forms.Form):
    """What the team (or sales in the admin) fills in; the service does the rest."""

    deal = forms.ModelChoiceField(queryset=Deal.objects.filter(is_closed=False))
    requested_by = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True), help_text="The seller who asks."
    )
    activity_type = forms.ChoiceField(choices=ActivityType.choices)
    prospect_company = forms.CharField(required=False)
    prospect_industry = forms.ChoiceField(choices=_blank(Industry.choices), required=False)
    prospect_region = forms.ChoiceField(choices=_blank(Region.choices), required=False)
    prospect_size_band = forms.ChoiceField(choices=_blank(SizeBand.choices), required=False)
    prospect_timezone = forms.CharField(required=False, help_text="For example Europe/Berlin.")
    language = forms.CharField(initial="en", max_length=8)
    use_case = forms.ModelChoiceField(queryset=UseCase.objects.all(), required=False)
    product_areas = forms.ModelMultipleChoiceField(
        queryset=ProductArea.objects.all(),
        required=False,
    )
    needed_by = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(choices=DeclineReason.choices)
    note = forms.CharField(required=False, max_length=300)


class ScheduleForm(forms.Form):
    scheduled_for = forms.DateTimeField(input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])


class CompleteForm(forms.Form):
    outcome = forms.ChoiceField(choices=RequestOutcome.choices)
    feedback = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    rating = forms.IntegerField(required=False, min_value=1, max_value=5)


class FeedbackForm(forms.Form):
    feedback = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    rating = forms.IntegerField(required=False, min_value=1, max_value=5)


class OfferInline(admin.TabularInline[ReferenceOffer, ReferenceRequest]):
    model = ReferenceOffer
    fields = (
        "champion",
        "offered_at",
        "offered_by",
        "automatic",
        "score",
        "response",
        "responded_at",
        "decline_reason",
        "decline_note",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReferenceOffer]:
        return super().get_queryset(request).select_related("champion__account", "offered_by")


@admin.register(ReferenceRequest)
class ReferenceRequestAdmin(admin.ModelAdmin[ReferenceRequest]):
    change_form_template = "admin/references/referencerequest/change_form.html"
    inlines = (OfferInline,)
    list_display = (
        "prospect_company",
        "deal",
        "activity_type",
        "status",
        "sla_flag",
        "offer_due_at",
        "champion",
        "needed_by",
        "requested_by",
    )
    list_filter = ("status", "activity_type", "prospect_industry", "prospect_region")
    list_select_related = ("deal", "champion__account", "requested_by")
    search_fields = ("prospect_company", "deal__name", "champion__full_name")
    filter_horizontal = ("product_areas",)
    fields = (
        "deal",
        "requested_by",
        "activity_type",
        "prospect_company",
        "prospect_industry",
        "prospect_region",
        "prospect_size_band",
        "prospect_timezone",
        "language",
        "use_case",
        "product_areas",
        "needed_by",
        "notes",
        "status",
        "champion",
        "story",
        "requested_at",
        "offer_due_at",
        "sla_flag",
        "offered_at",
        "accepted_at",
        "scheduled_for",
        "completed_at",
        "outcome",
        "fulfilled_at",
        "feedback",
        "feedback_rating",
    )
    readonly_fields = (
        "deal",
        "requested_by",
        "status",
        "champion",
        "story",
        "requested_at",
        "offer_due_at",
        "sla_flag",
        "offered_at",
        "accepted_at",
        "scheduled_for",
        "completed_at",
        "outcome",
        "fulfilled_at",
        "feedback",
        "feedback_rating",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReferenceRequest]:
        return selectors.request_queue()

    def get_ordering(self, request: HttpRequest) -> tuple[str, ...]:
        return ("closed_rank", "offer_due_at", "id")

    @admin.display(description="offer SLA")
    def sla_flag(self, obj: ReferenceRequest) -> SafeString:
        sla = selectors.request_sla(request=obj)
        weight = "bold" if sla.overdue else "normal"
        return format_html(
            '<span style="color:{};font-weight:{}">{}{}</span>',
            SLA_COLOURS[sla.state],
            weight,
            "⚠ " if sla.overdue else "",
            sla.label,
        )

    # --- adding goes through the service ----------------------------------------------

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        form = RequestCreateForm(request.POST or None, initial={"requested_by": request.user.pk})
        if request.method == "POST" and form.is_valid():
            try:
                created = services.request_create(**form.cleaned_data)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                return HttpResponseRedirect(change_url(created))
        return TemplateResponse(
            request,
            "admin/references/referencerequest/add.html",
            context(self, request, title="New reference request", form=form),
        )

    # --- the extra pages --------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/match/",
                wrap(self.match_view),
                name="references_referencerequest_match",
            ),
            path(
                "<path:object_id>/offer/",
                wrap(require_POST(self.offer_view)),
                name="references_referencerequest_offer",
            ),
            path(
                "<path:object_id>/step/<str:step>/",
                wrap(require_POST(self.step_view)),
                name="references_referencerequest_step",
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
        extra = {
            **(extra_context or {}),
            "offerable": OFFERABLE,
            "decline_reasons": DeclineReason.choices,
            "outcomes": RequestOutcome.choices,
        }
        return super().change_view(request, object_id, form_url, extra)

    def match_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        reference_request = object_for(self, request, object_id, change=False)
        candidates = matching.match_request(request=reference_request)
        return TemplateResponse(
            request,
            "admin/references/referencerequest/match.html",
            context(
                self,
                request,
                title=f"Champions for {reference_request.prospect_company}",
                original=reference_request,
                candidates=candidates,
                weights=matching.WEIGHTS,
                labels=matching.LABELS,
                can_offer=reference_request.status in OFFERABLE
                and self.has_change_permission(request, reference_request),
                sla=selectors.request_sla(request=reference_request),
            ),
        )

    def offer_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        reference_request = object_for(self, request, object_id, change=True)
        champion = Champion.objects.filter(pk=_int(request.POST.get("champion"))).first()
        story = ReferenceStory.objects.filter(pk=_int(request.POST.get("story"))).first()
        if champion is None:
            return back_to(reference_request)
        offered = run_service(
            request,
            lambda: services.request_offer(
                request=reference_request,
                champion=champion,
                offered_by=request.user,  # type: ignore[arg-type]
                story=story,
                score=_int(request.POST.get("score")) or None,
            ),
            f"Offered to {champion.full_name}.",
        )
        if not offered:
            return HttpResponseRedirect(
                reverse("admin:references_referencerequest_match", args=[reference_request.pk])
            )
        return back_to(reference_request)

    def step_view(self, request: HttpRequest, object_id: str, step: str) -> HttpResponse:
        reference_request = object_for(self, request, object_id, change=True)
        form_class = {
            "decline": DeclineForm,
            "schedule": ScheduleForm,
            "complete": CompleteForm,
            "feedback": FeedbackForm,
        }.get(step)
        data: dict[str, Any] = {}
        if form_class is not None:
            form = form_class(request.POST)
            if not form.is_valid():
                run_service(request, lambda: _raise_form_errors(form), "")
                return back_to(reference_request)
            data = form.cleaned_data
        r, actor = reference_request, request.user
        calls = {
            "accept": lambda: services.request_accept(request=r),
            "decline": lambda: services.request_decline(request=r, **data),
            "schedule": lambda: services.request_schedule(request=r, **data),
            "complete": lambda: services.request_complete(request=r, actor=actor, **data),  # type: ignore[arg-type]
            "feedback": lambda: services.request_record_feedback(request=r, **data),
        }
        if step in calls:
            run_service(request, calls[step], "Saved.")
        return back_to(reference_request)


def _raise_form_errors(form: forms.Form) -> None:
    problems = "; ".join(
        f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items()
    )
    raise DomainError(problems)


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


@admin.register(Deal)
class DealAdmin(CrmSyncPanelMixin, admin.ModelAdmin[Deal]):
    list_display = (
        "name",
        "account",
        "amount",
        "currency",
        "stage",
        "created_at",
        "close_date",
        "is_closed",
        "is_won",
        "has_reference",
    )
    list_filter = ("is_closed", "is_won", "stage")
    list_select_related = ("account",)
    search_fields = ("name", "crm_id", "account__name", "owner_email")
    raw_id_fields = ("account",)
    fieldsets = (
        (None, {"fields": ("name", ("crm_id", "crm_sync"), "account", "owner_email")}),
        ("Pipeline", {"fields": (("amount", "currency"), "stage", "created_at")}),
        ("Outcome", {"fields": ("is_closed", "is_won", "close_date")}),
    )
    readonly_fields = ("crm_sync",)

    def save_model(self, request: HttpRequest, obj: Deal, form: Any, change: bool) -> None:
        # Closing a deal can end its "influenced" flag (a reference after the close does not
        # count); a new or relinked deal is sent once it has a CRM id.
        super().save_model(request, obj, form, change)
        crm_mark_dirty(deal_ids=[obj.pk])

    def get_queryset(self, request: HttpRequest) -> QuerySet[Deal]:
        now = timezone.now()
        return (
            super().get_queryset(request).annotate(has_ref=selectors.deal_reference_exists(at=now))
        )

    @admin.display(description="has a reference", boolean=True)
    def has_reference(self, obj: Deal) -> bool:
        return bool(getattr(obj, "has_ref", False))


@admin.register(Attribution)
class AttributionAdmin(admin.ModelAdmin[Attribution]):
    """Created at fulfilment, never by hand."""

    list_display = ("date", "champion", "deal", "type", "story")
    list_filter = ("type",)
    list_select_related = ("champion__account", "deal", "story")
    search_fields = ("deal__name", "champion__full_name")
    date_hierarchy = "date"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
