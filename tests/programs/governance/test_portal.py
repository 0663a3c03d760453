"""The governance pages of the portal: code of conduct, reporting, my reports, decisions and
appeals, mediation, the health check, lessons; and the hooks in the portal's registries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from champions.models import ChampionState
from programs.governance import services
from programs.governance.models import Appeal, CodeOfConduct, Report, ReportStatus
from tests.programs.governance.conftest import Program, decide

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_member(client: Client, program: Program) -> Client:
    client.force_login(program.member.user)
    return client


@pytest.fixture
def as_reporter(client: Client, program: Program) -> Client:
    client.force_login(program.reporter.user)
    return client


@pytest.mark.parametrize("name", ["index", "code_of_conduct", "health_check", "lessons"])
def test_pages_open_for_a_champion_and_need_a_login(
    program: Program, code_v1: CodeOfConduct, client: Client, name: str
) -> None:
    url = reverse(f"portal:governance:{name}")
    assert client.get(url).status_code == 302
    client.force_login(program.member.user)
    response = client.get(url)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


def test_the_report_link_include_leads_to_the_report_form(
    program: Program, as_reporter: Client
) -> None:
    html = Template(
        '{% include "governance/portal/_report_link.html" with target=question %}'
    ).render(Context({"question": program.question}))
    url = reverse("portal:governance:report", args=["question", program.question.pk])
    assert f'href="{url}"' in html

    page = as_reporter.get(url).content.decode()
    assert "Why is everyone so slow?" in page
    response = as_reporter.post(url, {"category": "spam", "description": "Paid course again."})
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.reporter, report.question) == (program.reporter, program.question)
    mine = as_reporter.get(reverse("portal:governance:index")).content.decode()
    assert f"#{report.pk} Spam" in mine and ReportStatus.RECEIVED.label in mine


def test_reporting_refusals_show_on_the_form(program: Program, as_member: Client) -> None:
    url = reverse("portal:governance:report", args=["question", program.question.pk])
    page = as_member.post(url, {"category": "spam", "description": "me"}).content.decode()
    assert "cannot report yourself" in page
    assert not Report.objects.exists()


def test_what_a_champion_cannot_see_cannot_be_reported(program: Program, as_member: Client) -> None:
    assert (
        as_member.get(
            reverse("portal:governance:report", args=["member", program.member.pk])
        ).status_code
        == 404
    )
    assert (
        as_member.get(reverse("portal:governance:report", args=["question", 99999])).status_code
        == 404
    )
    assert as_member.get(reverse("portal:governance:report", args=["guild", 1])).status_code == 404


def test_accepting_the_code_from_the_welcome_page_completes_the_onboarding_step(
    program: Program, code_v1: CodeOfConduct, client: Client
) -> None:
    program.member.state = ChampionState.ONBOARDING
    program.member.save()
    client.force_login(program.member.user)
    welcome = client.get(reverse("portal:welcome")).content.decode()
    assert "Accept the code of conduct" in welcome and "I have read it and accept it" in welcome

    response = client.post(
        reverse("portal:governance:code_of_conduct"), {"code": code_v1.pk, "from": "welcome"}
    )
    assert response["Location"].endswith("/portal/welcome/#code_of_conduct")
    welcome = client.get(reverse("portal:welcome")).content.decode()
    assert "You accepted the code of conduct (version 1)" in welcome


def test_the_home_panel_appears_only_with_something_to_do(
    program: Program, code_v1: CodeOfConduct, as_member: Client
) -> None:
    assert (
        "Read and accept the new code of conduct"
        in as_member.get(reverse("portal:home")).content.decode()
    )
    services.code_of_conduct_accept(champion=program.member, code=code_v1)
    assert "Conduct and safety" not in as_member.get(reverse("portal:home")).content.decode()


def test_a_restricted_member_reads_exports_and_appeals_in_the_portal(
    program: Program, report: Report, as_member: Client
) -> None:
    case = services.case_open(reports=[report], by=program.mod_a)
    decide(
        case,
        program.mod_a,
        consequence="restriction",
        restriction_days=5,
        skip_reason="Third time.",
    )
    home = as_member.get(reverse("portal:home")).content.decode()
    assert "restricted from posting until" in home
    assert as_member.get(reverse("portal:export")).status_code == 200
    assert as_member.get(reverse("portal:guilds")).status_code == 200

    url = reverse("portal:governance:appeal", args=[case.pk])
    assert as_member.post(url, {"text": "I shared a free guide."}).status_code == 302
    again = as_member.post(url, {"text": "Again"}).content.decode()
    assert Appeal.objects.count() == 1
    assert "Your appeal" in again  # the form is gone; the appeal is shown


def test_booking_a_mediation_slot_in_the_portal(
    program: Program, report: Report, as_member: Client
) -> None:
    case = services.case_open(reports=[report], by=program.mod_a)
    starts = timezone.now() + timedelta(days=1)
    slot = services.mediation_offer(
        case=case,
        by=program.mod_a,
        offered_to=program.member,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=30),
        place="Room 2",
    )
    assert "Room 2" in as_member.get(reverse("portal:governance:index")).content.decode()
    as_member.post(reverse("portal:governance:mediation_book", args=[slot.pk]))
    slot.refresh_from_db()
    assert slot.booked_at is not None


def test_answering_the_health_check(program: Program, as_member: Client) -> None:
    services.health_round_open()
    url = reverse("portal:governance:health_check")
    data = {
        "guild": program.guild_a.pk,
        "psychological_safety": 4,
        "belonging": 5,
        "usefulness": 3,
        "comment": "",
    }
    assert as_member.post(url, data).status_code == 302
    page = as_member.get(url).content.decode()
    assert "You answered for all your guilds" in page


def test_the_nav_has_a_conduct_entry(program: Program, as_member: Client) -> None:
    page = as_member.get(reverse("portal:home")).content.decode()
    assert f'href="{reverse("portal:governance:index")}">Conduct</a>' in page


def test_shared_lessons_are_listed(program: Program, report: Report, as_member: Any) -> None:
    from tests.programs.governance.test_lessons import closed_case

    case = closed_case(program, report)
    services.lesson_write(
        case=case,
        by=program.mod_a,
        title="Links to paid offers",
        body="A member linked a paid course. We agreed on a clear rule.",
        audience="community",
    )
    assert (
        "Links to paid offers"
        in as_member.get(reverse("portal:governance:lessons")).content.decode()
    )
