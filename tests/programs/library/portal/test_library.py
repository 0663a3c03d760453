"""The template library in the portal: browse, search, filter, download, fork and edit,
upload with size and type errors, rate; two champions in two accounts, query budgets."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from champions.models import Activity, ActivityKind, GuildVisibility
from programs.library.models import Template, TemplateCategory, TemplateKind, TemplateRating
from tests.factories import (
    ChampionFactory,
    GuildFactory,
    MembershipFactory,
    ProductAreaFactory,
)
from tests.programs.factories import TemplateFactory

pytestmark = pytest.mark.django_db


def _url(name: str, *args: Any) -> str:
    return reverse(f"portal:library:{name}", args=args)


@pytest.fixture
def checklist(champion_b: Any) -> Template:
    return TemplateFactory(
        title="Month-end checklist",
        description="Close the books in three days.",
        body="1. **Export**\n2. Reconcile\n\n<img src=x onerror=alert(1)>",
        category=TemplateCategory.CHECKLIST,
        author=champion_b,
    )


def test_browse_search_and_filter(client_a: Client, checklist: Template) -> None:
    area = ProductAreaFactory(name="Billing", slug="billing")
    guild = GuildFactory(slug="finance-ops")
    TemplateFactory(
        title="Sales dashboard",
        body="Pipeline",
        category=TemplateCategory.DASHBOARD,
        product_area=area,
        guild=guild,
    )
    page = client_a.get(_url("index")).content.decode()
    assert "Month-end checklist" in page and "Sales dashboard" in page
    cases = [
        ({"q": "books"}, "Month-end checklist"),
        ({"q": "reconcile"}, "Month-end checklist"),
        ({"category": "dashboard"}, "Sales dashboard"),
        ({"product_area": "billing"}, "Sales dashboard"),
        ({"guild": "finance-ops"}, "Sales dashboard"),
    ]
    for params, expected in cases:
        found = client_a.get(_url("index"), params).content.decode()
        other = {"Month-end checklist", "Sales dashboard"} - {expected}
        assert expected in found and other.pop() not in found, params


def test_drafts_and_hidden_guild_templates_are_404_for_others(
    client_a: Client, client_b: Client, champion_b: Any
) -> None:
    draft = TemplateFactory(title="B's draft", author=champion_b, published_at=None)
    hidden = GuildFactory(slug="b-circle", visibility=GuildVisibility.HIDDEN)
    MembershipFactory(guild=hidden, champion=champion_b)
    secret = TemplateFactory(title="Circle secret", guild=hidden, author=champion_b)
    for template in (draft, secret):
        assert client_a.get(_url("detail", template.pk)).status_code == 404
        for name in ("download", "fork", "rate", "publish"):
            assert client_a.post(_url(name, template.pk), {"rating": 5}).status_code == 404
        assert client_a.get(_url("edit", template.pk)).status_code == 404
    listing = client_a.get(_url("index")).content.decode()
    assert "B&#x27;s draft" not in listing and "Circle secret" not in listing
    assert not TemplateRating.objects.exists() and Template.objects.count() == 2
    assert client_b.get(_url("detail", draft.pk)).status_code == 200


def test_markdown_is_rendered_safely(client_a: Client, checklist: Template) -> None:
    page = client_a.get(_url("detail", checklist.pk)).content.decode()
    assert "<strong>Export</strong>" in page and "onerror" not in page


def test_download_counts_and_records_reuse(
    client_a: Client, champion_a: Any, checklist: Template
) -> None:
    assert client_a.get(_url("download", checklist.pk)).status_code == 405  # never on a GET
    response = client_a.post(_url("download", checklist.pk))
    assert response["Content-Disposition"] == 'attachment; filename="month-end-checklist.md"'
    assert response.content.decode().startswith("1. **Export**")
    checklist.refresh_from_db()
    assert checklist.download_count == 1
    assert Activity.objects.filter(champion=champion_a, kind=ActivityKind.REUSED_TEMPLATE).exists()


def test_link_template_download_redirects_to_the_link(client_a: Client, champion_b: Any) -> None:
    link = TemplateFactory(kind=TemplateKind.LINK, body="", link="https://docs.example.com/x")
    response = client_a.post(_url("download", link.pk))
    assert response.status_code == 302 and response["Location"] == "https://docs.example.com/x"


def test_fork_then_edit_makes_versions_and_publish(
    client_a: Client, client_b: Client, champion_a: Any, checklist: Template
) -> None:
    response = client_a.post(_url("fork", checklist.pk), {"title": "Our close checklist"})
    copy = Template.objects.get(parent=checklist)
    assert response["Location"] == _url("edit", copy.pk)
    assert (copy.author, copy.published_at, copy.title) == (champion_a, None, "Our close checklist")
    assert client_b.get(_url("edit", copy.pk)).status_code == 404
    assert client_a.post(_url("edit", checklist.pk)).status_code == 404  # B's template
    response = client_a.post(
        _url("edit", copy.pk),
        {
            "title": "Our close checklist",
            "description": "Adapted for retail",
            "body": "1. Export\n2. Count stock",
            "note": "Added stock count",
            "author": champion_a.pk,
            "featured": "on",
            "download_count": 999,
        },
    )
    assert response.status_code == 302
    copy.refresh_from_db()
    assert copy.version == 2 and "Count stock" in copy.body
    assert (copy.featured, copy.download_count) == (False, 0)
    client_a.post(_url("publish", copy.pk))
    copy.refresh_from_db()
    assert copy.published_at is not None


def test_upload_a_file_and_its_errors_name_the_limit(
    client_a: Client, champion_a: Any, settings: Any
) -> None:
    settings.TEMPLATE_MAX_UPLOAD_MB = 1
    form_page = client_a.get(_url("upload")).content.decode()
    assert "Up to 1 MB" in form_page
    base = {"title": "Stock count", "category": "checklist", "kind": "file"}
    too_big = SimpleUploadedFile("count.csv", b"x" * (1024 * 1024 + 1), "text/csv")
    page = client_a.post(_url("upload"), {**base, "file": too_big}).content.decode()
    assert "the limit is 1 MB" in page
    wrong_type = SimpleUploadedFile("run.exe", b"MZ", "application/octet-stream")
    page = client_a.post(_url("upload"), {**base, "file": wrong_type}).content.decode()
    assert "“.exe” files are not accepted" in page and ".csv" in page
    page = client_a.post(_url("upload"), base).content.decode()
    assert "A file template needs a file" in page
    assert not Template.objects.exists()
    good = SimpleUploadedFile("count.csv", b"sku,qty\n", "text/csv")
    response = client_a.post(_url("upload"), {**base, "file": good, "author": 999})
    assert response.status_code == 302
    template = Template.objects.get()
    assert template.author == champion_a and template.published_at is None
    download = client_a.post(_url("download", template.pk), follow=True)
    assert "is a draft and not published yet" in download.content.decode()
    client_a.post(_url("publish", template.pk))
    download = client_a.post(_url("download", template.pk))
    assert b"".join(download.streaming_content) == b"sku,qty\n"  # type: ignore[attr-defined]
    assert 'filename="count' in download["Content-Disposition"]


def test_upload_files_only_under_my_guilds(
    client_a: Client, champion_a: Any, champion_b: Any
) -> None:
    mine = GuildFactory(name="Mine", slug="mine")
    MembershipFactory(guild=mine, champion=champion_a)
    other = GuildFactory(name="Not mine", slug="not-mine")
    base = {"title": "Guide", "category": "guide", "kind": "markdown", "body": "# Hi"}
    page = client_a.post(_url("upload"), {**base, "guild": other.pk}).content.decode()
    assert "Select a valid choice" in page
    assert client_a.post(_url("upload"), {**base, "guild": mine.pk}).status_code == 302
    assert Template.objects.get().guild == mine


def test_rate_in_place_and_not_ones_own(
    client_a: Client, client_b: Client, champion_a: Any, checklist: Template
) -> None:
    response = client_a.post(_url("rate", checklist.pk), {"rating": "4"}, HTTP_HX_REQUEST="true")
    fragment = response.content.decode()
    assert 'id="rating"' in fragment and "<html" not in fragment and "★ 4.0" in fragment
    assert TemplateRating.objects.get().rating == 4
    refused = client_b.post(_url("rate", checklist.pk), {"rating": "5"}, follow=True)
    refused = refused.content.decode()
    assert "cannot rate your own template" in refused
    bad = client_a.post(_url("rate", checklist.pk), {"rating": "7"}).content.decode()
    assert "Select a valid choice" in bad
    assert TemplateRating.objects.get().rating == 4


def test_list_query_count_is_the_same_for_few_and_many(
    client_a: Client, checklist: Template, django_assert_max_num_queries: Any
) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client_a.get(_url("index"), {"q": "checklist"}).status_code == 200
        return len(queries)

    few = count()
    for _ in range(30):
        TemplateFactory(author=ChampionFactory(), guild=GuildFactory())
    assert count() == few
    with django_assert_max_num_queries(8):
        client_a.get(_url("index"))


def test_detail_and_mine_query_budgets(
    client_a: Client, champion_a: Any, checklist: Template, django_assert_max_num_queries: Any
) -> None:
    for _ in range(12):
        TemplateFactory(author=champion_a, parent=checklist)
    with django_assert_max_num_queries(7):
        assert client_a.get(_url("detail", checklist.pk)).status_code == 200
    with django_assert_max_num_queries(5):
        assert client_a.get(_url("mine")).status_code == 200


def test_guild_page_lists_its_templates(client_a: Client, checklist: Template) -> None:
    guild = GuildFactory(name="Finance ops", slug="finance-ops")
    checklist.guild = guild
    checklist.save()
    page = client_a.get(reverse("portal:guild", args=["finance-ops"])).content.decode()
    assert "Month-end checklist" in page


def test_upload_and_edit_query_budgets(
    client_a: Client, champion_a: Any, django_assert_max_num_queries: Any
) -> None:
    mine = TemplateFactory(author=champion_a)
    for _ in range(12):
        MembershipFactory(guild=GuildFactory(), champion=champion_a)
        TemplateFactory(author=champion_a, parent=mine)
    with django_assert_max_num_queries(6):
        assert client_a.get(_url("upload")).status_code == 200
    with django_assert_max_num_queries(7):
        assert client_a.get(_url("edit", mine.pk)).status_code == 200
