"""Recognition in the portal: give kudos, my kudos, my good first contributions."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from champions.errors import DomainError
from champions.portal.decorators import PortalRequest, portal_view
from champions.portal.views._common import back_to, form_error, refused
from programs.recognition import services
from programs.recognition.models import GoodFirstContribution
from programs.recognition.portal import selectors
from programs.recognition.portal.forms import KudosForm


@require_http_methods(["GET", "POST"])
@portal_view
def kudos(request: PortalRequest) -> HttpResponse:
    champion = request.champion
    people = selectors.people_to_thank(champion=champion)
    form = KudosForm(
        request.POST if request.method == "POST" else None,
        initial={"to_champion": request.GET.get("to")},
        people=people,
    )
    if request.method == "POST" and form.is_valid():
        receiver = form.cleaned_data["to_champion"]
        try:
            services.kudos_give(
                from_champion=champion, to_champion=receiver, message=form.cleaned_data["message"]
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, f"Your thanks are on their way to {receiver.full_name}.")
            return back_to(request, "portal:recognition:index")
    context = {
        "form": form,
        "received": selectors.kudos_received(champion=champion),
        "given": selectors.kudos_given(champion=champion),
        "tasks": selectors.my_open_tasks(champion=champion),
        "done_count": selectors.my_done_task_count(champion=champion),
    }
    return render(request, "recognition/portal/index.html", context)


@require_POST
@portal_view
def release_task(request: PortalRequest, pk: int) -> HttpResponse:
    task = GoodFirstContribution.objects.filter(pk=pk, claimed_by=request.champion).first()
    if task is None:
        raise Http404
    try:
        services.good_first_contribution_release(task=task, champion=request.champion)
    except DomainError as error:
        refused(request, error)
    else:
        messages.info(request, f"“{task.title}” is open again for someone else.")
    return back_to(request, "portal:recognition:index", anchor="tasks")
