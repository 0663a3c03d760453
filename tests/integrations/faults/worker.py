"""The Celery app of the fault tests' workers: the service's own app and tasks, with the sync's
retry schedule shortened the way the in-process tests shorten it (tests/integrations/conftest.py
`FAST`), so backoff, leases and a batch sent again show within a test.

Production waits 5-10 s after a first failure; here 0.25-0.5 s (`FAULTS_BACKOFF_BASE`).
`FAULTS_LEASE_SECONDS` shortens a claim's lease (production: two call timeouts plus 20 s) for
tests that wait for a dead worker's batch; `FAULTS_BATCH_SIZE` makes more calls of fewer
records.
"""

from __future__ import annotations

import dataclasses
import os

import django

from config.celery import app

django.setup()  # before the models are imported; Celery's own setup later finds it done

from integrations.crm import services  # noqa: E402
from integrations.crm.ports import CrmGateway  # noqa: E402
from integrations.crm.sync import SyncPolicy  # noqa: E402

_production_policy = services.sync_policy


def _policy(gateway: CrmGateway) -> SyncPolicy:
    policy = _production_policy(gateway)
    base = float(os.environ.get("FAULTS_BACKOFF_BASE", "0.5"))
    return dataclasses.replace(
        policy,
        backoff_base=base,
        backoff_cap=base * 4,
        lease_seconds=float(os.environ.get("FAULTS_LEASE_SECONDS", policy.lease_seconds)),
        batch_size=int(os.environ.get("FAULTS_BATCH_SIZE", policy.batch_size)),
    )


services.sync_policy = _policy

__all__ = ["app"]
