"""Levels and the quarterly contributor roll, computed from the activity log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from champions.errors import DomainError
from champions.models import ActivityKind, ActivityLevel
from programs.recognition import selectors
from tests.factories import AccountFactory, ActivityFactory, ChampionFactory, StaffFactory

pytestmark = pytest.mark.django_db
AT = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


def test_the_level_is_the_highest_of_the_last_90_days() -> None:
    champion = ChampionFactory()
    ActivityFactory(champion=champion, kind=ActivityKind.LOGIN, occurred_at=AT - timedelta(days=1))
    ActivityFactory(
        champion=champion, kind=ActivityKind.ANSWERED_QUESTION, occurred_at=AT - timedelta(days=89)
    )
    ActivityFactory(
        champion=champion, kind=ActivityKind.HOSTED_CLINIC, occurred_at=AT - timedelta(days=91)
    )
    ActivityFactory(champion=champion, kind=ActivityKind.LED_GUILD, occurred_at=AT)  # not before

    assert selectors.champion_level(champion, AT) == ActivityLevel.CONTRIBUTOR
    assert selectors.champion_level(champion, AT - timedelta(days=2)) == ActivityLevel.LEADER
    assert selectors.champion_level(champion, AT + timedelta(days=90)) == ActivityLevel.LEADER


def test_presence_alone_is_observer_and_nothing_is_no_level() -> None:
    champion = ChampionFactory()
    assert selectors.champion_level(champion, AT) is None
    ActivityFactory(champion=champion, kind=ActivityKind.PAGE_VIEW, occurred_at=AT - timedelta(1))
    assert selectors.champion_level(champion, AT) == ActivityLevel.OBSERVER


@pytest.mark.parametrize(
    ("quarter", "start", "end"),
    [
        ("2026-Q1", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)),
        ("2026q4", datetime(2026, 10, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
    ],
)
def test_quarter_bounds(quarter: str, start: datetime, end: datetime) -> None:
    assert selectors.quarter_bounds(quarter) == (start, end)


def test_a_malformed_quarter_is_refused() -> None:
    with pytest.raises(DomainError) as error:
        selectors.quarter_bounds("2026-Q5")
    assert error.value.field == "quarter"


def _roll_data() -> tuple[object, object]:
    in_q2 = datetime(2026, 5, 10, 9, 0, tzinfo=UTC)
    ada = ChampionFactory(full_name="Ada | Lovelace", account=AccountFactory(name="Acme <AG>"))
    bob = ChampionFactory(full_name="Bob Builder")
    for kind in (ActivityKind.ANSWERED_QUESTION, ActivityKind.ANSWERED_QUESTION):
        ActivityFactory(champion=ada, kind=kind, occurred_at=in_q2)
    ActivityFactory(champion=ada, kind=ActivityKind.SHARED_TEMPLATE, occurred_at=in_q2)
    ActivityFactory(champion=bob, kind=ActivityKind.RSVP, occurred_at=in_q2)
    ActivityFactory(champion=bob, kind=ActivityKind.LOGIN, occurred_at=in_q2)  # presence
    ActivityFactory(
        champion=bob, kind=ActivityKind.RSVP, occurred_at=datetime(2026, 7, 1, tzinfo=UTC)
    )
    staff_user = StaffFactory()
    staff = ChampionFactory(user=staff_user, email=staff_user.email)
    ActivityFactory(champion=staff, kind=ActivityKind.HOSTED_CLINIC, occurred_at=in_q2)
    erased = ChampionFactory(erased_at=in_q2)
    ActivityFactory(champion=erased, kind=ActivityKind.RSVP, occurred_at=in_q2)
    return ada, bob


def test_the_roll_counts_contributions_per_kind_without_staff() -> None:
    ada, bob = _roll_data()

    roll = selectors.contributor_roll("2026-Q2")

    assert [(e.champion_id, e.counts, e.total) for e in roll] == [
        (ada.pk, {"answered_question": 2, "shared_template": 1}, 3),  # type: ignore[attr-defined]
        (bob.pk, {"rsvp": 1}, 1),  # type: ignore[attr-defined]
    ]
    assert selectors.contributor_roll("2026-Q1") == []


def test_the_roll_as_markdown() -> None:
    _roll_data()

    text = selectors.contributor_roll_markdown("2026-Q2")

    assert text.splitlines()[:5] == [
        "# Contributors, 2026 Q2",
        "",
        "Thank you to the 2 champions who contributed in 2026 Q2.",
        "",
        "| Champion | Account | RSVP | Answered question | Shared template | Total |",
    ]
    assert "| Ada \\| Lovelace | Acme \\<AG\\> | 0 | 2 | 1 | 3 |" in text
    assert "| Bob Builder |" in text


def test_the_roll_as_html_escapes_names() -> None:
    _roll_data()

    html = selectors.contributor_roll_html("2026-Q2")

    assert "<h1>Contributors, 2026 Q2</h1>" in html
    assert "Acme &lt;AG&gt;" in html
    assert "<AG>" not in html


def test_an_empty_quarter() -> None:
    assert "No contributions this quarter." in selectors.contributor_roll_markdown("2025-Q1")
    assert "No contributions this quarter." in selectors.contributor_roll_html("2025-Q1")
