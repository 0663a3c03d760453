"""Demo: the hour counts start afresh after the demo is loaded (or wiped), and the snapshots
the dashboard reads today are stored.

The demo's sections rewrite activities in place (their times, their recording), which the
log otherwise never sees; the counts are forgotten, so the next roll-up counts the demo's
log as it ends up (until then the metrics read the log itself). The demo runs no beat, so no
daily task would store snapshots: without them the dashboard's trend charts would be empty
(about 30 windows of the demo's data, two seconds on SQLite).
"""

from __future__ import annotations

from champions.demo import DemoContext, demo_section
from programs.metrics import services
from programs.metrics.dashboard import stored_windows
from programs.metrics.models import MetricSnapshot


def forget() -> None:
    services.hour_counts_reset()
    MetricSnapshot.objects.all().delete()


@demo_section("metrics", wipe=forget)
def seed_metrics(context: DemoContext) -> None:
    forget()
    for start, end in stored_windows(context.now):
        services.snapshot_window(start=start, end=end, guild_id=None)
