"""`{{ target|report_url }}`: where a champion reports a concern about a post, event or member.

Other apps drop in `{% include "governance/portal/_report_link.html" with target=question %}`.
"""

from __future__ import annotations

from django import template
from django.db.models import Model
from django.urls import reverse

from programs.governance.models import TARGET_MODELS

register = template.Library()


@register.filter
def report_url(target: Model | None) -> str:
    if target is None or target.pk is None:
        return ""
    kind = TARGET_MODELS.get(target._meta.label_lower)
    if kind is None:
        return ""
    return reverse("portal:governance:report", args=[kind, target.pk])
