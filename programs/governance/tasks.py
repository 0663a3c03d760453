"""Celery tasks of governance: each takes ids (or nothing), loads, and calls a service.

Beat entries (config/settings.py): hand-over of absent moderators' cases (hourly), SLA alerts
(hourly), health-check rounds (daily: open a due round, report the closed one).
"""

from __future__ import annotations

from celery import shared_task

from programs.governance import emails, services


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def send_governance_email(self: object, *, kind: str, object_id: int) -> bool:
    message = emails.build(kind, object_id)
    if message is None:
        return False
    message.send()
    return True


@shared_task
def hand_over_absent_moderators_cases() -> int:
    return services.cases_hand_over_absent()


@shared_task
def alert_reports_over_sla() -> int:
    return services.reports_alert_over_sla()


@shared_task
def run_health_check_rounds() -> int:
    opened = services.health_round_open_if_due()
    return services.health_rounds_report_closed() + (1 if opened else 0)
