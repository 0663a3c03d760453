"""The library admin: changelists that do not grow in queries, uploads checked, actions."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from champions.models import Activity, ActivityKind
from programs.library.models import Template, TemplateKind, TemplateRating
from tests.factories import ChampionFactory
from tests.programs.factories import TemplateFactory

pytestmark = pytest.mark.django_db


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def _rated_templates(count: int) -> None:
    for template in TemplateFactory.create_batch(count):
        TemplateFactory(parent=template)
        TemplateRating.objects.create(template=template, champion=ChampionFactory(), rating=4)


@pytest.mark.parametrize(
    "changelist", ["admin:library_template_changelist", "admin:library_templaterating_changelist"]
)
def test_changelist_queries_do_not_grow_with_rows(
    admin_client_logged_in: Any, changelist: str
) -> None:
    url = reverse(changelist)
    _rated_templates(1)  # two templates (one forked) and one rating
    with_few = _queries(admin_client_logged_in, url)
    _rated_templates(12)  # 26 templates and 13 ratings

    assert _queries(admin_client_logged_in, url) == with_few


def test_an_upload_of_a_disallowed_type_is_refused_in_the_admin(
    admin_client_logged_in: Any,
) -> None:
    response = admin_client_logged_in.post(
        reverse("admin:library_template_add"),
        {
            "title": "Macro",
            "category": "other",
            "kind": TemplateKind.FILE,
            "file": SimpleUploadedFile("macro.exe", b"MZ"),
            "versions-TOTAL_FORMS": "0",
            "versions-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "not accepted" in response.content.decode()
    assert not Template.objects.exists()


def test_creating_and_editing_in_the_admin_makes_versions(
    admin_client_logged_in: Any, staff_user: Any
) -> None:
    data = {
        "title": "Guide",
        "category": "guide",
        "kind": TemplateKind.MARKDOWN,
        "body": "v1",
        "versions-TOTAL_FORMS": "0",
        "versions-INITIAL_FORMS": "0",
    }
    admin_client_logged_in.post(reverse("admin:library_template_add"), data)
    template = Template.objects.get()
    admin_client_logged_in.post(
        reverse("admin:library_template_change", args=[template.pk]), {**data, "body": "v2"}
    )

    assert [v.body for v in template.versions.order_by("number")] == ["v1", "v2"]
    template.refresh_from_db()
    assert (template.author_user, template.version) == (staff_user, 2)


def test_publish_and_feature_actions(admin_client_logged_in: Any) -> None:
    template = TemplateFactory(published_at=None)
    url = reverse("admin:library_template_changelist")

    admin_client_logged_in.post(url, {"action": "publish", "_selected_action": [template.pk]})
    admin_client_logged_in.post(url, {"action": "feature", "_selected_action": [template.pk]})

    template.refresh_from_db()
    assert template.published_at is not None
    assert template.featured is True
    assert Activity.objects.get().kind == ActivityKind.SHARED_TEMPLATE
