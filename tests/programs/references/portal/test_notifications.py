"""A champion hears that a reference request is offered to them, as their preferences say."""

from __future__ import annotations

from typing import Any

import pytest

from champions import services as champion_services
from champions.models import DigestFrequency, NotificationKind
from programs.references import services
from tests.factories import StaffFactory
from tests.programs.references.factories import DealFactory, grant

pytestmark = pytest.mark.django_db


def _offer(champion: Any, capture: Any) -> Any:
    grant(champion)
    request = services.request_create(
        requested_by=StaffFactory(), deal=DealFactory(), activity_type="call",
        prospect_company="Initech", notes="Private note",
    )  # fmt: skip
    with capture(execute=True):
        services.request_offer(request=request, champion=champion, offered_by=None)
    return request


def test_the_offer_is_emailed_with_a_link_to_answer_in_the_portal(
    champion_a: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    request = _offer(champion_a, django_capture_on_commit_callbacks)
    message = mailoutbox[0]
    assert message.to == [champion_a.email]
    assert "Initech" in message.subject
    assert f"/portal/references/requests/{request.pk}/" in message.body
    assert "Private note" not in message.body and "Private note" not in message.alternatives[0][0]


def test_no_email_when_held_for_the_digest(
    champion_a: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    champion_services.notification_preference_set(
        user=champion_a.user,
        kind=NotificationKind.REQUEST_OFFERED,
        enabled=True,
        digest_frequency=DigestFrequency.WEEKLY,
    )
    _offer(champion_a, django_capture_on_commit_callbacks)
    assert mailoutbox == []
