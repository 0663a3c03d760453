"""Creating, editing, publishing, downloading, forking and rating templates."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from champions.errors import DomainError
from champions.models import Activity, ActivityKind, ActivityLevel, ActivitySource
from programs.library import selectors, services
from programs.library.models import TemplateKind
from tests.factories import ChampionFactory, GuildFactory, StaffFactory
from tests.programs.factories import TemplateFactory

pytestmark = pytest.mark.django_db


def _upload(name: str, size: int = 100) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"x" * size)


def test_a_file_template_is_created_as_a_draft_with_its_first_version() -> None:
    author = ChampionFactory()

    template = services.template_create(
        title="Churn dashboard", kind=TemplateKind.FILE, author=author, file=_upload("churn.xlsx")
    )

    assert template.published_at is None
    assert template.author_user == author.user
    assert template.file.name.endswith(".xlsx")
    assert [v.number for v in template.versions.all()] == [1]
    assert not Activity.objects.exists()


@pytest.mark.parametrize("name", ["payload.exe", "report.pdf.exe", "script.js", "noextension"])
def test_a_disallowed_file_type_is_refused_naming_the_allowed_types(name: str) -> None:
    with pytest.raises(DomainError, match=r"allowed types: \.csv, \.docx") as error:
        services.template_create(
            title="x", kind=TemplateKind.FILE, author=ChampionFactory(), file=_upload(name)
        )
    assert error.value.field == "file"


def test_an_oversized_upload_is_refused_naming_the_limit(settings: Any) -> None:
    settings.TEMPLATE_MAX_UPLOAD_MB = 1

    with pytest.raises(DomainError, match="the limit is 1 MB") as error:
        services.template_create(
            title="Big",
            kind=TemplateKind.FILE,
            author=ChampionFactory(),
            file=_upload("big.csv", size=1024 * 1024 + 1),
        )
    assert error.value.field == "file"


@pytest.mark.parametrize(
    ("kind", "field"),
    [(TemplateKind.FILE, "file"), (TemplateKind.LINK, "link"), (TemplateKind.MARKDOWN, "body")],
)
def test_each_kind_needs_its_content(kind: str, field: str) -> None:
    with pytest.raises(DomainError) as error:
        services.template_create(
            title="Empty", kind=kind, author=ChampionFactory(), link="javascript:alert(1)"
        )
    assert error.value.field == field


def test_publishing_is_a_shared_template_activity_of_the_author() -> None:
    author = ChampionFactory()
    template = TemplateFactory(author=author, published_at=None, guild=GuildFactory())

    services.template_publish(template=template, by_user=author.user, source=ActivitySource.PORTAL)
    services.template_publish(template=template, by_user=author.user)

    template.refresh_from_db()
    activity = Activity.objects.get()
    assert (activity.kind, activity.level, activity.champion) == (
        ActivityKind.SHARED_TEMPLATE,
        ActivityLevel.CONTRIBUTOR,
        author,
    )
    assert activity.occurred_at == template.published_at
    assert activity.guild == template.guild


def test_only_the_author_or_staff_publish() -> None:
    template = TemplateFactory(published_at=None)

    with pytest.raises(DomainError, match="Only the author"):
        services.template_publish(template=template, by_user=ChampionFactory().user)
    services.template_publish(template=template, by_user=StaffFactory())


def test_a_staff_template_is_published_without_an_activity() -> None:
    staff = StaffFactory()
    template = services.template_create(
        title="Program guide", kind=TemplateKind.LINK, author_user=staff, link="https://x.example/g"
    )

    services.template_publish(template=template, by_user=staff)

    assert not Activity.objects.exists()


def test_downloading_a_peers_template_is_reuse_and_a_first_value_moment() -> None:
    template = TemplateFactory()
    reuser = ChampionFactory()
    before = timezone.now()

    services.template_download(template=template, champion=reuser)
    services.template_download(template=template, champion=reuser)

    template.refresh_from_db()
    assert template.download_count == 2
    activity = Activity.objects.get(kind=ActivityKind.REUSED_TEMPLATE)  # once a day
    assert (activity.champion, activity.level, activity.metadata["how"]) == (
        reuser,
        ActivityLevel.PARTICIPANT,
        "download",
    )
    assert before <= activity.occurred_at <= timezone.now()
    reuser.refresh_from_db()
    assert reuser.first_value_at == activity.occurred_at


def test_downloading_ones_own_template_is_reuse_but_no_first_value() -> None:
    template = TemplateFactory()

    services.template_download(template=template, champion=template.author)

    assert Activity.objects.get().kind == ActivityKind.REUSED_TEMPLATE
    template.author.refresh_from_db()
    assert template.author.first_value_at is None


def test_drafts_cannot_be_downloaded_or_forked() -> None:
    draft = TemplateFactory(published_at=None)

    with pytest.raises(DomainError, match="draft"):
        services.template_download(template=draft, champion=ChampionFactory())
    with pytest.raises(DomainError, match="draft"):
        services.template_fork(template=draft, champion=ChampionFactory())


def test_a_fork_points_to_its_parent_and_records_reuse() -> None:
    parent = TemplateFactory(guild=GuildFactory())
    forker = ChampionFactory()
    before = timezone.now()

    fork = services.template_fork(template=parent, champion=forker, title="Our checklist")

    assert fork.parent == parent
    assert (fork.author, fork.title, fork.body, fork.published_at) == (
        forker,
        "Our checklist",
        parent.body,
        None,
    )
    assert list(parent.forks.all()) == [fork]
    activity = Activity.objects.get(kind=ActivityKind.REUSED_TEMPLATE)
    assert (activity.champion, activity.level, activity.guild) == (
        forker,
        ActivityLevel.PARTICIPANT,
        parent.guild,
    )
    assert activity.metadata == {"how": "fork", "fork_id": fork.pk}
    assert before <= activity.occurred_at <= timezone.now()
    forker.refresh_from_db()
    assert forker.first_value_at == activity.occurred_at


def test_editing_makes_a_new_version_and_keeps_the_old_one() -> None:
    template = TemplateFactory(body="v1 body")
    services.template_snapshot(template=template, by_user=None, note="First version")

    version = services.template_update(
        template=template, by_user=template.author.user, body="v2 body", note="Added a step"
    )

    assert version.number == 2
    assert [(v.number, v.body) for v in template.versions.order_by("number")] == [
        (1, "v1 body"),
        (2, "v2 body"),
    ]
    template.refresh_from_db()
    assert (template.version, template.body) == (2, "v2 body")


def test_only_the_author_or_staff_edit() -> None:
    with pytest.raises(DomainError, match="Only the author"):
        services.template_update(
            template=TemplateFactory(), by_user=ChampionFactory().user, body="mine now"
        )


def test_a_file_edit_is_checked_like_an_upload() -> None:
    template = services.template_create(
        title="Sheet", kind=TemplateKind.FILE, author=ChampionFactory(), file=_upload("a.csv")
    )

    with pytest.raises(DomainError, match="not accepted"):
        services.template_update(
            template=template, by_user=template.author_user, file=_upload("a.exe")
        )


def test_rating_a_template() -> None:
    template = TemplateFactory()
    rater = ChampionFactory()

    services.template_rate(template=template, champion=rater, rating=4)
    services.template_rate(template=template, champion=rater, rating=5)

    stats = selectors.templates_with_stats().get(pk=template.pk)
    assert stats.rating_average == 5


@pytest.mark.parametrize("rating", [0, 6, True])
def test_ratings_are_1_to_5(rating: Any) -> None:
    with pytest.raises(DomainError) as error:
        services.template_rate(
            template=TemplateFactory(), champion=ChampionFactory(), rating=rating
        )
    assert error.value.field == "rating"


def test_authors_do_not_rate_their_own_templates() -> None:
    template = TemplateFactory()
    with pytest.raises(DomainError, match="own template"):
        services.template_rate(template=template, champion=template.author, rating=5)


def test_only_published_templates_are_featured() -> None:
    with pytest.raises(DomainError, match="draft"):
        services.template_set_featured(template=TemplateFactory(published_at=None))
    template = services.template_set_featured(template=TemplateFactory())
    template.refresh_from_db()
    assert template.featured is True


def test_template_bodies_render_inert() -> None:
    template = TemplateFactory(body='<img src=x onerror="alert(1)"> [a](javascript:alert(1))')

    html = selectors.template_body_html(template)

    assert "onerror" not in html
    assert "javascript:" not in html
