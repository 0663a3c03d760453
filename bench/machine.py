"""What every benchmark prints about the host it ran on, so BENCHMARKS.md can say it."""

from __future__ import annotations

import os
import platform
from pathlib import Path

from django.db import connection


def machine_facts() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "?",
    )
    meminfo = Path("/proc/meminfo").read_text().split()
    memory = f"{int(meminfo[meminfo.index('MemTotal:') + 1]) / 1024**2:.0f} GiB"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            database = connection.vendor
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "database": database,
        "python": platform.python_version(),
        "load": load_average(),
    }


def machine() -> str:
    """nproc, CPU, RAM, database and Python, in one line (the load is `load_average()`)."""
    facts = machine_facts()
    return (
        f"nproc {facts['nproc']}, {facts['cpu']}, {facts['memory']} RAM, {facts['database']}, "
        f"Python {facts['python']}"
    )


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages: the host is often shared, so say how busy."""
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())
