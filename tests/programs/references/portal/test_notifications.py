"""A champion hears that a reference request is offered to them, as their preferences say."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from champions import services as champion_services
from champions.models import DigestFrequency, NotificationKind
from champions.tasks import send_due_digests
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


def _give_reference(champion: Any, capture: Any) -> Any:
    request = _offer(champion, capture)
    services.request_accept(request=request)
    services.request_schedule(request=request, scheduled_for=timezone.now())
    with capture(execute=True):
        services.request_complete(request=request, outcome="held", feedback="", rating=5)
    return request


def test_the_thank_you_for_a_reference_respects_the_kudos_preference(
    champion_a: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    champion_services.notification_preference_set(
        user=champion_a.user, kind=NotificationKind.KUDOS, enabled=False
    )
    _give_reference(champion_a, django_capture_on_commit_callbacks)
    assert [m.subject for m in mailoutbox if "thank" in m.subject.lower()] == []


def test_a_thank_you_held_for_the_digest_is_in_the_digest(
    champion_a: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    champion_services.notification_preference_set(
        user=champion_a.user, kind=NotificationKind.KUDOS, enabled=True, digest_frequency="daily"
    )
    _give_reference(champion_a, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    send_due_digests()
    [message] = mailoutbox
    assert "daily" in message.subject
    assert "Thank you for the reference call with Initech" in message.body


def test_an_offer_held_for_the_digest_is_in_the_digest(
    champion_a: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    champion_services.notification_preference_set(
        user=champion_a.user, kind=NotificationKind.REQUEST_OFFERED, enabled=True,
        digest_frequency=DigestFrequency.WEEKLY,
    )  # fmt: skip
    request = _offer(champion_a, django_capture_on_commit_callbacks)
    send_due_digests()
    [message] = mailoutbox
    assert "weekly" in message.subject
    assert "Reference call with Initech (can you do it?)" in message.body
    assert f"/portal/references/requests/{request.pk}/" in message.body
    assert "Private note" not in message.body
