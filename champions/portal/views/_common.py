"""Small helpers the portal views share."""

from __future__ import annotations

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from champions.errors import DomainError


def form_error(form: Form, error: DomainError) -> None:
    """A refused action becomes an error on the form field it names, or on the whole form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def back_to(request: HttpRequest, url_name: str, *args: object, anchor: str = "") -> HttpResponse:
    url = reverse(url_name, args=args)
    return HttpResponseRedirect(f"{url}#{anchor}" if anchor else url)


def refused(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, error.message)
