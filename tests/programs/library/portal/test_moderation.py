"""A hidden template is gone for every champion, its author included; others' templates
offer a "report a concern" link (governance)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from programs.governance.services import content_hide
from tests.programs.factories import TemplateFactory

pytestmark = pytest.mark.django_db


def test_a_hidden_template_is_gone_from_the_library_search_and_its_page(
    client_a: Client, client_b: Client, champion_b: Any, staff_user: Any
) -> None:
    template = TemplateFactory(author=champion_b, title="Dubious checklist")
    pages = [
        reverse("portal:library:index"),
        reverse("portal:library:index") + "?q=dubious",
    ]
    detail = reverse("portal:library:detail", args=[template.pk])
    for page in pages:
        assert "Dubious checklist" in client_a.get(page).content.decode(), page
    assert client_a.get(detail).status_code == 200
    content_hide(target=template, by=staff_user, reason="Copied material")
    for page in pages:
        assert "Dubious checklist" not in client_a.get(page).content.decode(), page
    assert client_a.get(detail).status_code == 404
    assert client_b.get(detail).status_code == 404
    assert "Dubious checklist" not in client_b.get(reverse("portal:library:mine")).content.decode()
    download = client_a.post(reverse("portal:library:download", args=[template.pk]))
    assert download.status_code == 404
    template.refresh_from_db()
    assert template.download_count == 0


def test_others_templates_offer_a_report_link_and_ones_own_do_not(
    client_a: Client, client_b: Client, champion_b: Any
) -> None:
    template = TemplateFactory(author=champion_b)
    detail = reverse("portal:library:detail", args=[template.pk])
    link = reverse("portal:governance:report", args=["template", template.pk])
    assert link in client_a.get(detail).content.decode()
    assert link not in client_b.get(detail).content.decode()
