"""Onboarding: welcome, profile, buddy, good first contributions, and finishing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from champions import selectors, services
from champions.errors import DomainError
from champions.models import Champion, ChampionState
from champions.portal import onboarding as onboarding_hooks
from champions.portal.core_panels import optional_model
from champions.portal.decorators import PortalRequest, portal_view
from champions.portal.forms import ProfileForm
from champions.portal.panels import ONBOARDING
from champions.portal.views._common import back_to, form_error, refused

GOOD_FIRST_CONTRIBUTIONS_SHOWN = 3


def _progress(champion: Champion) -> selectors.OnboardingProgress:
    return selectors.onboarding_progress(
        champion=champion, extra_steps=onboarding_hooks.extra_steps(champion)
    )


def good_first_contributions(champion: Champion) -> dict[str, Any]:
    """Open good first contributions, those of the champion's guilds first (if the app has them).

    Claiming goes through the recognition app's service when it provides one.
    """
    model = optional_model("recognition", "GoodFirstContribution")
    if model is None:
        return {"available": False, "items": [], "mine": [], "can_claim": False}
    my_guilds = list(champion.memberships.values_list("guild_id", flat=True))
    open_items: list[Any] = list(
        model._default_manager.filter(claimed_by__isnull=True, done_at__isnull=True)
        .select_related("guild")
        .order_by("-created_at")[:50]
    )
    open_items.sort(key=lambda item: item.guild_id not in my_guilds)
    mine = list(
        model._default_manager.filter(claimed_by=champion, done_at__isnull=True).select_related(
            "guild"
        )
    )
    return {
        "available": True,
        "items": open_items[:GOOD_FIRST_CONTRIBUTIONS_SHOWN],
        "mine": mine,
        "can_claim": _recognition_service("good_first_contribution_claim") is not None,
        "can_complete": _recognition_service("good_first_contribution_complete") is not None,
    }


def _recognition_service(name: str) -> Any:
    """A service of the recognition app, if it is installed and has it (`(*, task, champion)`)."""
    if optional_model("recognition", "GoodFirstContribution") is None:
        return None
    try:
        from programs.recognition import services as recognition_services
    except ImportError:
        return None
    return getattr(recognition_services, name, None)


def _welcome_context(request: PortalRequest, profile_form: ProfileForm) -> dict[str, Any]:
    champion = request.champion
    buddy = champion.buddy if champion.buddy_id else None
    if buddy is not None and (buddy.erased_at or buddy.state == ChampionState.ALUMNI):
        buddy = None  # a buddy who left cannot help; suggest another
    return {
        "progress": _progress(champion),
        "profile_form": profile_form,
        "buddy": buddy,
        "suggestions": [] if buddy else selectors.buddy_suggestions(champion=champion),
        "contributions": good_first_contributions(champion),
        "panels": ONBOARDING.render(request, champion),
        "onboarding": champion.state == ChampionState.ONBOARDING,
    }


@portal_view
def welcome(request: PortalRequest) -> HttpResponse:
    form = ProfileForm(champion=request.champion)
    return render(request, "portal/welcome.html", _welcome_context(request, form))


@portal_view
def profile(request: PortalRequest) -> HttpResponse:
    """The profile form, on its own page; the welcome page posts here too."""
    champion = request.champion
    form = ProfileForm(request.POST if request.method == "POST" else None, champion=champion)
    from_welcome = request.POST.get("from") == "welcome"
    if request.method == "POST" and form.is_valid():
        try:
            services.champion_update_profile(champion=champion, **form.service_arguments())
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, "Your profile is saved.")
            if from_welcome:
                return back_to(request, "portal:welcome", anchor="buddy")
            return back_to(request, "portal:profile")
    if from_welcome:
        return render(request, "portal/welcome.html", _welcome_context(request, form))
    return render(request, "portal/profile.html", {"form": form})


@require_POST
@portal_view
def buddy_request(request: PortalRequest) -> HttpResponse:
    champion = request.champion
    suggestion = None
    if request.POST.get("suggestion"):
        suggestions = {str(c.pk): c for c in selectors.buddy_suggestions(champion=champion)}
        suggestion = suggestions.get(request.POST["suggestion"])
        if suggestion is None:  # only a suggestion the portal made can be named
            raise Http404
    try:
        services.buddy_request(champion=champion, suggestion=suggestion)
    except DomainError as error:
        refused(request, error)
    else:
        messages.success(
            request, "We asked the program team to pair you with a buddy. They will be in touch."
        )
    return back_to(request, "portal:welcome", anchor="buddy")


def _act_on_contribution(request: PortalRequest, pk: int, service_name: str) -> HttpResponse:
    model = optional_model("recognition", "GoodFirstContribution")
    service = _recognition_service(service_name)
    if model is None or service is None:
        raise Http404
    # Open tasks anyone may claim; a claimed one only its champion may complete.
    mine_or_open = Q(claimed_by__isnull=True) | Q(claimed_by=request.champion)
    task = model._default_manager.filter(mine_or_open, pk=pk, done_at__isnull=True).first()
    if task is None:
        raise Http404
    try:
        service(task=task, champion=request.champion)
    except DomainError as error:
        refused(request, error)
    else:
        if service_name.endswith("_claim"):
            messages.success(request, f"“{task}” is yours. Thank you!")
        else:
            messages.success(request, f"“{task}” is done. Thank you for helping!")
    return back_to(request, "portal:welcome", anchor="contributions")


@require_POST
@portal_view
def claim_contribution(request: PortalRequest, pk: int) -> HttpResponse:
    return _act_on_contribution(request, pk, "good_first_contribution_claim")


@require_POST
@portal_view
def complete_contribution(request: PortalRequest, pk: int) -> HttpResponse:
    return _act_on_contribution(request, pk, "good_first_contribution_complete")


@require_POST
@portal_view
def finish(request: PortalRequest) -> HttpResponse:
    champion = request.champion
    if champion.state != ChampionState.ONBOARDING:
        return redirect("portal:home")
    progress = _progress(champion)
    if not progress.ready_to_finish:
        missing = [step.label.lower() for step in progress.steps if step.required and not step.done]
        messages.error(request, "Almost there. Still to do: " + "; ".join(missing) + ".")
        return back_to(request, "portal:welcome", anchor="progress")
    try:
        services.champion_activate(champion=champion)
    except DomainError as error:
        refused(request, error)
        return back_to(request, "portal:welcome")
    messages.success(request, "Welcome aboard: you are an active champion now.")
    return redirect("portal:home")
