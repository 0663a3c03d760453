"""The dashboard on the admin index: who sees it, what it shows, bounded queries, CSV."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from champions.models import ActivityKind
from champions.roles import Role
from programs.metrics import services
from programs.metrics.dashboard import preset_window
from programs.metrics.models import FunnelStep
from tests.factories import AccountFactory, StaffFactory
from tests.programs.metrics.build import act, champion, guild

pytestmark = pytest.mark.django_db


@pytest.fixture
def program() -> dict[str, Any]:
    window = preset_window("30")
    quiet, busy = guild(name="Quiet guild"), guild(name="Busy guild")
    person = champion(guilds=(busy,))
    act(person, ActivityKind.ANSWERED_QUESTION, window.end - timedelta(days=2), guild=busy)
    services.interview_note_record(
        interviewed_on=date(2026, 3, 1),
        summary="Monthly interview.",
        quotes=[
            services.QuoteInput("I found my first answer in a day.", metric_key="activation_rate"),
            services.QuoteInput("Nobody told me where to start.", funnel_step=FunnelStep.ONBOARDED),
        ],
    )
    services.dropoff_hypothesis_record(
        funnel_step=FunnelStep.FIRST_VALUE, statement="Newcomers never see a demo in month one."
    )
    return {"window": window, "quiet": quiet, "busy": busy, "person": person}


def take_snapshots(window: Any, guild_id: int | None = None) -> None:
    for start, end in ((window.start, window.end), window.previous):
        services.snapshot_window(start=start, end=end, guild_id=guild_id)


def test_the_program_team_sees_the_dashboard_above_the_app_list(
    admin_client_logged_in: Client, program: dict[str, Any]
) -> None:
    take_snapshots(program["window"])
    page = admin_client_logged_in.get("/admin/").content.decode()
    assert "Is the program scaling through peers?" in page
    assert "snapshots" in page  # served from the stored values
    assert page.index("Activation funnel") < page.index('id="content-main"')  # app list below
    assert "Time to first answer over time" in page and "<svg" in page
    assert "I found my first answer in a day." in page  # a quote beside its figure
    assert "Newcomers never see a demo in month one." in page  # beside the funnel
    assert "Silent for 30 days" in page and "Quiet guild" in page
    silent_line = page[page.index("Silent for 30 days") :].split("</p>")[0]
    assert "Busy guild" not in silent_line


def test_a_moderator_sees_the_plain_index() -> None:
    moderator = StaffFactory(email="mod@example.com")
    moderator.groups.add(Group.objects.get_or_create(name=Role.MODERATOR)[0])
    client = Client()
    client.force_login(moderator)
    page = client.get("/admin/").content.decode()
    assert "Is the program scaling" not in page
    assert client.get("/admin/program-metrics/export/kpis.csv").status_code == 404


def test_the_dashboard_from_snapshots_takes_a_bounded_number_of_queries(
    admin_client_logged_in: Client, program: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    take_snapshots(program["window"])
    admin_client_logged_in.get("/admin/")  # warm the session and content types
    with django_assert_max_num_queries(20):
        assert admin_client_logged_in.get("/admin/").status_code == 200
    for n in range(5):  # more guilds, quotes and experiments: still the same bound
        extra = guild(name=f"Extra {n}")
        act(champion(guilds=(extra,)), ActivityKind.RSVP, program["window"].end - timedelta(days=1))
    take_snapshots(program["window"])
    with django_assert_max_num_queries(20):
        assert admin_client_logged_in.get("/admin/").status_code == 200


def test_guild_and_account_pages(admin_client_logged_in: Client, program: dict[str, Any]) -> None:
    busy = program["busy"]
    take_snapshots(program["window"], busy.pk)
    page = admin_client_logged_in.get(f"/admin/program-metrics/guild/{busy.pk}/")
    assert page.status_code == 200
    assert "Guild: Busy guild" in page.content.decode()
    account = program["person"].account
    page = admin_client_logged_in.get(f"/admin/program-metrics/account/{account.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Adoption figures" in text and "computed live" in text
    assert admin_client_logged_in.get("/admin/program-metrics/guild/999999/").status_code == 404


@pytest.mark.parametrize(
    "slug",
    [
        "kpis",
        "funnel",
        "retention",
        "answers",
        "chains",
        "reuse",
        "moderation",
        "heatmap",
        "references",
        "revenue",
        "depth",
        "silent",
    ],
)
def test_every_chart_exports_csv(
    admin_client_logged_in: Client, program: dict[str, Any], slug: str
) -> None:
    response = admin_client_logged_in.get(f"/admin/program-metrics/export/{slug}.csv?preset=30")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().splitlines()[0]  # a header row


def test_silent_guilds_csv_lists_them(
    admin_client_logged_in: Client, program: dict[str, Any]
) -> None:
    rows = admin_client_logged_in.get("/admin/program-metrics/export/silent.csv").content.decode()
    assert "Quiet guild" in rows and "Busy guild" not in rows


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("preset=custom&from=2026-04-01&to=2026-03-01", "empty or inverted"),
        ("preset=custom&from=2026-04-01", "needs both"),
        ("guild=999999", "Select a valid choice"),
        ("account=999999", "no account with id 999999"),
        ("industry=mining", "Select a valid choice"),
        ("from=yesterday&to=today", "Enter a valid date"),
        ("preset=fortnight", "Select a valid choice"),
        ("preset=custom&from=2026-03-01&to=2026-03-01", "empty or inverted"),
    ],
)
def test_bad_filters_are_form_errors_not_500s(
    admin_client_logged_in: Client, program: dict[str, Any], query: str, message: str
) -> None:
    response = admin_client_logged_in.get(f"/admin/?{query}")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert (
        admin_client_logged_in.get(f"/admin/program-metrics/export/kpis.csv?{query}").status_code
        == 200
    )


def test_a_custom_window_and_an_industry_are_computed_live(
    admin_client_logged_in: Client, program: dict[str, Any]
) -> None:
    AccountFactory(industry="fintech")
    page = admin_client_logged_in.get(
        "/admin/?preset=custom&from=2026-03-01&to=2026-04-01&industry=fintech"
    ).content.decode()
    assert "computed live" in page and "Custom window" in page
