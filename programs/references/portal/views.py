"""References in the portal: my stories (read the exact version, sign off or ask for
changes, what changed since I signed), my reference requests (accept, decline with a reason,
propose times), my availability. Thin doors into `programs.references.services`; stories
and requests are looked up through the champion, so anyone else's are 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from champions.errors import DomainError
from champions.portal.decorators import PortalRequest, portal_view
from champions.portal.views._common import back_to, form_error, refused
from programs.references import services
from programs.references.models import ReferenceRequest, ReferenceStory, RequestStatus
from programs.references.portal import selectors
from programs.references.portal.forms import (
    DeclineForm,
    ProposeTimesForm,
    RequestChangesForm,
    SignOffForm,
)
from programs.references.selectors import story_version_diff


@portal_view
def index(request: PortalRequest) -> HttpResponse:
    champion = request.champion
    context = {
        "stories": list(selectors.my_stories(champion=champion)[:50]),
        "requests": list(selectors.my_open_requests(champion=champion)),
        "history": selectors.my_past_offers(champion=champion),
        "load": selectors.my_reference_load(champion=champion),
    }
    return render(request, "references/portal/index.html", context)


# --- stories ---------------------------------------------------------------------------------


def _my_story(request: PortalRequest, pk: int) -> ReferenceStory:
    story = selectors.my_story(champion=request.champion, pk=pk)
    if story is None:
        raise Http404
    return story


def diff_lines(diff: str) -> list[tuple[str, str]]:
    """A unified diff as (kind, line) pairs for the page: added, removed, hunk or context."""
    kinds = {"+": "added", "-": "removed", "@": "hunk"}
    return [
        (kinds.get(line[:1], "context"), line)
        for line in diff.splitlines()
        if not line.startswith(("+++", "---"))
    ]


def _story_context(
    request: PortalRequest, story: ReferenceStory, *, changes_form: RequestChangesForm | None = None
) -> dict[str, Any]:
    reading = selectors.story_reading(story=story, champion=request.champion)
    diff: list[tuple[str, str]] = []
    if reading.signed_earlier_version and reading.my_last_sign_off and reading.current:
        diff = diff_lines(
            story_version_diff(
                story=story,
                old=reading.my_last_sign_off.version.number,
                new=reading.current.number,
            )
        )
    return {
        "story": story,
        "reading": reading,
        "diff": diff,
        "consents": selectors.story_consents_for(story=story, champion=request.champion),
        "sign_off_form": SignOffForm(initial={"content_hash": story.content_hash}),
        "changes_form": changes_form or RequestChangesForm(),
        "awaiting_me": story.status == "awaiting_sign_off" and not story.signed_current,  # type: ignore[attr-defined]
    }


@portal_view
def story_detail(request: PortalRequest, pk: int) -> HttpResponse:
    story = _my_story(request, pk)
    return render(request, "references/portal/story.html", _story_context(request, story))


@require_POST
@portal_view
def story_sign_off(request: PortalRequest, pk: int) -> HttpResponse:
    story = _my_story(request, pk)
    form = SignOffForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Open the story again and sign off the text you read.")
        return back_to(request, "portal:references:story", story.pk)
    try:
        services.story_sign_off(
            story=story,
            champion=request.champion,
            content_hash=form.cleaned_data["content_hash"],
            actor=request.user,  # type: ignore[arg-type]
        )
    except DomainError as error:
        refused(request, error)
    else:
        messages.success(
            request, f"You signed off version {story.version_number} of “{story.title}”."
        )
    return back_to(request, "portal:references:story", story.pk)


@require_POST
@portal_view
def story_request_changes(request: PortalRequest, pk: int) -> HttpResponse:
    story = _my_story(request, pk)
    form = RequestChangesForm(request.POST)
    if form.is_valid():
        try:
            services.story_request_changes(
                story=story, champion=request.champion, note=form.cleaned_data["note"]
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, "The program team has your note and will revise the story.")
            return back_to(request, "portal:references:story", story.pk)
    context = _story_context(request, story, changes_form=form)
    return render(request, "references/portal/story.html", context)


# --- reference requests ----------------------------------------------------------------------


def _my_request(request: PortalRequest, pk: int) -> ReferenceRequest:
    found = selectors.my_request(champion=request.champion, pk=pk)
    if found is None:
        raise Http404
    return found


def _request_context(
    request: PortalRequest,
    found: ReferenceRequest,
    *,
    decline_form: DeclineForm | None = None,
    times_form: ProposeTimesForm | None = None,
) -> dict[str, Any]:
    return {
        "ref": found,
        "product_areas": list(found.product_areas.only("name")),
        "decline_form": decline_form or DeclineForm(),
        "times_form": times_form or ProposeTimesForm(timezone_name=request.champion.timezone),
        "can_answer": found.status == RequestStatus.OFFERED,
        "can_propose": found.status in (RequestStatus.OFFERED, RequestStatus.ACCEPTED),
        "can_back_out": found.status in (RequestStatus.ACCEPTED, RequestStatus.SCHEDULED),
    }


@portal_view
def request_detail(request: PortalRequest, pk: int) -> HttpResponse:
    found = _my_request(request, pk)
    return render(request, "references/portal/request.html", _request_context(request, found))


@require_POST
@portal_view
def request_accept(request: PortalRequest, pk: int) -> HttpResponse:
    found = _my_request(request, pk)
    try:
        services.request_accept(request=found)
    except DomainError as error:
        refused(request, error)
    else:
        messages.success(request, "Thank you! The program team will agree a time with you.")
    return back_to(request, "portal:references:request", found.pk)


@require_POST
@portal_view
def request_decline(request: PortalRequest, pk: int) -> HttpResponse:
    found = _my_request(request, pk)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.request_decline(
                request=found, reason=form.cleaned_data["reason"], note=form.cleaned_data["note"]
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.info(
                request, "Declined. Thank you for saying so; it goes to another champion."
            )
            return back_to(request, "portal:references:index")
    context = _request_context(request, found, decline_form=form)
    return render(request, "references/portal/request.html", context)


@require_POST
@portal_view
def request_propose_times(request: PortalRequest, pk: int) -> HttpResponse:
    found = _my_request(request, pk)
    form = ProposeTimesForm(request.POST, timezone_name=request.champion.timezone)
    if form.is_valid():
        try:
            services.request_propose_times(
                request=found,
                champion=request.champion,
                times=form.times(),
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, "Your times are sent. The seller confirms one with you.")
            return back_to(request, "portal:references:request", found.pk)
    context = _request_context(request, found, times_form=form)
    return render(request, "references/portal/request.html", context)


# --- availability ----------------------------------------------------------------------------


@require_POST
@portal_view
def availability(request: PortalRequest) -> HttpResponse:
    paused = request.POST.get("paused") == "yes"
    services.champion_pause_references(champion=request.champion, paused=paused)
    if paused:
        messages.info(request, "You are on a break from references. Resume whenever you like.")
    else:
        messages.success(request, "Welcome back: you can be asked for references again.")
    return back_to(request, "portal:references:index", anchor="availability")
