"""Every change to metrics data goes through these functions (re-exported by topic)."""

from __future__ import annotations

from programs.metrics.services.experiments import (
    GuardrailInput,
    experiment_check,
    experiment_create,
    experiment_decide,
    experiment_evaluate,
    guardrail_check,
)
from programs.metrics.services.hour_counts import (
    hour_counts_rebuild,
    hour_counts_reset,
    hour_counts_roll_up,
)
from programs.metrics.services.signals import (
    QuoteInput,
    dropoff_hypothesis_record,
    interview_note_record,
    interview_notes_erase,
)
from programs.metrics.services.snapshots import (
    SnapshotRun,
    snapshot_window,
    snapshot_windows,
    snapshots_backfill,
    snapshots_mark_stale,
    snapshots_refresh_stale,
    snapshots_take,
)

__all__ = [
    "GuardrailInput",
    "QuoteInput",
    "SnapshotRun",
    "dropoff_hypothesis_record",
    "experiment_check",
    "experiment_create",
    "experiment_decide",
    "experiment_evaluate",
    "guardrail_check",
    "hour_counts_rebuild",
    "hour_counts_reset",
    "hour_counts_roll_up",
    "interview_note_record",
    "interview_notes_erase",
    "snapshot_window",
    "snapshot_windows",
    "snapshots_backfill",
    "snapshots_mark_stale",
    "snapshots_refresh_stale",
    "snapshots_take",
]
