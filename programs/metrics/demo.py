"""Demo: the hour counts roll-up starts afresh after the demo is loaded (or wiped).

The demo's sections rewrite activities in place (their times, their recording), which the
log otherwise never sees; the counts are forgotten, so the next roll-up counts the demo's
log as it ends up (until then the metrics read the log itself).
"""

from __future__ import annotations

from champions.demo import DemoContext, demo_section
from programs.metrics import services


def forget_hour_counts() -> None:
    services.hour_counts_reset()


@demo_section("metrics", wipe=forget_hour_counts)
def seed_metrics(context: DemoContext) -> None:
    forget_hour_counts()
