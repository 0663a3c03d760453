"""The governance admin: queues by SLA with bounded queries, the case page and its buttons,
entering a report from an email, health results, code of conduct publishing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from programs.governance import services
from programs.governance.models import (
    CaseStatus,
    CodeOfConduct,
    GuildModerator,
    HiddenContent,
    ModerationCase,
    ModeratorAvailability,
    Report,
)
from tests.programs.factories import QuestionFactory
from tests.programs.governance.conftest import Program, walk_to_decision

pytestmark = pytest.mark.django_db


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(captured.captured_queries)


def _reports(program: Program, count: int) -> list[Report]:
    made = []
    for number in range(count):
        question = QuestionFactory(guild=program.guild_a, asker=program.member)
        report = services.report_make(
            reporter=program.reporter, target=question, category="spam", description=f"Ad {number}"
        )
        if number % 2:
            services.case_open(reports=[report], by=program.mod_a)
        made.append(report)
    return made


@pytest.mark.parametrize(
    "name",
    [
        "admin:governance_report_changelist",
        "admin:governance_moderationcase_changelist",
        "admin:governance_moderationaction_changelist",
        "admin:governance_hiddencontent_changelist",
        "admin:governance_codeofconduct_changelist",
        "admin:governance_guildmoderator_changelist",
        "admin:governance_healthcheckround_changelist",
        "admin:governance_anonymizedlesson_changelist",
        "admin:governance_moderatoravailability_changelist",
    ],
)
@pytest.mark.parametrize("who", ["lead", "mod_a"])
def test_queues_open_and_their_queries_do_not_grow_with_rows(
    program: Program, client: Client, name: str, who: str
) -> None:
    client.force_login(getattr(program, who))
    url = reverse(name)
    _reports(program, 2)
    few = _queries(client, url)
    _reports(program, 12)
    assert _queries(client, url) == few
    assert few <= 14  # session, user, permissions, the page itself


def test_the_report_queue_lists_overdue_reports_first(program: Program, client: Client) -> None:
    fresh = services.report_make(
        reporter=program.reporter, target=program.question, category="spam", description="new"
    )
    old = services.report_enter(
        entered_by=program.lead,
        category="other",
        description="old",
        guild=program.guild_a,
        at=timezone.now() - timedelta(hours=60),
    )
    client.force_login(program.mod_a)
    page = client.get(reverse("admin:governance_report_changelist")).content.decode()
    assert page.index(f"#{old.pk}<") < page.index(f"#{fresh.pk}<")
    assert "overdue by 12 h" in page


def test_the_case_page_follows_the_guide_within_a_query_budget(
    program: Program, report: Report, client: Client, django_assert_max_num_queries: Any
) -> None:
    case = services.case_open(reports=[report], by=program.mod_a)
    client.force_login(program.mod_a)
    url = reverse("admin:governance_moderationcase_change", args=[case.pk])
    with django_assert_max_num_queries(40):
        page = client.get(url).content.decode()
    assert "Mirror the concern" in page and "Record this step" in page

    act = "admin:governance_moderationcase_act"
    client.post(reverse(act, args=[case.pk, "decide"]), {"decision": "x", "member_message": "m"})
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN  # refused: steps missing

    for kind in ("mirror", "interests", "options"):
        client.post(reverse(act, args=[case.pk, "step"]), {"kind": kind, "text": f"{kind} done"})
    response = client.post(
        reverse(act, args=[case.pk, "decide"]),
        {
            "decision": "Ad",
            "member_message": "No ads, please.",
            "consequence": "note",
            "reason": "Ad in a question.",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED and case.consequence.kind == "note"

    client.post(reverse(act, args=[case.pk, "hide"]), {"report": report.pk, "reason": "Ad."})
    assert HiddenContent.objects.filter(question=program.question, case=case).exists()
    on = (timezone.localdate() + timedelta(days=7)).isoformat()
    client.post(reverse(act, args=[case.pk, "follow_up"]), {"on": on, "note": "Check in."})
    client.post(reverse(act, args=[case.pk, "close"]), {"note_to_reporters": ""})
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert "Anonymized lesson" in client.get(url).content.decode()


def test_refusals_on_the_case_page_are_messages_not_errors(
    program: Program, report: Report, client: Client
) -> None:
    case = services.case_open(reports=[report], by=program.mod_a)
    client.force_login(program.mod_a)
    response = client.post(
        reverse("admin:governance_moderationcase_act", args=[case.pk, "step"]),
        {"kind": "options", "text": "too early"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Record “Mirror the concern” first" in response.content.decode()


def test_opening_a_case_from_the_report_page(
    program: Program, report: Report, client: Client
) -> None:
    client.force_login(program.mod_a)
    page = client.get(reverse("admin:governance_report_change", args=[report.pk])).content.decode()
    assert "Ada Lovelace" in page and "Open a case" in page
    response = client.post(reverse("admin:governance_report_act", args=[report.pk, "open_case"]))
    case = ModerationCase.objects.get()
    assert response["Location"] == reverse("admin:governance_moderationcase_change", args=[case.pk])


def test_staff_enter_a_report_from_an_email(program: Program, client: Client) -> None:
    client.force_login(program.lead)
    url = reverse("admin:governance_report_add")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "category": "confidentiality",
            "description": "Shared a customer list.",
            "reporter_email": program.reporter.email,
            "target_kind": "question",
            "target_id": program.question.pk,
        },
    )
    report = Report.objects.get()
    assert response.status_code == 302
    assert (report.entered_by, report.reporter, report.source) == (
        program.lead,
        program.reporter,
        "staff",
    )
    bad = client.post(
        url,
        {"category": "other", "description": "x", "target_kind": "question", "target_id": 99999},
    ).content.decode()
    assert "There is no question #99999" in bad


def test_health_results_and_publishing_a_code(program: Program, client: Client) -> None:
    client.force_login(program.lead)
    assert client.get(reverse("admin:governance_healthcheckround_results")).status_code == 200
    client.post(reverse("admin:governance_healthcheckround_open"))
    code = CodeOfConduct.objects.create(version="1", body="Be kind.")
    client.post(
        reverse("admin:governance_codeofconduct_changelist"),
        {"action": "publish", "_selected_action": [code.pk]},
    )
    code.refresh_from_db()
    assert code.published_at is not None
    client.force_login(program.mod_a)
    assert (
        client.get(reverse("admin:governance_codeofconduct_change", args=[code.pk])).status_code
        == 200
    )


def test_the_lead_appoints_moderators_and_moderators_record_absences(
    program: Program, client: Client
) -> None:
    client.force_login(program.lead)
    client.post(
        reverse("admin:governance_guildmoderator_add"),
        {"guild": program.guild_b.pk, "user": program.deputy_a.pk},
    )
    assert GuildModerator.objects.filter(guild=program.guild_b, user=program.deputy_a).exists()

    client.force_login(program.mod_a)
    today = timezone.localdate().isoformat()
    client.post(
        reverse("admin:governance_moderatoravailability_add"),
        {"user": program.mod_a.pk, "starts_on": today, "ends_on": today, "note": "Ill"},
    )
    assert ModeratorAvailability.objects.filter(user=program.mod_a).exists()
    client.post(
        reverse("admin:governance_moderatoravailability_add"),
        {"user": program.mod_b.pk, "starts_on": today, "ends_on": today},
    )
    assert not ModeratorAvailability.objects.filter(user=program.mod_b).exists()


def test_escalated_case_page_tells_the_moderator_the_lead_decides(
    program: Program, client: Client
) -> None:
    report = services.report_make(
        reporter=program.reporter,
        target=program.question,
        category="harassment",
        description="Insults.",
    )
    case = services.case_open(reports=[report], by=program.mod_a)
    walk_to_decision(case, program.mod_a)
    client.force_login(program.mod_a)
    page = client.get(
        reverse("admin:governance_moderationcase_change", args=[case.pk])
    ).content.decode()
    assert "the program lead decides" in page
