"""Celery tasks of recognition: each takes ids, loads, and sends."""

from __future__ import annotations

from celery import shared_task

from champions.emails import site_link, templated_email
from champions.models import NotificationKind
from champions.selectors import notification_allowed
from programs.recognition.models import Kudos


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def notify_kudos(self: object, *, kudos_id: int) -> bool:
    """Tell the thanked champion, unless they switched these emails off or collect them for
    the digest (`notification_allowed`); True when an email went out."""
    kudos = Kudos.objects.select_related("to_champion__user", "from_champion").get(pk=kudos_id)
    receiver = kudos.to_champion
    if receiver.erased_at is not None or receiver.user is None:
        return False
    if not notification_allowed(receiver.user, NotificationKind.KUDOS):
        return False
    context = {
        "kudos": kudos,
        "link": site_link("portal:recognition:index"),
        "preferences_link": site_link("portal:notifications"),
    }
    templated_email("recognition/email/kudos", context, to=[receiver.email]).send()
    return True
