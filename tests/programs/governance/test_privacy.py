"""Who sees what: moderators their guilds' reports and cases, the program lead all; the
reporter only for the moderators of the case, never for the reported member."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from champions.privacy import champion_erase, champion_export
from programs.governance import selectors, services
from programs.governance.models import HealthCheckResponse, Report
from tests.factories import ChampionFactory, MembershipFactory
from tests.programs.governance.conftest import Program, decide

pytestmark = pytest.mark.django_db
REPORTER_TRACES = ("Ada", "Lovelace", "ada@acme.example", "Acme")


@pytest.fixture
def cases(program: Program, report: Report) -> dict[str, Any]:
    """A case in each guild."""
    case_a = services.case_open(reports=[report], by=program.mod_a)
    member_b = ChampionFactory(full_name="Bert Bravo")
    MembershipFactory(guild=program.guild_b, champion=member_b)
    report_b = services.report_make(
        reporter=program.bystander,
        target=member_b,
        category="spam",
        description="Ads.",
        guild=program.guild_b,
    )
    case_b = services.case_open(reports=[report_b], by=program.mod_b)
    return {"a": case_a, "b": case_b, "report_b": report_b}


def test_moderators_see_only_their_guilds_and_the_lead_sees_all(
    program: Program, cases: dict[str, Any]
) -> None:
    a, b = cases["a"], cases["b"]
    assert list(selectors.cases_visible_to(user=program.mod_a)) == [a]
    assert list(selectors.cases_visible_to(user=program.deputy_a)) == [a]
    assert list(selectors.cases_visible_to(user=program.mod_b)) == [b]
    assert set(selectors.cases_visible_to(user=program.lead)) == {a, b}
    assert set(selectors.reports_visible_to(user=program.mod_b)) == {cases["report_b"]}


def test_unassigned_reports_are_seen_by_their_guilds_moderators_only(program: Program) -> None:
    report = services.report_enter(
        entered_by=program.lead, category="other", description="x", guild=program.guild_b
    )
    assert report in selectors.reports_visible_to(user=program.mod_b)
    assert report not in selectors.reports_visible_to(user=program.mod_a)
    nowhere = services.report_enter(
        entered_by=program.lead, category="other", description="x", target=program.member
    )  # a member, no guild: the lead's
    assert nowhere not in selectors.reports_visible_to(user=program.mod_a)
    assert nowhere in selectors.reports_visible_to(user=program.lead)


def test_a_moderator_never_sees_a_case_about_themselves(program: Program) -> None:
    moderator_as_member = ChampionFactory(user=program.mod_b, email=program.mod_b.email)
    MembershipFactory(guild=program.guild_b, champion=moderator_as_member)
    report = services.report_make(
        reporter=program.reporter,
        target=moderator_as_member,
        category="spam",
        description="x",
        guild=program.guild_b,
    )
    assert report not in selectors.reports_visible_to(user=program.mod_b)
    case = services.case_open(reports=[report], by=program.lead)
    assert case.moderator != program.mod_b
    assert case not in selectors.cases_visible_to(user=program.mod_b)


def test_the_admin_shows_another_guilds_case_to_nobody_but_its_moderators(
    program: Program, cases: dict[str, Any], client: Client
) -> None:
    url = reverse("admin:governance_moderationcase_change", args=[cases["a"].pk])
    client.force_login(program.mod_b)
    assert client.get(url).status_code == 404
    listing = client.get(reverse("admin:governance_report_changelist")).content.decode()
    assert f"#{cases['report_b'].pk}" in listing and "Why is everyone so slow" not in listing

    client.force_login(program.mod_a)
    page = client.get(url).content.decode()
    assert "Ada Lovelace" in page  # the case's moderators see the reporter


def test_the_reported_member_never_sees_the_reporter_in_the_portal(
    program: Program, cases: dict[str, Any], client: Client
) -> None:
    case = cases["a"]
    decide(case, program.mod_a, consequence="warning", skip_reason="Second time this week.")
    client.force_login(program.member.user)
    for url in (
        reverse("portal:governance:index"),
        reverse("portal:governance:decision", args=[case.pk]),
        reverse("portal:home"),
        reverse("portal:export"),
    ):
        page = client.get(url).content.decode()
        for trace in REPORTER_TRACES:
            assert trace not in page, (url, trace)
    assert (
        "Please keep paid offers out"
        in client.get(reverse("portal:governance:decision", args=[case.pk])).content.decode()
    )


def test_the_reported_members_emails_never_name_the_reporter(
    program: Program, cases: dict[str, Any], committed: Any
) -> None:
    case = cases["a"]
    mail.outbox.clear()
    with committed():
        decide(case, program.mod_a, consequence="note")
        appeal = services.appeal_lodge(case=case, champion=program.member, text="Unfair.")
        services.appeal_decide(
            appeal=appeal, by=program.deputy_a, outcome="upheld", note="The link was an ad."
        )
    to_member = [m for m in mail.outbox if program.member.email in m.to]
    assert len(to_member) == 2
    for message in to_member:
        text = message.subject + message.body + "".join(str(a[0]) for a in message.alternatives)
        for trace in REPORTER_TRACES:
            assert trace not in text


def test_others_decisions_are_404_in_the_portal(
    program: Program, cases: dict[str, Any], client: Client
) -> None:
    decide(cases["a"], program.mod_a)
    client.force_login(program.bystander.user)
    assert (
        client.get(reverse("portal:governance:decision", args=[cases["a"].pk])).status_code == 404
    )


def test_erasure_masks_the_reporter_and_export_has_ones_own_reports(
    program: Program, report: Report
) -> None:
    exported = champion_export(champion=program.reporter)["sections"]["governance"]
    assert [r["id"] for r in exported["reports_made"]] == [report.pk]

    champion_erase(champion=program.reporter, actor=program.reporter.user)

    report.refresh_from_db()
    assert report.reporter is None and report.reporter_masked_at is not None
    assert report.description  # the concern stays for the case
    assert (
        selectors.open_reports_over_sla(at=report.due_at.replace(year=report.due_at.year + 1)) == 0
    )


def test_erasure_of_a_member_clears_their_appeal_and_health_comments(
    program: Program, report: Report
) -> None:
    case = services.case_open(reports=[report], by=program.mod_a)
    decide(case, program.mod_a)
    services.appeal_lodge(case=case, champion=program.member, text="My words.")
    health_round = services.health_round_open()
    services.health_respond(
        health_round=health_round,
        champion=program.member,
        guild=program.guild_a,
        comment="Mine.",
        scores={"psychological_safety": 2, "belonging": 3, "usefulness": 4},
    )

    champion_erase(champion=program.member, actor=None)

    case.refresh_from_db()
    assert case.appeal.text == "" and case.consequence.member == program.member
    assert HealthCheckResponse.objects.get().comment == ""
