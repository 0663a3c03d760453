"""How the project writes an email to a person: a subject, a plain-text body and an HTML
alternative, each rendered from its template, with links that work from a mail client."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse


def templated_email(
    template: str, context: dict[str, Any], *, to: list[str]
) -> EmailMultiAlternatives:
    """The email `{template}_subject.txt`, `{template}.txt` and `{template}.html` make."""
    message = EmailMultiAlternatives(
        subject=render_to_string(f"{template}_subject.txt", context).strip(),
        body=render_to_string(f"{template}.txt", context),
        to=to,
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message


def site_link(viewname: str, *args: Any) -> str:
    """An absolute link to a page of this site (`SITE_URL`), for emails."""
    return f"{settings.SITE_URL}{reverse(viewname, args=args)}"
