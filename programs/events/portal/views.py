"""Events in the portal: list and month calendar, detail, register / cancel, .ics, check-in,
feedback. Thin doors into `programs.events.services`; every event is looked up through the
champion (`selectors.events_visible_to`), so anything they may not see is 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from champions.errors import DomainError
from champions.models import zone_or_utc
from champions.portal.decorators import PortalRequest, portal_view
from champions.portal.views._common import back_to, form_error, refused
from programs.events import services
from programs.events.ics import event_ics, event_ics_filename
from programs.events.models import Event, EventStatus, Registration, RegistrationStatus
from programs.events.portal import selectors
from programs.events.portal.forms import CheckInForm, EventFilterForm, FeedbackForm, parse_month
from programs.events.selectors import waitlist_position

PAGE_SIZE = 20


def _visible_event(request: PortalRequest, pk: int) -> Event:
    event = selectors.events_visible_to(champion=request.champion).filter(pk=pk).first()
    if event is None:
        raise Http404
    return event


def _my_registration(request: PortalRequest, event: Event) -> Registration | None:
    return Registration.objects.filter(event=event, champion=request.champion).first()


@portal_view
def event_list(request: PortalRequest) -> HttpResponse:
    champion = request.champion
    form = EventFilterForm(
        request.GET or None, guilds=selectors.guilds_with_events_for(champion=champion)
    )
    filters = form.filters()
    events = selectors.events_visible_to(champion=champion)
    if filters["kind"]:
        events = events.filter(kind=filters["kind"])
    if filters["guild"] is not None:
        events = events.filter(guild=filters["guild"])
    ordered = selectors.past(events) if filters["when"] == "past" else selectors.upcoming(events)
    page = Paginator(ordered, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "filters": filters, "page": page, "query": query.urlencode()}
    return render(request, "events/portal/list.html", context)


@portal_view
def event_calendar(request: PortalRequest) -> HttpResponse:
    champion = request.champion
    today = timezone.localtime(timezone=zone_or_utc(champion.timezone)).date()
    first = parse_month(request.GET.get("month"), default=today)
    month = selectors.month_calendar(
        events=selectors.events_visible_to(champion=champion),
        year=first.year,
        month=first.month,
        timezone_name=champion.timezone,
    )
    return render(request, "events/portal/calendar.html", {"month": month})


def _registration_context(request: PortalRequest, event: Event) -> dict[str, Any]:
    registration = _my_registration(request, event)
    active = registration is not None and registration.status != RegistrationStatus.CANCELLED
    now = timezone.now()
    seats_left = None
    if event.capacity is not None:
        seats_left = max(event.capacity - getattr(event, "registered_count", 0), 0)
    return {
        "event": event,
        "registration": registration if active else None,
        "position": waitlist_position(registration) if registration else None,
        "seats_left": seats_left,
        "can_register": event.status == EventStatus.SCHEDULED and event.starts_at > now,
        "can_cancel": event.status == EventStatus.SCHEDULED and event.ends_at > now,
    }


def _detail_context(
    request: PortalRequest,
    event: Event,
    *,
    checkin_form: CheckInForm | None = None,
    feedback_form: FeedbackForm | None = None,
) -> dict[str, Any]:
    context = _registration_context(request, event)
    registration: Registration | None = context["registration"]
    now = timezone.now()
    seated = registration is not None and registration.status == RegistrationStatus.REGISTERED
    checked_in = registration is not None and registration.checked_in_at is not None
    context.update(
        {
            "hosts": list(event.hosts.only("full_name", "title").order_by("full_name")),
            "presenters": list(event.presenters.only("full_name", "title").order_by("full_name")),
            "seated": seated,
            "checked_in": checked_in,
            "checkin_open": (
                seated
                and not checked_in
                and event.status == EventStatus.SCHEDULED
                and now >= event.starts_at - services.CHECKIN_OPENS_BEFORE_START
            )
            or checkin_form is not None,
            "checkin_form": checkin_form or CheckInForm(),
            # A refused feedback form stays on the page with its message.
            "feedback_open": (checked_in and now >= event.starts_at) or feedback_form is not None,
            "feedback_form": feedback_form
            or FeedbackForm(
                initial={
                    "rating": registration.feedback_rating if registration else None,
                    "comment": registration.feedback_comment if registration else "",
                }
            ),
        }
    )
    return context


@portal_view
def event_detail(request: PortalRequest, pk: int) -> HttpResponse:
    event = _visible_event(request, pk)
    return render(request, "events/portal/detail.html", _detail_context(request, event))


def _registration_changed(request: PortalRequest, event: Event) -> HttpResponse:
    if request.htmx:
        event = _visible_event(request, event.pk)  # fresh seat counts
        context = _registration_context(request, event)
        return render(request, "events/portal/_registration.html", context)
    return back_to(request, "portal:events:detail", event.pk)


@require_POST
@portal_view
def register(request: PortalRequest, pk: int) -> HttpResponse:
    event = _visible_event(request, pk)
    try:
        registration = services.registration_create(event=event, champion=request.champion)
    except DomainError as error:
        refused(request, error)
    else:
        if registration.status == RegistrationStatus.WAITLISTED:
            position = waitlist_position(registration)
            messages.info(
                request, f"{event.title} is full; you are number {position} on the waitlist."
            )
        else:
            messages.success(request, f"You have a seat at {event.title}.")
    return _registration_changed(request, event)


@require_POST
@portal_view
def cancel(request: PortalRequest, pk: int) -> HttpResponse:
    event = _visible_event(request, pk)
    registration = _my_registration(request, event)
    if registration is None:
        raise Http404
    try:
        services.registration_cancel(registration=registration)
    except DomainError as error:
        refused(request, error)
    else:
        messages.info(request, f"You cancelled your place at {event.title}.")
    return _registration_changed(request, event)


@portal_view
def ics(request: PortalRequest, pk: int) -> HttpResponse:
    event = _visible_event(request, pk)
    response = HttpResponse(event_ics(event), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{event_ics_filename(event)}"'
    return response


@require_POST
@portal_view
def check_in(request: PortalRequest, pk: int) -> HttpResponse:
    event = _visible_event(request, pk)
    form = CheckInForm(request.POST)
    registration = _my_registration(request, event)
    if form.is_valid():
        if registration is None:
            form.add_error(None, "Register for the event first; then check in with the code.")
        else:
            try:
                services.registration_check_in(
                    registration=registration, code=form.cleaned_data["code"]
                )
            except DomainError as error:
                form_error(form, error)
            else:
                messages.success(request, f"You are checked in. Enjoy {event.title}!")
                return back_to(request, "portal:events:detail", event.pk)
    context = _detail_context(request, event, checkin_form=form)
    return render(request, "events/portal/detail.html", context)


@require_POST
@portal_view
def feedback(request: PortalRequest, pk: int) -> HttpResponse:
    event = _visible_event(request, pk)
    registration = _my_registration(request, event)
    if registration is None:
        raise Http404
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            services.registration_feedback(
                registration=registration,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, "Thank you: your feedback helps the hosts.")
            return back_to(request, "portal:events:detail", event.pk, anchor="feedback")
    context = _detail_context(request, event, feedback_form=form)
    return render(request, "events/portal/detail.html", context)
