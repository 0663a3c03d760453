"""The template library in the portal: browse, search, filter, download, fork and edit,
upload, rate. Thin doors into `programs.library.services`; templates are looked up through
the champion (`selectors.template_for`), so drafts of others and templates of hidden guilds
they are not in are 404."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any, cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST

from champions.errors import DomainError
from champions.portal.decorators import PortalRequest, portal_view
from champions.portal.views._common import back_to, form_error, refused
from programs.library import services
from programs.library.models import Template, TemplateKind
from programs.library.portal import selectors
from programs.library.portal.forms import (
    ForkForm,
    RateForm,
    TemplateEditForm,
    TemplateFilterForm,
    TemplateUploadForm,
)
from programs.library.selectors import template_body_html

PAGE_SIZE = 18


def _template(request: PortalRequest, pk: int) -> Template:
    template = selectors.template_for(champion=request.champion, pk=pk)
    if template is None:
        raise Http404
    return template


def _my_template(request: PortalRequest, pk: int) -> Template:
    """One of the champion's own templates (to edit or publish); anyone else's is 404."""
    template = _template(request, pk)
    if template.author_id != request.champion.pk:
        raise Http404
    return template


@portal_view
def template_list(request: PortalRequest) -> HttpResponse:
    champion = request.champion
    form = TemplateFilterForm(
        request.GET or None, guilds=selectors.guilds_for_filter(champion=champion)
    )
    filters = form.filters()
    templates = selectors.templates_visible_to(champion=champion)
    if filters["q"]:
        templates = selectors.template_search(templates, filters["q"])
    if filters["category"]:
        templates = templates.filter(category=filters["category"])
    if filters["product_area"] is not None:
        templates = templates.filter(product_area=filters["product_area"])
    if filters["guild"] is not None:
        templates = templates.filter(guild=filters["guild"])
    page = Paginator(templates, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "filters": filters, "page": page, "query": query.urlencode()}
    return render(request, "library/portal/list.html", context)


@portal_view
def mine(request: PortalRequest) -> HttpResponse:
    templates = list(selectors.my_templates(champion=request.champion)[:100])
    return render(request, "library/portal/mine.html", {"templates": templates})


def _detail_context(
    request: PortalRequest, template: Template, *, rate_form: RateForm | None = None
) -> dict[str, Any]:
    is_author = template.author_id == request.champion.pk
    return {
        "template": template,
        "is_author": is_author,
        "body_html": template_body_html(template) if template.kind == TemplateKind.MARKDOWN else "",
        "versions": list(template.versions.only("number", "note", "created_at")[:10]),
        "rate_form": rate_form or RateForm(initial={"rating": template.my_rating}),  # type: ignore[attr-defined]
        "fork_form": ForkForm(),
        "file_name": PurePath(template.file.name or "").name if template.file else "",
    }


@portal_view
def template_detail(request: PortalRequest, pk: int) -> HttpResponse:
    template = _template(request, pk)
    return render(request, "library/portal/detail.html", _detail_context(request, template))


def _file_response(template: Template) -> HttpResponse:
    if template.kind == TemplateKind.LINK:
        return HttpResponseRedirect(template.link)
    if template.kind == TemplateKind.MARKDOWN:
        response = HttpResponse(template.body, content_type="text/markdown; charset=utf-8")
        name = f"{slugify(template.title) or 'template'}.md"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    try:
        handle = template.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file of this template is missing.") from None
    name = PurePath(template.file.name or "").name
    # A streamed file; `portal_view` is typed for HttpResponse, which Django treats alike.
    return cast(HttpResponse, FileResponse(handle, as_attachment=True, filename=name))


@require_POST
@portal_view
def download(request: PortalRequest, pk: int) -> HttpResponse:
    """Downloads (and opening a link template) are counted as reuse, so they are POSTs: a
    prefetching browser or a crawler following links does not count."""
    template = _template(request, pk)
    try:
        services.template_download(template=template, champion=request.champion)
    except DomainError as error:
        refused(request, error)
        return back_to(request, "portal:library:detail", template.pk)
    return _file_response(template)


@require_POST
@portal_view
def fork(request: PortalRequest, pk: int) -> HttpResponse:
    template = _template(request, pk)
    form = ForkForm(request.POST)
    title = form.cleaned_data["title"] if form.is_valid() else ""
    try:
        copy = services.template_fork(template=template, champion=request.champion, title=title)
    except DomainError as error:
        refused(request, error)
        return back_to(request, "portal:library:detail", template.pk)
    messages.success(request, "Your own copy is ready. Adapt it, then publish it for others.")
    return back_to(request, "portal:library:edit", copy.pk)


@require_http_methods(["GET", "POST"])
@portal_view
def edit(request: PortalRequest, pk: int) -> HttpResponse:
    template = _my_template(request, pk)
    form = TemplateEditForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        template=template,
    )
    if request.method == "POST" and form.is_valid():
        try:
            version = services.template_update(
                template=template,
                by_user=request.user,  # type: ignore[arg-type]
                **form.service_arguments(),
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, f"Saved as version {version.number}.")
            return back_to(request, "portal:library:detail", template.pk)
    return render(request, "library/portal/edit.html", {"form": form, "template": template})


@require_POST
@portal_view
def publish(request: PortalRequest, pk: int) -> HttpResponse:
    template = _my_template(request, pk)
    try:
        services.template_publish(template=template, by_user=request.user)  # type: ignore[arg-type]
    except DomainError as error:
        refused(request, error)
    else:
        messages.success(request, f"“{template.title}” is published in the library. Thank you!")
    return back_to(request, "portal:library:detail", template.pk)


@require_http_methods(["GET", "POST"])
@portal_view
def upload(request: PortalRequest) -> HttpResponse:
    champion = request.champion
    form = TemplateUploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        guilds=selectors.guilds_to_share_in(champion=champion),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            template = services.template_create(
                author=champion,
                title=data["title"],
                kind=data["kind"],
                description=data["description"],
                category=data["category"],
                product_area_id=data["product_area"].pk if data["product_area"] else None,
                guild_id=data["guild"].pk if data["guild"] else None,
                file=data["file"],
                link=data["link"],
                body=data["body"],
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, "Saved as a draft. Check it, then publish it.")
            return back_to(request, "portal:library:detail", template.pk)
    return render(request, "library/portal/upload.html", {"form": form})


@require_POST
@portal_view
def rate(request: PortalRequest, pk: int) -> HttpResponse:
    template = _template(request, pk)
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            services.template_rate(
                template=template, champion=request.champion, rating=form.cleaned_data["rating"]
            )
        except DomainError as error:
            refused(request, error)
        else:
            messages.success(request, "Thanks for rating it.")
    if request.htmx:
        template = _template(request, pk)
        fresh_form = RateForm(initial={"rating": template.my_rating})  # type: ignore[attr-defined]
        context = {"template": template, "rate_form": fresh_form if form.is_valid() else form}
        return render(request, "library/portal/_rating.html", context)
    if form.errors:
        context = _detail_context(request, template, rate_form=form)
        return render(request, "library/portal/detail.html", context)
    return back_to(request, "portal:library:detail", template.pk, anchor="rating")
