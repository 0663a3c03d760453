"""The Celery app.

Reliability choices (RELIABILITY.md items 21-22): a task is acknowledged only after it ran
(`acks_late`) and is given back to the broker when its worker dies (`reject_on_worker_lost`);
each worker takes one task at a time, so a killed worker strands at most one; the hard time
limit stays below the broker's visibility timeout, so a slow task is never handed out twice.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

VISIBILITY_TIMEOUT_SECONDS = 3600

app = Celery("champions")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_soft_time_limit=240,
    task_time_limit=300,
    broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_SECONDS},
    broker_connection_retry_on_startup=True,
    task_ignore_result=True,
    timezone="UTC",
)
app.autodiscover_tasks()
